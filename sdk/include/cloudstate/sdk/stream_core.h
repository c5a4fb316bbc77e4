#pragma once
// Sans-IO stream logic and the gRPC callback reactor that drives it.
//
// A StreamCore holds the protocol logic of one bidirectional entity stream: it is fed the incoming
// messages one by one and answers with the messages to send, plus whether the stream should end
// (and with which status). It never touches gRPC, so it is unit-tested directly.
//
// CoreBidiReactor adapts a core to grpc::ServerBidiReactor: one read in flight, one write in
// flight, an unbounded outbound queue, Finish() once the queue is drained after the core asked to
// end (or when the client half-closes). Other entity kinds (e.g. CRDT) may reuse both; Push() lets
// code outside the read path (e.g. a replicated-state notification) send messages too.

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace cloudstate::sdk {

template <class Out>
struct StreamStep {
  std::vector<Out> messages;  // to send, in order
  bool finish = false;        // end the stream once `messages` are written
  absl::Status status;        // the status to finish with (OK = normal completion)
};

template <class In, class Out>
class StreamCore {
 public:
  virtual ~StreamCore() = default;
  virtual StreamStep<Out> OnMessage(const In& in) = 0;
  // The client half-closed its side. Default: finish normally.
  virtual StreamStep<Out> OnInputEnd() {
    StreamStep<Out> step;
    step.finish = true;
    return step;
  }
};

// Maps an absl::Status to a grpc::Status with the same code and message.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

template <class In, class Out>
class CoreBidiReactor : public grpc::ServerBidiReactor<In, Out> {
 public:
  // Starts reading immediately. Deletes itself when the call is done.
  explicit CoreBidiReactor(std::unique_ptr<StreamCore<In, Out>> core) : core_(std::move(core)) {
    std::lock_guard<std::mutex> lock(mu_);
    this->StartRead(&in_);
  }

  // Sends messages from outside the read path (thread-safe). Ignored once the stream is ending.
  void Push(StreamStep<Out> step) {
    std::lock_guard<std::mutex> lock(mu_);
    ApplyLocked(std::move(step));
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) {
      return;
    }
    if (!ok) {
      ApplyLocked(core_->OnInputEnd());
      if (!finishing_) {
        // The core keeps the stream open after the client's half-close (e.g. pending output).
        return;
      }
      return;
    }
    ApplyLocked(core_->OnMessage(in_));
    if (!finishing_) {
      in_.Clear();
      this->StartRead(&in_);
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!queue_.empty()) {
      queue_.pop_front();
    }
    if (!ok) {
      // The peer is gone: nothing more can be delivered.
      queue_.clear();
      finishing_ = true;
      status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed");
    }
    PumpLocked();
  }

  // Called (under the reactor's lock) when the client cancels the call. gRPC reports a
  // cancellation only for a call the client did not see complete.
  void SetCancelHook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_hook_ = std::move(hook);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancel_hook_) {
      cancel_hook_();
    }
    finishing_ = true;
    status_ = grpc::Status::CANCELLED;
    // Keep the element being written alive until its OnWriteDone.
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queue_.pop_back();
    }
    PumpLocked();
  }

  void OnDone() override { delete this; }

 private:
  void ApplyLocked(StreamStep<Out> step) {
    if (finishing_) {
      return;
    }
    for (auto& message : step.messages) {
      queue_.push_back(std::move(message));
    }
    if (step.finish) {
      finishing_ = true;
      status_ = ToGrpcStatus(step.status);
    }
    PumpLocked();
  }

  void PumpLocked() {
    if (writing_ || finish_called_) {
      return;
    }
    if (!queue_.empty()) {
      writing_ = true;
      this->StartWrite(&queue_.front());
      return;
    }
    if (finishing_) {
      finish_called_ = true;
      this->Finish(status_);
    }
  }

  std::mutex mu_;
  std::unique_ptr<StreamCore<In, Out>> core_;
  In in_;
  std::deque<Out> queue_;
  bool writing_ = false;
  bool finishing_ = false;
  bool finish_called_ = false;
  grpc::Status status_;
  std::function<void()> cancel_hook_;
};

}  // namespace cloudstate::sdk
