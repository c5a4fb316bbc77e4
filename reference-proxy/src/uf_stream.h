#pragma once
// A bidi stream towards the user function (client side, gRPC callback API) with a write queue.
// Messages and the final status are handed to callbacks on gRPC threads; the owner posts them to
// its own executor. The object keeps itself alive until gRPC is done with it.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_callback.h"

#include "cloudstate/proxy_core/function_transport.h"

namespace cloudstate::proxy {

// The function streams still open, so that shutdown can cancel them and wait until gRPC is done
// with each: a stream that ended after the proxy was destroyed would call into freed memory (its
// entity's strand and io_context).
class StreamTracker {
 public:
  uint64_t Add(std::function<void()> cancel) {
    std::lock_guard lock(mu_);
    const uint64_t id = next_id_++;
    live_[id] = std::move(cancel);
    return id;
  }
  // The stream is about to be freed: it still counts as open, but is no longer cancelled.
  void Disarm(uint64_t id) {
    std::lock_guard lock(mu_);
    auto it = live_.find(id);
    if (it != live_.end()) {
      it->second = nullptr;
    }
  }
  void Remove(uint64_t id) {
    std::lock_guard lock(mu_);
    live_.erase(id);
    cv_.notify_all();
  }
  // Waits until every stream has ended on its own; false on timeout.
  bool WaitAllDone(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return live_.empty(); });
  }
  // Cancels every open stream and waits until each is done; false on timeout.
  bool CancelAllAndWait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    // Under the (recursive) lock a stream cannot finish and be freed while it is cancelled; one
    // finishing inline from TryCancel removes itself through the same lock.
    std::vector<uint64_t> ids;
    for (const auto& entry : live_) {
      ids.push_back(entry.first);
    }
    for (uint64_t id : ids) {
      auto it = live_.find(id);
      if (it != live_.end() && it->second != nullptr) {
        auto cancel = it->second;
        cancel();
      }
    }
    return cv_.wait_for(lock, timeout, [&] { return live_.empty(); });
  }

 private:
  std::recursive_mutex mu_;
  std::condition_variable_any cv_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::function<void()>> live_;
};

template <class In, class Out>
class UfStream final : public grpc::ClientBidiReactor<In, Out>, public FunctionStream<In, Out> {
 public:
  using StartFn = std::function<void(grpc::ClientContext*, grpc::ClientBidiReactor<In, Out>*)>;
  using MessageFn = std::function<void(Out)>;
  using ClosedFn = std::function<void(const grpc::Status&)>;

  // Opens the stream. The returned pointer stays valid; calls after the stream ended are no-ops.
  static std::shared_ptr<UfStream> Open(const StartFn& start, MessageFn on_message,
                                        ClosedFn on_closed,
                                        const std::shared_ptr<StreamTracker>& tracker = nullptr) {
    auto stream =
        std::shared_ptr<UfStream>(new UfStream(std::move(on_message), std::move(on_closed)));
    stream->self_ = stream;
    if (tracker != nullptr) {
      UfStream* raw = stream.get();
      stream->tracker_id_ = tracker->Add([raw] { raw->Cancel(); });
      stream->tracker_ = tracker;
    }
    start(&stream->context_, stream.get());  // binds the reactor to the call
    stream->AddHold();  // released once we will write no more, so OnDone cannot race writes
    stream->StartRead(&stream->incoming_);
    stream->StartCall();
    return stream;
  }

  void Write(In message) override {
    std::lock_guard lock(mu_);
    if (write_closed_) {
      return;
    }
    queue_.push_back(std::move(message));
    PumpLocked();
  }

  // Half-closes after the queued writes.
  void HalfClose() override {
    std::lock_guard lock(mu_);
    if (write_closed_ || half_close_requested_) {
      return;
    }
    half_close_requested_ = true;
    PumpLocked();
  }

  void Cancel() override {
    {
      std::lock_guard lock(mu_);
      cancel_requested_ = true;
    }
    context_.TryCancel();
  }

 private:
  UfStream(MessageFn on_message, ClosedFn on_closed)
      : on_message_(std::move(on_message)), on_closed_(std::move(on_closed)) {}

  void PumpLocked() {
    if (writing_ || write_closed_) {
      return;
    }
    if (!queue_.empty()) {
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      this->StartWrite(&current_);
      return;
    }
    if (half_close_requested_) {
      write_closed_ = true;
      this->StartWritesDone();
      this->RemoveHold();
    }
  }

  void CloseWritesLocked() {
    if (!write_closed_) {
      write_closed_ = true;
      queue_.clear();
      if (!writing_) {
        this->RemoveHold();
      } else {
        hold_release_pending_ = true;
      }
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (hold_release_pending_) {
      hold_release_pending_ = false;
      this->RemoveHold();
      return;
    }
    if (!ok) {
      CloseWritesLocked();
      return;
    }
    PumpLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // Either the function ended its stream (its status follows) or a message could not be
      // parsed. gRPC does not end the call on a parse failure, so without a cancel the call (and
      // its entity) would wait forever. Cancelling after the function's status has arrived does
      // not change that status.
      {
        std::lock_guard lock(mu_);
        CloseWritesLocked();
        read_failed_ = true;
      }
      context_.TryCancel();
      return;
    }
    on_message_(std::move(incoming_));
    incoming_.Clear();
    this->StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    bool unreadable = false;
    {
      std::lock_guard lock(mu_);
      unreadable =
          read_failed_ && !cancel_requested_ && status.error_code() == grpc::StatusCode::CANCELLED;
    }
    if (unreadable) {
      on_closed_(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the user function sent a message the proxy cannot read"));
    } else {
      on_closed_(status);
    }
    // The tracker hears of the end only once the callbacks (and the entity they hold) and, if
    // ours was the last reference, the stream and its ClientContext are freed: shutdown waits on
    // the tracker, then destroys the io_context and gRPC objects those destructors still use
    // (issue #16 item 8, a heap-use-after-free under ASan).
    std::shared_ptr<StreamTracker> tracker = std::move(tracker_);
    const uint64_t tracker_id = tracker_id_;
    if (tracker != nullptr) {
      tracker->Disarm(tracker_id);
    }
    on_message_ = nullptr;
    on_closed_ = nullptr;
    {
      std::shared_ptr<UfStream> keep = std::move(self_);  // may delete this at scope end
    }
    if (tracker != nullptr) {
      tracker->Remove(tracker_id);
    }
  }

  grpc::ClientContext context_;
  MessageFn on_message_;
  ClosedFn on_closed_;
  std::shared_ptr<UfStream> self_;
  std::shared_ptr<StreamTracker> tracker_;
  uint64_t tracker_id_ = 0;
  Out incoming_;
  In current_;
  std::mutex mu_;
  std::deque<In> queue_;
  bool writing_ = false;
  bool half_close_requested_ = false;
  bool write_closed_ = false;
  bool hold_release_pending_ = false;
  bool read_failed_ = false;
  bool cancel_requested_ = false;
};

}  // namespace cloudstate::proxy
