#pragma once
// An in-process user function that misbehaves on demand, for the proxy's robustness tests: it
// serves discovery for the TCK value-entity model and answers value-entity commands according to
// its current mode (a proper reply, unreadable bytes, no answer at all, or a reply of a foreign
// type). reportError calls are recorded.

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"
#include "cloudstate/value_entity.pb.h"

namespace cloudstate::proxy::testing {

class HostileFunction {
 public:
  enum class Mode { kReply, kUnreadable, kSilent, kForeignType };

  HostileFunction() : discovery_(this) {}
  ~HostileFunction() { Stop(); }

  bool Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&discovery_);
    builder.RegisterCallbackGenericService(&streams_);
    streams_.owner = this;
    server_ = builder.BuildAndStart();
    return server_ != nullptr && port_ != 0;
  }
  void Stop() {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server_.reset();
    }
  }

  int port() const { return port_; }
  void set_mode(Mode mode) { mode_ = mode; }
  int streams_opened() const { return streams_opened_; }
  int streams_open() const { return streams_open_; }
  // Leaves streams open after the proxy's half-close (a slow function at proxy shutdown).
  void set_hold_streams_open(bool hold) { hold_open_ = hold; }
  std::vector<std::string> reported_errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  class Discovery final : public cloudstate::EntityDiscovery::Service {
   public:
    explicit Discovery(HostileFunction* owner) : owner_(owner) {}
    grpc::Status discover(grpc::ServerContext*, const cloudstate::ProxyInfo*,
                          cloudstate::EntitySpec* spec) override {
      google::protobuf::FileDescriptorSet files;
      std::set<std::string> seen;
      AddFile(cloudstate::tck::model::valueentity::Request::descriptor()->file(), &seen, &files);
      spec->set_proto(files.SerializeAsString());
      auto* entity = spec->add_entities();
      entity->set_entity_type("cloudstate.valueentity.ValueEntity");
      entity->set_service_name("cloudstate.tck.model.valueentity.ValueEntityTckModel");
      entity->set_persistence_id("hostile");
      auto* info = spec->mutable_service_info();
      info->set_service_name("hostile-function");
      info->set_protocol_major_version(0);
      info->set_protocol_minor_version(2);
      info->set_support_library_name("hostile");
      return grpc::Status::OK;
    }
    grpc::Status reportError(grpc::ServerContext*, const cloudstate::UserFunctionError* error,
                             google::protobuf::Empty*) override {
      std::lock_guard lock(owner_->mu_);
      owner_->errors_.push_back(error->message());
      return grpc::Status::OK;
    }

   private:
    static void AddFile(const google::protobuf::FileDescriptor* file, std::set<std::string>* seen,
                        google::protobuf::FileDescriptorSet* files) {
      if (!seen->insert(file->name()).second) {
        return;
      }
      for (int i = 0; i < file->dependency_count(); ++i) {
        AddFile(file->dependency(i), seen, files);
      }
      file->CopyTo(files->add_file());
    }
    HostileFunction* owner_;
  };

  // One value-entity stream, on raw bytes so that it can also send what does not parse.
  class Stream final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Stream(HostileFunction* owner) : owner_(owner) {
      ++owner_->streams_opened_;
      ++owner_->streams_open_;
      StartRead(&in_);
    }

   private:
    void OnReadDone(bool ok) override {
      if (!ok) {
        std::lock_guard lock(mu_);
        if (owner_->hold_open_) {
          return;  // finished only when the proxy cancels
        }
        if (!finished_) {
          finished_ = true;
          Finish(grpc::Status::OK);
        }
        return;
      }
      cloudstate::valueentity::ValueEntityStreamIn message;
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (in_.Dump(&slices).ok()) {
        for (const auto& s : slices) {
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
      }
      if (message.ParseFromString(bytes) && message.has_command()) {
        Answer(message.command());
      }
      StartRead(&in_);
    }
    void Answer(const cloudstate::Command& command) {
      std::string out;
      switch (owner_->mode_.load()) {
        case Mode::kSilent:
          return;
        case Mode::kUnreadable:
          out = std::string("\x0a\xff\xff\xff\x0f", 5);  // a field longer than the message
          break;
        case Mode::kReply:
        case Mode::kForeignType: {
          cloudstate::tck::model::valueentity::Request request;
          request.ParseFromString(command.payload().value());
          cloudstate::tck::model::valueentity::Response response;
          response.set_message("ok:" + request.id());
          cloudstate::valueentity::ValueEntityStreamOut reply;
          reply.mutable_reply()->set_command_id(command.id());
          auto* payload =
              reply.mutable_reply()->mutable_client_action()->mutable_reply()->mutable_payload();
          payload->set_type_url(owner_->mode_ == Mode::kForeignType
                                    ? "type.googleapis.com/google.protobuf.Empty"
                                    : "type.googleapis.com/"
                                      "cloudstate.tck.model.valueentity.Response");
          payload->set_value(response.SerializeAsString());
          out = reply.SerializeAsString();
          break;
        }
      }
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(out));
      PumpLocked();
    }
    void PumpLocked() {
      if (writing_ || queue_.empty() || finished_) {
        return;
      }
      grpc::Slice slice(queue_.front());
      queue_.pop_front();
      out_ = grpc::ByteBuffer(&slice, 1);
      writing_ = true;
      StartWrite(&out_);
    }
    void OnWriteDone(bool ok) override {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (ok) {
        PumpLocked();
      }
    }
    void OnCancel() override {
      std::lock_guard lock(mu_);
      if (!finished_) {
        finished_ = true;
        Finish(grpc::Status::CANCELLED);
      }
    }
    void OnDone() override {
      --owner_->streams_open_;
      delete this;
    }

    HostileFunction* owner_;
    grpc::ByteBuffer in_;
    grpc::ByteBuffer out_;
    std::mutex mu_;
    std::deque<std::string> queue_;
    bool writing_ = false;
    bool finished_ = false;
  };

  class Streams final : public grpc::CallbackGenericService {
   public:
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
      return new Stream(owner);
    }
    HostileFunction* owner = nullptr;
  };

  Discovery discovery_;
  Streams streams_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kReply};
  std::atomic<int> streams_opened_{0};
  std::atomic<int> streams_open_{0};
  std::atomic<bool> hold_open_{false};
  std::mutex mu_;
  std::vector<std::string> errors_;
};

}  // namespace cloudstate::proxy::testing
