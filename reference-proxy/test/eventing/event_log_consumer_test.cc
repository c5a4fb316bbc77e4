#include "eventing/event_log_consumer.h"

#include <optional>

#include "gtest/gtest.h"

namespace cloudstate::proxy::eventing {
namespace {

EventLogEntry Entry(int64_t offset, std::string entity = "e1") {
  return EventLogEntry{offset, std::move(entity), offset, StoredAny{"type.googleapis.com/E", "v"}};
}

EventLogConsumer::Options SmallOptions() {
  EventLogConsumer::Options o;
  o.batch_size = 10;
  o.save_every = 2;
  o.backoff_min = absl::Seconds(3);
  o.backoff_max = absl::Seconds(10);
  return o;
}

// The single action of `actions`, which must be a T (nullopt, with a failure, otherwise).
template <class T>
std::optional<T> Only(const std::vector<ConsumerAction>& actions) {
  if (actions.size() != 1) {
    ADD_FAILURE() << "expected one action, got " << actions.size();
    return std::nullopt;
  }
  const T* a = std::get_if<T>(&actions[0]);
  if (a == nullptr) {
    ADD_FAILURE() << "action of another kind (index " << actions[0].index() << ")";
    return std::nullopt;
  }
  return *a;
}

TEST(EventLogConsumerTest, StartsReadingAfterTheSavedOffset) {
  EventLogConsumer c(SmallOptions());
  EXPECT_TRUE(c.needs_offset());
  std::optional<ReadLog> read = Only<ReadLog>(c.OnOffsetLoaded(7));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_offset, 7);
  EXPECT_EQ(read->max_count, 10);
}

TEST(EventLogConsumerTest, DeliversOneAtATimeInOffsetOrderAndAcknowledges) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  std::optional<DeliverEvent> d = Only<DeliverEvent>(c.OnRead(std::vector{Entry(3), Entry(5)}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->entry.offset, 3);
  EXPECT_EQ(c.acknowledged_offset(), 0);
  d = Only<DeliverEvent>(c.OnDelivered(absl::OkStatus()));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->entry.offset, 5);
  EXPECT_EQ(c.acknowledged_offset(), 3);
  // Second acknowledged event: a save (save_every = 2), then the next read.
  auto actions = c.OnDelivered(absl::OkStatus());
  ASSERT_EQ(actions.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<SaveOffset>(actions[0]));
  EXPECT_EQ(std::get<SaveOffset>(actions[0]).offset, 5);
  ASSERT_TRUE(std::holds_alternative<ReadLog>(actions[1]));
  EXPECT_EQ(std::get<ReadLog>(actions[1]).after_offset, 5);
  EXPECT_TRUE(c.OnOffsetSaved(5, absl::OkStatus()).empty());
  EXPECT_EQ(c.saved_offset(), 5);
  EXPECT_TRUE(c.OnRead(std::vector<EventLogEntry>{}).empty());
  EXPECT_TRUE(c.idle());
  EXPECT_EQ(c.delivered_count(), 2);
}

TEST(EventLogConsumerTest, SavesWhenCaughtUpEvenBelowTheBatchOfSaves) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  c.OnRead(std::vector{Entry(1)});
  Only<ReadLog>(c.OnDelivered(absl::OkStatus()));
  std::optional<SaveOffset> save = Only<SaveOffset>(c.OnRead(std::vector<EventLogEntry>{}));
  ASSERT_TRUE(save.has_value());
  EXPECT_EQ(save->offset, 1);
  EXPECT_TRUE(c.idle());
}

TEST(EventLogConsumerTest, AppendWhileIdleReadsAndWhileBusyReadsAgainAfterwards) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  c.OnRead(std::vector<EventLogEntry>{});
  ASSERT_TRUE(c.idle());
  ASSERT_TRUE(Only<ReadLog>(c.OnAppended()).has_value());
  // An append while the read is in flight: the (empty) answer may predate it, so read again.
  EXPECT_TRUE(c.OnAppended().empty());
  std::optional<ReadLog> again = Only<ReadLog>(c.OnRead(std::vector<EventLogEntry>{}));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->after_offset, 0);
  EXPECT_TRUE(c.OnRead(std::vector<EventLogEntry>{}).empty());
  EXPECT_TRUE(c.idle());
}

