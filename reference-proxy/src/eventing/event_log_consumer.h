#pragma once
// The subscription of one consumer to one event log (F-21), sans IO: it decides when to read the
// log, which event to deliver next, when to save the offset and when to retry; the IO shell
// (EventingService) performs the actions and reports their outcomes.
//
// Guarantees: events are delivered one at a time in offset order (so in journal order per
// entity), each at least once: the offset only moves past an event after its delivery succeeded,
// and a failed delivery (or read) is retried from the last acknowledged offset after a back-off
// (the original's 3 s, doubling up to 30 s). The offset is saved every `save_every` acknowledged
// events, whenever the consumer has caught up, and on Stop(), so a restarted proxy resumes after
// the last saved offset (redelivering at most the events acknowledged since).
//
//   EventLogConsumer consumer(options);
//   Execute(consumer.OnOffsetLoaded(saved_offset));   // -> ReadLog
//   Execute(consumer.OnRead(entries));                 // -> Deliver (first entry)
//   Execute(consumer.OnDelivered(absl::OkStatus()));   // -> Deliver (next) / ReadLog / SaveOffset

#include <cstdint>
#include <deque>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy::eventing {

struct ReadLog {
  int64_t after_offset = 0;
  int64_t max_count = 0;
};
struct DeliverEvent {
  EventLogEntry entry;
};
struct SaveOffset {
  int64_t offset = 0;
};
struct RetryAfter {
  absl::Duration delay;
};
using ConsumerAction = std::variant<ReadLog, DeliverEvent, SaveOffset, RetryAfter>;

class EventLogConsumer {
 public:
  struct Options {
    int64_t batch_size = 100;
    int64_t save_every = 20;  // the original saves every 20 events (or each second)
    absl::Duration backoff_min = absl::Seconds(3);
    absl::Duration backoff_max = absl::Seconds(30);
  };

  EventLogConsumer() : EventLogConsumer(Options{}) {}
  explicit EventLogConsumer(Options options) : options_(options), backoff_(options.backoff_min) {}

  // The saved offset is known (0 for a new consumer): start reading after it. A failed load
  // retries after the back-off (OnRetry then asks to load again: see needs_offset()).
  std::vector<ConsumerAction> OnOffsetLoaded(absl::StatusOr<int64_t> offset);
  // Something was appended to the log: read it if idle, else read again once the current work is
  // done.
  std::vector<ConsumerAction> OnAppended();
  std::vector<ConsumerAction> OnRead(absl::StatusOr<std::vector<EventLogEntry>> entries);
  // The outcome of the DeliverEvent in flight.
  std::vector<ConsumerAction> OnDelivered(const absl::Status& status);
  std::vector<ConsumerAction> OnOffsetSaved(int64_t offset, const absl::Status& status);
  // The RetryAfter delay has passed.
  std::vector<ConsumerAction> OnRetry();
  // Stops: nothing more is read or delivered; saves the offset if it moved since the last save.
  std::vector<ConsumerAction> Stop();

  // True while the saved offset is not known yet (the IO shell loads it, then OnOffsetLoaded).
  bool needs_offset() const { return state_ == State::kLoading; }
  bool stopped() const { return state_ == State::kStopped; }
  // Caught up with everything read so far and nothing in flight.
  bool idle() const { return state_ == State::kIdle; }
  int64_t acknowledged_offset() const { return acked_; }
  int64_t saved_offset() const { return saved_; }
  int64_t delivered_count() const { return delivered_; }
  int64_t failed_count() const { return failures_; }

 private:
  enum class State { kLoading, kReading, kDelivering, kIdle, kWaitingRetry, kStopped };

  std::vector<ConsumerAction> Read();
  std::vector<ConsumerAction> Fail();
  void MaybeSave(std::vector<ConsumerAction>& out, bool caught_up);

  Options options_;
  State state_ = State::kLoading;
  absl::Duration backoff_;
  bool appended_while_busy_ = false;
  bool needs_offset_ = false;  // the offset load failed: load again after the back-off
  std::deque<EventLogEntry> pending_;
  int64_t acked_ = 0;
  int64_t saved_ = 0;
  int64_t saving_ = -1;  // offset of the save in flight, -1 if none
  int64_t unsaved_ = 0;  // events acknowledged since the last save was asked for
  int64_t delivered_ = 0;
  int64_t failures_ = 0;
};

}  // namespace cloudstate::proxy::eventing
