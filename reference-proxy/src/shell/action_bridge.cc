#include "shell/action_bridge.h"

#include <deque>
#include <mutex>
#include <type_traits>
#include <utility>

#include "grpcpp/grpcpp.h"

#include "cloudstate/action.grpc.pb.h"

#include "shell/proxy_impl.h"

namespace cloudstate::proxy {

namespace {

// What one response of the function means for the client call.
CallOutput ActionOutput(const cloudstate::action::ActionResponse& response, bool final) {
  CallOutput output;
  output.final = final;
  if (response.has_reply()) {
    output.action.emplace();
    *output.action->mutable_reply() = response.reply();
  } else if (response.has_forward()) {
    output.action.emplace();
    *output.action->mutable_forward() = response.forward();
  } else if (response.has_failure()) {
    output.action.emplace();
    *output.action->mutable_failure() = response.failure();
  }
  output.side_effects.assign(response.side_effects().begin(), response.side_effects().end());
  return output;
}

// Bridges a client-streaming action call (streamed-in or bidi) to the function.
template <bool kBidi>
class ActionStreamBridge final
    : public ActionStream,
      public std::conditional_t<kBidi,
                                grpc::ClientBidiReactor<cloudstate::action::ActionCommand,
                                                        cloudstate::action::ActionResponse>,
                                grpc::ClientWriteReactor<cloudstate::action::ActionCommand>> {
 public:
  static std::shared_ptr<ActionStreamBridge> Create(ProxyImpl* proxy, const Route& route,
                                                    cloudstate::Metadata metadata,
                                                    std::shared_ptr<Sink> sink) {
    auto bridge = std::shared_ptr<ActionStreamBridge>(
        new ActionStreamBridge(proxy, route, std::move(metadata), std::move(sink)));
    bridge->self_ = bridge;
    bridge->Begin();
    return bridge;
  }

 private:
  ActionStreamBridge(ProxyImpl* proxy, const Route& route, cloudstate::Metadata metadata,
                     std::shared_ptr<Sink> sink)
      : proxy_(proxy), route_(route), sink_(std::move(sink)) {
    cloudstate::action::ActionCommand first;
    first.set_service_name(route.entity->service_name);
    first.set_name(route.method->name());
    *first.mutable_metadata() = std::move(metadata);
    queue_.push_back(std::move(first));
  }
  void Begin() {
    if constexpr (kBidi) {
      proxy_->action_stub().async()->handleStreamed(&context_, this);
      this->StartRead(&response_);
    } else {
      proxy_->action_stub().async()->handleStreamedIn(&context_, &response_, this);
    }
    this->AddHold();  // after the call is bound to this reactor
    {
      std::lock_guard lock(mu_);
      PumpLocked();
    }
    this->StartCall();
  }

 public:
  void Message(std::string bytes) override {
    cloudstate::action::ActionCommand command;
    command.mutable_payload()->set_type_url(route_.input_type_url);
    command.mutable_payload()->set_value(std::move(bytes));
    std::lock_guard lock(mu_);
    if (closed_) {
      return;
    }
    queue_.push_back(std::move(command));
    PumpLocked();
  }
  void HalfClose() override {
    std::lock_guard lock(mu_);
    half_close_ = true;
    PumpLocked();
  }
  void Cancel() override { context_.TryCancel(); }

 private:
  void PumpLocked() {
    if (writing_ || closed_) {
      return;
    }
    if (!queue_.empty()) {
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      this->StartWrite(&current_);
      return;
    }
    if (half_close_) {
      closed_ = true;
      this->StartWritesDone();
      this->RemoveHold();
    }
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      queue_.clear();
      if (!closed_) {
        closed_ = true;
        this->RemoveHold();
      }
      return;
    }
    PumpLocked();
  }
  void OnReadDone(bool ok) {
    if (!ok) {
      std::lock_guard lock(mu_);
      if (!closed_ && !writing_) {
        closed_ = true;
        queue_.clear();
        this->RemoveHold();
      } else if (!closed_) {
        half_close_ = true;
        queue_.clear();
      }
      return;
    }
    got_response_ = true;
    proxy_->Deliver(route_, ActionOutput(response_, /*final=*/false), sink_);
    this->StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    if constexpr (!kBidi) {
      if (status.ok()) {
        // Streamed-in: the single response arrives with the status.
        proxy_->Deliver(route_, ActionOutput(response_, /*final=*/true), sink_);
        Release();
        return;
      }
    }
    // A bidi stream ends with the function's status (a second Finish is ignored).
    sink_->Finish(status);
    Release();
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      queue_.clear();
    }
    auto keep = std::move(self_);  // may destroy this at scope end
  }

  std::shared_ptr<ActionStreamBridge> self_;
  ProxyImpl* proxy_;
  const Route& route_;
  std::shared_ptr<Sink> sink_;
  grpc::ClientContext context_;
  cloudstate::action::ActionResponse response_;
  std::mutex mu_;
  std::deque<cloudstate::action::ActionCommand> queue_;
  cloudstate::action::ActionCommand current_;
  bool writing_ = false;
  bool half_close_ = false;
  bool closed_ = false;
  bool got_response_ = false;
};

// Server-streaming action: one command, many responses.
class ActionStreamedOut final : public grpc::ClientReadReactor<cloudstate::action::ActionResponse> {
 public:
  ActionStreamedOut(ProxyImpl* proxy, const Route& route, cloudstate::action::ActionCommand command,
                    std::shared_ptr<Sink> sink)
      : proxy_(proxy), route_(route), command_(std::move(command)), sink_(std::move(sink)) {
    proxy->action_stub().async()->handleStreamedOut(&context_, &command_, this);
    StartRead(&response_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }

 private:
  void OnReadDone(bool ok) override {
    if (!ok) {
      return;
    }
    proxy_->Deliver(route_, ActionOutput(response_, /*final=*/false), sink_);
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    sink_->Finish(status);
    delete this;
  }

  ProxyImpl* proxy_;
  const Route& route_;
  cloudstate::action::ActionCommand command_;
  std::shared_ptr<Sink> sink_;
  grpc::ClientContext context_;
  cloudstate::action::ActionResponse response_;
};

}  // namespace

std::shared_ptr<ActionStream> OpenActionStream(ProxyImpl* proxy, const Route& route,
                                               cloudstate::Metadata metadata,
                                               std::shared_ptr<Sink> sink) {
  if (route.server_streaming) {
    return ActionStreamBridge<true>::Create(proxy, route, std::move(metadata), std::move(sink));
  }
  return ActionStreamBridge<false>::Create(proxy, route, std::move(metadata), std::move(sink));
}

void CallActionStreamedOut(ProxyImpl* proxy, const Route& route,
                           cloudstate::action::ActionCommand command, std::shared_ptr<Sink> sink) {
  new ActionStreamedOut(proxy, route, std::move(command), std::move(sink));  // deletes itself
}

void CallActionUnary(ProxyImpl* proxy, const Route& route,
                     cloudstate::action::ActionCommand command, std::shared_ptr<Sink> sink) {
  struct UnaryCall {
    grpc::ClientContext context;
    cloudstate::action::ActionCommand request;
    cloudstate::action::ActionResponse response;
  };
  auto call = std::make_shared<UnaryCall>();
  call->request = std::move(command);
  proxy->action_stub().async()->handleUnary(
      &call->context, &call->request, &call->response,
      [proxy, call, &route, sink](grpc::Status status) {
        if (!status.ok()) {
          sink->Finish(status);
          return;
        }
        proxy->Deliver(route, ActionOutput(call->response, /*final=*/true), sink);
      });
}

}  // namespace cloudstate::proxy
