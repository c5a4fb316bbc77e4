#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "eventing/topic_broker.h"

namespace cloudstate::proxy::eventing {
namespace {

// Runs posted deliveries when the test says so.
struct ManualExecutor {
  std::deque<std::function<void()>> tasks;
  std::function<void(std::function<void()>)> Post() {
    return [this](std::function<void()> f) { tasks.push_back(std::move(f)); };
  }
  void RunAll() {
    while (!tasks.empty()) {
      auto f = std::move(tasks.front());
      tasks.pop_front();
      f();
    }
  }
};

TopicMessage Message(const std::string& value) {
  TopicMessage m;
  m.payload.set_type_url("type.googleapis.com/T");
  m.payload.set_value(value);
  return m;
}

TEST(InProcessTopicBrokerTest, EveryGroupGetsEveryMessageInOrderOncePerAck) {
  ManualExecutor exec;
  auto broker = NewInProcessTopicBroker(exec.Post());
  std::vector<std::string> a;
  std::vector<std::string> b;
  auto sa = broker->Subscribe("t", "ga", [&](const TopicMessage& m, const TopicAck& ack) {
    a.push_back(m.payload.value());
    ack(true);
  });
  auto sb = broker->Subscribe("t", "gb", [&](const TopicMessage& m, const TopicAck& ack) {
    b.push_back(m.payload.value());
    ack(true);
  });
  ASSERT_TRUE(sa.ok() && sb.ok());
  ASSERT_TRUE(broker->Publish("t", Message("1")).ok());
  ASSERT_TRUE(broker->Publish("t", Message("2")).ok());
  ASSERT_TRUE(broker->Publish("other", Message("x")).ok());
  exec.RunAll();
  EXPECT_EQ(a, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(b, (std::vector<std::string>{"1", "2"}));
}

TEST(InProcessTopicBrokerTest, OneMessageInFlightAndNackRedelivers) {
  ManualExecutor exec;
  auto broker = NewInProcessTopicBroker(exec.Post());
  std::vector<std::string> seen;
  std::vector<TopicAck> acks;
  auto sub = broker->Subscribe("t", "g", [&](const TopicMessage& m, TopicAck ack) {
    seen.push_back(m.payload.value());
    acks.push_back(std::move(ack));
  });
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(broker->Publish("t", Message("1")).ok());
  ASSERT_TRUE(broker->Publish("t", Message("2")).ok());
  exec.RunAll();
  ASSERT_EQ(seen, (std::vector<std::string>{"1"}));  // 2 waits for 1's ack
  acks.back()(false);
  exec.RunAll();
  ASSERT_EQ(seen, (std::vector<std::string>{"1", "1"}));
  acks.back()(true);
  exec.RunAll();
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "1", "2"}));
}

TEST(InProcessTopicBrokerTest, MessagesWaitForAResubscriptionAndGroupsAreExclusive) {
  ManualExecutor exec;
  auto broker = NewInProcessTopicBroker(exec.Post());
  std::vector<std::string> seen;
  auto handler = [&](const TopicMessage& m, const TopicAck& ack) {
    seen.push_back(m.payload.value());
    ack(true);
  };
  auto sub = broker->Subscribe("t", "g", handler);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(broker->Subscribe("t", "g", handler).status().code(), absl::StatusCode::kAlreadyExists);
  (*sub)->Cancel();
  ASSERT_TRUE(broker->Publish("t", Message("kept")).ok());
  exec.RunAll();
  EXPECT_TRUE(seen.empty());
  auto again = broker->Subscribe("t", "g", handler);
  ASSERT_TRUE(again.ok());
  exec.RunAll();
  EXPECT_EQ(seen, (std::vector<std::string>{"kept"}));
}

TEST(InProcessTopicBrokerTest, PublishWithoutSubscribersIsDropped) {
  ManualExecutor exec;
  auto broker = NewInProcessTopicBroker(exec.Post());
  ASSERT_TRUE(broker->Publish("nobody", Message("x")).ok());
  std::vector<std::string> seen;
  auto sub = broker->Subscribe("nobody", "g", [&](const TopicMessage& m, const TopicAck& ack) {
    seen.push_back(m.payload.value());
    ack(true);
  });
  exec.RunAll();
  EXPECT_TRUE(seen.empty());
}

TEST(InProcessTopicBrokerTest, AckAfterTheBrokerIsGoneIsHarmless) {
  ManualExecutor exec;
  auto broker = NewInProcessTopicBroker(exec.Post());
  TopicAck kept;
  auto sub = broker->Subscribe("t", "g",
                               [&](const TopicMessage&, TopicAck ack) { kept = std::move(ack); });
  ASSERT_TRUE(broker->Publish("t", Message("1")).ok());
  exec.RunAll();
  ASSERT_TRUE(kept);
  sub->reset();
  broker.reset();
  kept(true);
  exec.RunAll();
}

}  // namespace
}  // namespace cloudstate::proxy::eventing
