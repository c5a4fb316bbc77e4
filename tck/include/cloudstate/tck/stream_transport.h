#pragma once
// The wire under one stream of the scenario DSL: frames in both directions, the half-close, the
// cancel and the final status. The DSL's expectations (scenario.h) are written against this
// interface only; OpenGrpcStream carries a stream to a user function over gRPC, and a target that
// runs an SDK in the same process can hand the DSL its own transport (CaseContext's StreamOpener).
//
//   std::unique_ptr<StreamTransport> t = OpenGrpcStream(channel, "/cloudstate.crdt.Crdt/handle",
//                                                       timing.stream_budget);
//   t->Write(bytes);
//   std::string got;
//   if (t->Wait(timing.window, &got) == StreamTransport::Arrival::kMessage) { ... }

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace grpc {
class Channel;
}

namespace cloudstate::tck {

class StreamTransport {
 public:
  enum class Arrival { kMessage, kEnded, kTimeout };
  struct EndStatus {
    bool ok = false;
    std::string text;  // "OK", or the status code's name and message ("UNKNOWN: boom")
  };

  virtual ~StreamTransport() = default;
  // Sends one frame; false when the call has already ended.
  virtual bool Write(const std::string& bytes) = 0;
  // Half-closes the kit's side.
  virtual void WritesDone() = 0;
  // Cancels the call (as a proxy does when its client goes away).
  virtual void Cancel() = 0;
  // The next frame from the other side, or the end of its side, or nothing within `timeout`.
  virtual Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) = 0;
  // Whether the other side has ended (every frame it sent may not have been consumed yet).
  virtual bool ReadDone() = 0;
  // The call's final status. Waits up to `grace` for the other side to end, cancels the call
  // otherwise. Idempotent.
  virtual const EndStatus& Finish(std::chrono::milliseconds grace) = 0;
};

// Opens a stream on a method ("/cloudstate.eventsourced.EventSourced/handle").
using StreamOpener = std::function<std::unique_ptr<StreamTransport>(const std::string& method)>;

// A stream to `method` over `channel` with a hard deadline of `budget`.
std::unique_ptr<StreamTransport> OpenGrpcStream(const std::shared_ptr<grpc::Channel>& channel,
                                                const std::string& method,
                                                std::chrono::milliseconds budget);

// The frames received on a stream, filled by whatever receives them and drained by Wait(); for
// transports to share.
class InboundFrames {
 public:
  void Push(std::string bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(bytes));
    cv_.notify_all();
  }
  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    cv_.notify_all();
  }
  bool ended() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ended_;
  }
  // Waits up to `timeout` for the end (true when it came).
  bool WaitForEnd(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return ended_; });
  }
  StreamTransport::Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return !queue_.empty() || ended_; });
    if (!queue_.empty()) {
      *bytes = std::move(queue_.front());
      queue_.pop_front();
      return StreamTransport::Arrival::kMessage;
    }
    return ended_ ? StreamTransport::Arrival::kEnded : StreamTransport::Arrival::kTimeout;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool ended_ = false;
};

}  // namespace cloudstate::tck
