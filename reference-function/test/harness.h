#pragma once
// Test harness: the reference function in-process on 127.0.0.1:0 plus blocking gRPC helpers that
// play the proxy. Every call has a deadline, so a missing answer fails instead of hanging.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"

namespace cloudstate::reference_function::testing {

inline std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(20);
}

template <class In, class Out>
class Stream {
 public:
  template <class Stub>
  explicit Stream(Stub& stub) {
    ctx_.set_deadline(Deadline());
    stream_ = stub.handle(&ctx_);
  }
  Stream(const Stream&) = delete;
  ~Stream() {
    if (!finished_) {
      ctx_.TryCancel();
      (void)stream_->Finish();
    }
  }
  bool Send(const In& in) { return stream_->Write(in); }
  std::optional<Out> Receive() {
    Out out;
    if (!stream_->Read(&out)) {
      return std::nullopt;
    }
    return out;
  }
  // Sends and waits for one answer (nullopt: the stream ended instead).
  std::optional<Out> Ask(const In& in) {
    if (!Send(in)) {
      return std::nullopt;
    }
    return Receive();
  }
  // Half-closes; true when the function then completes normally without further messages.
  bool CloseCleanly() {
    stream_->WritesDone();
    return EndedCleanly();
  }
  // True when the function ends the stream (OK status) without further messages.
  bool EndedCleanly() {
    Out out;
    bool extra = stream_->Read(&out);
    finished_ = true;
    grpc::Status status = stream_->Finish();
    return !extra && status.ok();
  }

 private:
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<In, Out>> stream_;
  bool finished_ = false;
};

using EsStream = Stream<cloudstate::eventsourced::EventSourcedStreamIn,
                        cloudstate::eventsourced::EventSourcedStreamOut>;
using VeStream = Stream<cloudstate::valueentity::ValueEntityStreamIn,
                        cloudstate::valueentity::ValueEntityStreamOut>;

// The reference function with a set of faults.
class Function {
 public:
  explicit Function(std::vector<std::string> faults = {}) {
    absl::StatusOr<Faults> parsed = Faults::FromNames(faults);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    Faults enabled = parsed.ok() ? *parsed : Faults();
    server_ = std::make_unique<sdk::Server>(ReferenceServerOptions(enabled));
    RegisterAll(*server_, enabled);
    absl::Status status = server_->Start("127.0.0.1", 0);
    EXPECT_TRUE(status.ok()) << status;
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    discovery_ = cloudstate::EntityDiscovery::NewStub(channel_);
    es_ = cloudstate::eventsourced::EventSourced::NewStub(channel_);
    ve_ = cloudstate::valueentity::ValueEntity::NewStub(channel_);
    action_ = cloudstate::action::ActionProtocol::NewStub(channel_);
  }
  ~Function() { server_->Shutdown(); }

  cloudstate::EntitySpec Discover() {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    cloudstate::ProxyInfo info;
    info.set_protocol_major_version(0);
    info.set_protocol_minor_version(2);
    info.set_proxy_name("harness");
    cloudstate::EntitySpec spec;
    grpc::Status status = discovery_->discover(&ctx, info, &spec);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return spec;
  }

  std::unique_ptr<EsStream> OpenEs() { return std::make_unique<EsStream>(*es_); }
  std::unique_ptr<VeStream> OpenVe() { return std::make_unique<VeStream>(*ve_); }

  cloudstate::action::ActionResponse Unary(const cloudstate::action::ActionCommand& command) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    cloudstate::action::ActionResponse response;
    grpc::Status status = action_->handleUnary(&ctx, command, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // handleStreamedIn: header, then the payload messages, then half-close.
  cloudstate::action::ActionResponse StreamedIn(
      const cloudstate::action::ActionCommand& header,
      const std::vector<cloudstate::action::ActionCommand>& messages) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    cloudstate::action::ActionResponse response;
    auto writer = action_->handleStreamedIn(&ctx, &response);
    writer->Write(header);
    for (const auto& message : messages) {
      if (!writer->Write(message)) {
        break;  // the function answered early
      }
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::vector<cloudstate::action::ActionResponse> StreamedOut(
      const cloudstate::action::ActionCommand& command) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    auto reader = action_->handleStreamedOut(&ctx, command);
    std::vector<cloudstate::action::ActionResponse> out;
    cloudstate::action::ActionResponse response;
    while (reader->Read(&response)) {
      out.push_back(response);
    }
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  // handleStreamed: header, then each message answered with `per_message[i]` responses.
  std::vector<std::vector<cloudstate::action::ActionResponse>> Streamed(
      const cloudstate::action::ActionCommand& header,
      const std::vector<cloudstate::action::ActionCommand>& messages,
      const std::vector<int>& per_message) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    auto stream = action_->handleStreamed(&ctx);
    stream->Write(header);
    std::vector<std::vector<cloudstate::action::ActionResponse>> out;
    for (size_t i = 0; i < messages.size(); ++i) {
      stream->Write(messages[i]);
      out.emplace_back();
      for (int k = 0; k < per_message[i]; ++k) {
        cloudstate::action::ActionResponse response;
        if (!stream->Read(&response)) {
          ADD_FAILURE() << "missing streamed response";
          break;
        }
        out.back().push_back(response);
      }
    }
    stream->WritesDone();
    cloudstate::action::ActionResponse extra;
    EXPECT_FALSE(stream->Read(&extra)) << extra.ShortDebugString();
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

 private:
  std::unique_ptr<sdk::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cloudstate::EntityDiscovery::Stub> discovery_;
  std::unique_ptr<cloudstate::eventsourced::EventSourced::Stub> es_;
  std::unique_ptr<cloudstate::valueentity::ValueEntity::Stub> ve_;
  std::unique_ptr<cloudstate::action::ActionProtocol::Stub> action_;
};

}  // namespace cloudstate::reference_function::testing
