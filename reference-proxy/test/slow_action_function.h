#pragma once
// An in-process user function with one action service (the TCK action model) whose streamed-in
// handler reads the proxy's messages only as fast as the test allows: it reads the first command,
// then one more message per permit granted with Grant(). When the proxy half-closes it replies
// with the number of payload messages it received. Used to check the proxy's flow control.

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/tck/model/action.pb.h"

namespace cloudstate::proxy::testing {

class SlowActionFunction {
 public:
  SlowActionFunction() : discovery_(this) {}
  ~SlowActionFunction() { Stop(); }

  bool Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    // A fixed receive window: how much the function's transport buffers does not grow with load.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    builder.SetMaxReceiveMessageSize(-1);
    builder.RegisterService(&discovery_);
    builder.RegisterCallbackGenericService(&streams_);
    streams_.owner = this;
    server_ = builder.BuildAndStart();
    return server_ != nullptr && port_ != 0;
  }
  void Stop() {
    if (server_ != nullptr) {
      Grant(1 << 20);  // let a stalled stream end
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      server_.reset();
    }
  }

  int port() const { return port_; }
  // Payload messages received so far on the current stream.
  int received() const { return received_; }
  // True while the stream waits for a permit before its next read.
  bool stalled() const { return stalled_; }
  // Allows `n` more reads.
  void Grant(int n) {
    Stream* resume = nullptr;
    {
      std::lock_guard lock(mu_);
      permits_ += n;
      if (stalled_ && stream_ != nullptr) {
        --permits_;
        stalled_ = false;
        resume = stream_;
      }
    }
    if (resume != nullptr) {
      resume->Read();
    }
  }

 private:
  class Discovery final : public cloudstate::EntityDiscovery::Service {
   public:
    explicit Discovery(SlowActionFunction* owner) : owner_(owner) {}
    grpc::Status discover(grpc::ServerContext*, const cloudstate::ProxyInfo*,
                          cloudstate::EntitySpec* spec) override {
      google::protobuf::FileDescriptorSet files;
      std::set<std::string> seen;
      AddFile(cloudstate::tck::model::action::Request::descriptor()->file(), &seen, &files);
      spec->set_proto(files.SerializeAsString());
      auto* entity = spec->add_entities();
      entity->set_entity_type("cloudstate.action.ActionProtocol");
      entity->set_service_name("cloudstate.tck.model.action.ActionTckModel");
      auto* info = spec->mutable_service_info();
      info->set_service_name("slow-action-function");
      info->set_protocol_major_version(0);
      info->set_protocol_minor_version(2);
      info->set_support_library_name("slow");
      return grpc::Status::OK;
    }
    grpc::Status reportError(grpc::ServerContext*, const cloudstate::UserFunctionError*,
                             google::protobuf::Empty*) override {
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
    SlowActionFunction* owner_;
  };

  // One handleStreamedIn call on raw bytes.
  class Stream final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Stream(SlowActionFunction* owner) : owner_(owner) {
      {
        std::lock_guard lock(owner_->mu_);
        owner_->stream_ = this;
        owner_->received_ = 0;
      }
      Read();  // the first command needs no permit
    }
    void Read() { StartRead(&in_); }

   private:
    void OnReadDone(bool ok) override {
      if (!ok) {
        cloudstate::tck::model::action::Response response;
        response.set_message(std::to_string(owner_->received_.load()));
        cloudstate::action::ActionResponse reply;
        reply.mutable_reply()->mutable_payload()->set_type_url(
            "type.googleapis.com/cloudstate.tck.model.action.Response");
        reply.mutable_reply()->mutable_payload()->set_value(response.SerializeAsString());
        const std::string bytes = reply.SerializeAsString();
        grpc::Slice slice(bytes);
        out_ = grpc::ByteBuffer(&slice, 1);
        StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK);
        return;
      }
      if (started_) {
        ++owner_->received_;
      }
      started_ = true;
      {
        std::lock_guard lock(owner_->mu_);
        if (owner_->permits_ == 0) {
          owner_->stalled_ = true;  // Grant() starts the next read
          return;
        }
        --owner_->permits_;
      }
      Read();
    }
    void OnCancel() override {}
    void OnDone() override {
      {
        std::lock_guard lock(owner_->mu_);
        if (owner_->stream_ == this) {
          owner_->stream_ = nullptr;
          owner_->stalled_ = false;
        }
      }
      delete this;
    }

    SlowActionFunction* owner_;
    grpc::ByteBuffer in_;
    grpc::ByteBuffer out_;
    bool started_ = false;
  };

  class Streams final : public grpc::CallbackGenericService {
   public:
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
      return new Stream(owner);
    }
    SlowActionFunction* owner = nullptr;
  };

  Discovery discovery_;
  Streams streams_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  Stream* stream_ = nullptr;
  int permits_ = 0;
  std::atomic<int> received_{0};
  std::atomic<bool> stalled_{false};
};

}  // namespace cloudstate::proxy::testing
