#include "shell/server_call.h"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

#include "shell/action_bridge.h"
#include "shell/proxy_impl.h"

namespace cloudstate::proxy {

namespace {

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Call-level state shared between the reactor and whoever produces its responses.
class ServerCall final : public grpc::ServerGenericBidiReactor {
 public:
  class Output final : public Sink {
   public:
    explicit Output(ServerCall* call) : call_(call) {}
    void Send(std::string bytes) override {
      std::lock_guard lock(mu_);
      if (call_ == nullptr || finishing_) {
        return;
      }
      if (single_response_ && sent_) {
        return;  // unary: only the first response counts
      }
      sent_ = true;
      queue_.push_back(ToBuffer(bytes));
      PumpLocked();
    }
    void Finish(grpc::Status status) override {
      std::lock_guard lock(mu_);
      if (call_ == nullptr || finishing_) {
        return;
      }
      if (status.ok() && single_response_ && !sent_) {
        status = grpc::Status(grpc::StatusCode::UNKNOWN,
                              "The user function sent no reply for a unary call");
      }
      finishing_ = true;
      if (on_finish_) {
        on_finish_(status);
      }
      final_status_ = std::move(status);
      PumpLocked();
    }
    // Called once with the call's final status (metrics).
    void set_on_finish(std::function<void(const grpc::Status&)> fn) { on_finish_ = std::move(fn); }
    void WriteDone(bool ok) {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) {
        queue_.clear();
      }
      PumpLocked();
    }
    void Detach() {
      std::lock_guard lock(mu_);
      call_ = nullptr;
    }
    void set_single_response(bool v) { single_response_ = v; }

   private:
    void PumpLocked() {
      if (call_ == nullptr || writing_ || finished_) {
        return;
      }
      if (!queue_.empty()) {
        writing_ = true;
        current_ = std::move(queue_.front());
        queue_.pop_front();
        call_->StartWrite(&current_);
        return;
      }
      if (finishing_) {
        finished_ = true;
        call_->Finish(final_status_);
      }
    }
    std::recursive_mutex mu_;
    ServerCall* call_;
    std::deque<grpc::ByteBuffer> queue_;
    grpc::ByteBuffer current_;
    bool writing_ = false;
    bool finishing_ = false;
    bool finished_ = false;
    bool sent_ = false;
    bool single_response_ = true;
    grpc::Status final_status_;
    std::function<void(const grpc::Status&)> on_finish_;
  };

  // What happens to incoming messages of this call.
  struct Handler {
    std::function<void(std::string)> on_message;
    std::function<void()> on_half_close;
    std::function<void()> on_cancel;
  };

  ServerCall(ProxyImpl* proxy, grpc::GenericCallbackServerContext* context)
      : proxy_(proxy), context_(context), output_(std::make_shared<Output>(this)) {
    Start();
  }

  std::shared_ptr<Output> output() { return output_; }

 private:
  void Start();

  void OnReadDone(bool ok) override {
    if (rejected_) {
      handler_.on_half_close();
      return;
    }
    if (!ok) {
      if (!got_message_ && !client_streaming_) {
        output_->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "missing request message"));
        return;
      }
      if (handler_.on_half_close) {
        handler_.on_half_close();
      }
      return;
    }
    got_message_ = true;
    if (request_.Length() > static_cast<size_t>(proxy_->MaxMessageBytes())) {
      output_->Finish(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("Received message larger than max (", request_.Length(),
                                    " vs. ", proxy_->MaxMessageBytes(), ")")));
      return;
    }
    std::string bytes = ToString(request_);
    const bool more = client_streaming_;
    handler_.on_message(std::move(bytes));
    if (more) {
      StartRead(&request_);
    }
  }
  void OnWriteDone(bool ok) override { output_->WriteDone(ok); }
  void OnCancel() override {
    if (handler_.on_cancel) {
      handler_.on_cancel();
    }
    // A reactor must still finish a cancelled call, or OnDone never runs (the call leaks and
    // Server::Shutdown waits for it forever). Later outputs for it are dropped.
    output_->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
  }
  void OnDone() override {
    output_->Detach();
    delete this;
  }

  ProxyImpl* proxy_;
  grpc::GenericCallbackServerContext* context_;
  std::shared_ptr<Output> output_;
  const Route* route_ = nullptr;
  grpc::ByteBuffer request_;
  bool got_message_ = false;
  bool rejected_ = false;
  bool client_streaming_ = false;
  Handler handler_;
};