TEST(EventLogConsumerTest, FailedDeliveryIsRetriedFromTheLastAcknowledgedOffset) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  c.OnRead(std::vector{Entry(1), Entry(2), Entry(3)});
  c.OnDelivered(absl::OkStatus());  // 1 acknowledged, 2 in flight
  std::optional<RetryAfter> retry = Only<RetryAfter>(c.OnDelivered(absl::UnavailableError("down")));
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->delay, absl::Seconds(3));
  EXPECT_EQ(c.failed_count(), 1);
  // Appends and stale answers during the back-off change nothing.
  EXPECT_TRUE(c.OnAppended().empty());
  EXPECT_TRUE(c.OnDelivered(absl::OkStatus()).empty());
  std::optional<ReadLog> read = Only<ReadLog>(c.OnRetry());
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_offset, 1);
  std::optional<DeliverEvent> d = Only<DeliverEvent>(c.OnRead(std::vector{Entry(2), Entry(3)}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->entry.offset, 2);  // delivered again: at least once
}

TEST(EventLogConsumerTest, BackOffDoublesUpToTheMaximumAndResetsOnSuccess) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 4; ++i) {
    std::optional<RetryAfter> r = Only<RetryAfter>(c.OnRead(absl::UnavailableError("store down")));
    ASSERT_TRUE(r.has_value());
    delays.push_back(r->delay);
    c.OnRetry();
  }
  EXPECT_EQ(delays, (std::vector{absl::Seconds(3), absl::Seconds(6), absl::Seconds(10),
                                 absl::Seconds(10)}));
  c.OnRead(std::vector{Entry(1)});
  c.OnDelivered(absl::OkStatus());
  c.OnRead(std::vector{Entry(2)});
  std::optional<RetryAfter> r = Only<RetryAfter>(c.OnDelivered(absl::InternalError("x")));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->delay, absl::Seconds(3));
}

TEST(EventLogConsumerTest, FailedOffsetLoadIsRetriedByLoadingAgain) {
  EventLogConsumer c(SmallOptions());
  ASSERT_TRUE(Only<RetryAfter>(c.OnOffsetLoaded(absl::UnavailableError("down"))).has_value());
  EXPECT_FALSE(c.needs_offset());
  EXPECT_TRUE(c.OnRetry().empty());
  EXPECT_TRUE(c.needs_offset());
  std::optional<ReadLog> read = Only<ReadLog>(c.OnOffsetLoaded(4));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->after_offset, 4);
}

TEST(EventLogConsumerTest, StaleOrDuplicateEntriesAreSkipped) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(5);
  std::optional<DeliverEvent> d =
      Only<DeliverEvent>(c.OnRead(std::vector{Entry(4), Entry(5), Entry(6), Entry(6)}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->entry.offset, 6);
  EXPECT_TRUE(Only<ReadLog>(c.OnDelivered(absl::OkStatus())).has_value());
}

TEST(EventLogConsumerTest, StopSavesTheAcknowledgedOffsetOnceAndIgnoresLateOutcomes) {
  EventLogConsumer c(SmallOptions());
  c.OnOffsetLoaded(0);
  c.OnRead(std::vector{Entry(1), Entry(2)});
  c.OnDelivered(absl::OkStatus());  // 1 acknowledged (not saved: below save_every), 2 in flight
  std::optional<SaveOffset> save = Only<SaveOffset>(c.Stop());
  ASSERT_TRUE(save.has_value());
  EXPECT_EQ(save->offset, 1);  // event 2 was not acknowledged: delivered again after a restart
  EXPECT_TRUE(c.stopped());
  EXPECT_TRUE(c.OnDelivered(absl::OkStatus()).empty());
  EXPECT_TRUE(c.OnAppended().empty());
  EXPECT_TRUE(c.Stop().empty());
}

TEST(EventLogConsumerTest, StopBeforeTheOffsetIsKnownSavesNothing) {
  EventLogConsumer c(SmallOptions());
  EXPECT_TRUE(c.Stop().empty());
  EXPECT_TRUE(c.OnOffsetLoaded(3).empty());
}

}  // namespace
}  // namespace cloudstate::proxy::eventing
