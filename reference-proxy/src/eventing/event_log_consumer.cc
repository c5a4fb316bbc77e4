#include "eventing/event_log_consumer.h"

#include <algorithm>

namespace cloudstate::proxy::eventing {

std::vector<ConsumerAction> EventLogConsumer::OnOffsetLoaded(absl::StatusOr<int64_t> offset) {
  if (state_ != State::kLoading) {
    return {};
  }
  if (!offset.ok()) {
    return Fail();
  }
  needs_offset_ = false;
  acked_ = saved_ = *offset;
  return Read();
}

std::vector<ConsumerAction> EventLogConsumer::OnAppended() {
  if (state_ == State::kIdle) {
    return Read();
  }
  if (state_ == State::kReading || state_ == State::kDelivering) {
    appended_while_busy_ = true;
  }
  return {};
}

std::vector<ConsumerAction> EventLogConsumer::OnRead(
    absl::StatusOr<std::vector<EventLogEntry>> entries) {
  if (state_ != State::kReading) {
    return {};
  }
  if (!entries.ok()) {
    return Fail();
  }
  std::vector<ConsumerAction> out;
  for (EventLogEntry& e : *entries) {
    // A store answers in offset order; anything at or before the acknowledged offset is stale.
    if (e.offset > acked_ && (pending_.empty() || e.offset > pending_.back().offset)) {
      pending_.push_back(std::move(e));
    }
  }
  if (pending_.empty()) {
    if (appended_while_busy_) {
      return Read();
    }
    state_ = State::kIdle;
    MaybeSave(out, /*caught_up=*/true);
    return out;
  }
  state_ = State::kDelivering;
  out.push_back(DeliverEvent{pending_.front()});
  return out;
}

std::vector<ConsumerAction> EventLogConsumer::OnDelivered(const absl::Status& status) {
  if (state_ != State::kDelivering || pending_.empty()) {
    return {};
  }
  if (!status.ok()) {
    return Fail();
  }
  acked_ = pending_.front().offset;
  pending_.pop_front();
  ++delivered_;
  ++unsaved_;
  backoff_ = options_.backoff_min;
  std::vector<ConsumerAction> out;
  MaybeSave(out, /*caught_up=*/false);
  if (!pending_.empty()) {
    out.push_back(DeliverEvent{pending_.front()});
    return out;
  }
  // The batch is done: the log may hold more (a full batch, or appended meanwhile).
  std::vector<ConsumerAction> read = Read();
  out.insert(out.end(), read.begin(), read.end());
  return out;
}

std::vector<ConsumerAction> EventLogConsumer::OnOffsetSaved(int64_t offset,
                                                            const absl::Status& status) {
  if (offset == saving_) {
    saving_ = -1;
  }
  if (status.ok()) {
    saved_ = std::max(saved_, offset);
    return {};
  }
  // Saved again with the next save; at worst events are redelivered after a restart.
  unsaved_ = std::max<int64_t>(unsaved_, 1);
  return {};
}

std::vector<ConsumerAction> EventLogConsumer::OnRetry() {
  if (state_ != State::kWaitingRetry) {
    return {};
  }
  if (needs_offset_) {
    state_ = State::kLoading;
    return {};
  }
  return Read();
}

std::vector<ConsumerAction> EventLogConsumer::Stop() {
  if (state_ == State::kStopped) {
    return {};
  }
  const bool known = state_ != State::kLoading && !needs_offset_;
  state_ = State::kStopped;
  pending_.clear();
  if (known && acked_ > saved_ && acked_ != saving_) {
    saving_ = acked_;
    return {SaveOffset{acked_}};
  }
  return {};
}

std::vector<ConsumerAction> EventLogConsumer::Read() {
  state_ = State::kReading;
  appended_while_busy_ = false;
  return {ReadLog{acked_, options_.batch_size}};
}

std::vector<ConsumerAction> EventLogConsumer::Fail() {
  ++failures_;
  needs_offset_ = state_ == State::kLoading;
  state_ = State::kWaitingRetry;
  pending_.clear();
  const absl::Duration delay = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  return {RetryAfter{delay}};
}

void EventLogConsumer::MaybeSave(std::vector<ConsumerAction>& out, bool caught_up) {
  if (acked_ <= saved_ || acked_ == saving_ || unsaved_ == 0) {
    return;
  }
  if (caught_up || unsaved_ >= options_.save_every) {
    unsaved_ = 0;
    saving_ = acked_;
    out.push_back(SaveOffset{acked_});
  }
}

}  // namespace cloudstate::proxy::eventing