cloudstate::Metadata RequestMetadata(const grpc::ServerContextBase& context) {
  cloudstate::Metadata metadata;
  for (const auto& [key, value] : context.client_metadata()) {
    std::string k(key.data(), key.size());
    if (k.empty() || k[0] == ':' || k.ends_with("-bin")) {
      continue;
    }
    auto* entry = metadata.add_entries();
    entry->set_key(std::move(k));
    entry->set_string_value(std::string(value.data(), value.size()));
  }
  return metadata;
}

void ServerCall::Start() {
  const std::string& method = context_->method();
  route_ = proxy_->model().FindRoute(method);
  {
    // Per-method request count and latency; unknown paths share one label value.
    const std::string label =
        route_ != nullptr || method == kReflectionMethodPath ? method : std::string("unknown");
    ProxyImpl* proxy = proxy_;
    const auto start = std::chrono::steady_clock::now();
    output_->set_on_finish([proxy, label, start](const grpc::Status& status) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      proxy->metrics().AddCounter(
          "requests", {{"method", label}, {"code", std::to_string(status.error_code())}});
      proxy->metrics().Observe("request_duration_seconds", {{"method", label}}, seconds);
    });
  }
  if (route_ == nullptr && method == kReflectionMethodPath && proxy_->reflection() != nullptr &&
      !proxy_->shutting_down()) {
    // Server reflection over the discovered services: one answer per request message.
    const ReflectionIndex* reflection = proxy_->reflection();
    std::shared_ptr<Output> output = output_;
    output_->set_single_response(false);
    client_streaming_ = true;
    handler_.on_message = [output, reflection](std::string bytes) {
      output->Send(reflection->Answer(bytes));
    };
    handler_.on_half_close = [output] { output->Finish(grpc::Status::OK); };
    StartRead(&request_);
    return;
  }
  // Rejections are sent once the first read completes: finishing inside CreateReactor, before
  // gRPC has bound the reactor to the call, is not reliable.
  if (route_ == nullptr || proxy_->shutting_down()) {
    grpc::Status status =
        route_ == nullptr
            ? grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + context_->method())
            : grpc::Status(grpc::StatusCode::UNAVAILABLE, "proxy is shutting down");
    route_ = nullptr;
    std::shared_ptr<Output> output = output_;
    handler_.on_message = [output, status](std::string) { output->Finish(status); };
    handler_.on_half_close = [output, status] { output->Finish(status); };
    rejected_ = true;
    StartRead(&request_);
    return;
  }
  output_->set_single_response(!route_->server_streaming);
  client_streaming_ = route_->client_streaming;
  proxy_->metrics().Increment("received_commands", EntityKindName(route_->entity->kind));
  const Route& route = *route_;
  ProxyImpl* proxy = proxy_;
  std::shared_ptr<Sink> sink = output_;
  if (route.entity->kind == EntityKind::kAction && route.client_streaming) {
    // The bridge lives until the function's call is done, which is after the client's call ends
    // or is cancelled (we cancel it then).
    std::shared_ptr<ActionStream> bridge =
        OpenActionStream(proxy, route, RequestMetadata(*context_), sink);
    handler_.on_message = [bridge](std::string bytes) { bridge->Message(std::move(bytes)); };
    handler_.on_half_close = [bridge] { bridge->HalfClose(); };
    handler_.on_cancel = [bridge] { bridge->Cancel(); };
  } else {
    cloudstate::Metadata metadata = RequestMetadata(*context_);
    const CallHandle handle = proxy->NewHandle();
    handler_.on_message = [proxy, &route, sink, handle,
                           metadata = std::move(metadata)](std::string bytes) mutable {
      proxy->Dispatch(route, std::move(bytes), std::move(metadata), sink, handle);
    };
    handler_.on_cancel = [proxy, handle] { proxy->RegisterCancel(handle, nullptr); };
  }
  StartRead(&request_);
}

}  // namespace

grpc::ServerGenericBidiReactor* GenericService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  return new ServerCall(proxy_, context);  // deletes itself when the call is done
}

}  // namespace cloudstate::proxy
