// The embedded topic broker: per (topic, consumer group) a queue, filled by every publish to the
// topic once the group has subscribed, and drained one message at a time.

#include <deque>
#include <map>
#include <mutex>
#include <utility>

#include "eventing/topic_broker.h"

namespace cloudstate::proxy::eventing {
namespace {

class InProcessBroker;

struct Group {
  std::deque<TopicMessage> queue;
  TopicHandler handler;  // empty while nobody subscribes
  uint64_t generation = 0;
  bool in_flight = false;
};

class InProcessBroker final : public TopicBroker,
                              public std::enable_shared_from_this<InProcessBroker> {
 public:
  explicit InProcessBroker(std::function<void(std::function<void()>)> post)
      : post_(std::move(post)) {}

  std::string_view Kind() const override { return "in-process"; }

  absl::Status Publish(std::string_view topic, const TopicMessage& message) override {
    std::vector<std::pair<std::string, std::string>> wake;
    {
      std::lock_guard lock(mu_);
      auto it = topics_.find(topic);
      if (it == topics_.end()) {
        return absl::OkStatus();  // no subscription: like a topic without subscriptions
      }
      for (auto& [group_name, group] : it->second) {
        group.queue.push_back(message);
        wake.emplace_back(std::string(topic), group_name);
      }
    }
    for (auto& [t, g] : wake) {
      Pump(t, g);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<TopicSubscription>> Subscribe(std::string_view topic,
                                                               std::string_view group,
                                                               TopicHandler handler) override;

  void Unsubscribe(const std::string& topic, const std::string& group, uint64_t generation) {
    std::lock_guard lock(mu_);
    Group& g = topics_[topic][group];
    if (g.generation == generation) {
      g.handler = nullptr;
    }
  }

  // Starts a delivery for the group if it has a handler, a message and none in flight.
  void Pump(const std::string& topic, const std::string& group_name) {
    TopicHandler handler;
    TopicMessage message;
    uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      Group& g = topics_[topic][group_name];
      if (g.in_flight || !g.handler || g.queue.empty()) {
        return;
      }
      g.in_flight = true;
      handler = g.handler;
      message = g.queue.front();
      generation = g.generation;
    }
    std::weak_ptr<InProcessBroker> weak = weak_from_this();
    post_([weak, topic, group_name, handler, message = std::move(message), generation] {
      handler(message, [weak, topic, group_name, generation](bool processed) {
        auto self = weak.lock();
        if (self == nullptr) {
          return;
        }
        {
          std::lock_guard lock(self->mu_);
          Group& g = self->topics_[topic][group_name];
          g.in_flight = false;
          if (processed && g.generation == generation && !g.queue.empty()) {
            g.queue.pop_front();
          }
        }
        self->Pump(topic, group_name);
      });
    });
  }

 private:
  std::function<void(std::function<void()>)> post_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, Group>, std::less<>> topics_;
  uint64_t next_generation_ = 1;
};

class Subscription final : public TopicSubscription {
 public:
  Subscription(std::weak_ptr<InProcessBroker> broker, std::string topic, std::string group,
               uint64_t generation)
      : broker_(std::move(broker)),
        topic_(std::move(topic)),
        group_(std::move(group)),
        generation_(generation) {}
  ~Subscription() override { Cancel(); }
  void Cancel() override {
    if (auto broker = broker_.lock()) {
      broker->Unsubscribe(topic_, group_, generation_);
    }
    broker_.reset();
  }

 private:
  std::weak_ptr<InProcessBroker> broker_;
  std::string topic_;
  std::string group_;
  uint64_t generation_;
};

absl::StatusOr<std::unique_ptr<TopicSubscription>> InProcessBroker::Subscribe(
    std::string_view topic, std::string_view group, TopicHandler handler) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    Group& g = topics_[std::string(topic)][std::string(group)];
    if (g.handler) {
      return absl::AlreadyExistsError("topic " + std::string(topic) + " already has a subscriber " +
                                      "in consumer group " + std::string(group));
    }
    g.handler = std::move(handler);
    g.generation = generation = next_generation_++;
  }
  Pump(std::string(topic), std::string(group));
  return std::unique_ptr<TopicSubscription>(std::make_unique<Subscription>(
      weak_from_this(), std::string(topic), std::string(group), generation));
}

// Owns the broker through a shared_ptr so that acks arriving late find it gone, not dangling.
class BrokerHandle final : public TopicBroker {
 public:
  explicit BrokerHandle(std::shared_ptr<InProcessBroker> broker) : broker_(std::move(broker)) {}
  std::string_view Kind() const override { return broker_->Kind(); }
  absl::Status Publish(std::string_view topic, const TopicMessage& message) override {
    return broker_->Publish(topic, message);
  }
  absl::StatusOr<std::unique_ptr<TopicSubscription>> Subscribe(std::string_view topic,
                                                               std::string_view group,
                                                               TopicHandler handler) override {
    return broker_->Subscribe(topic, group, std::move(handler));
  }

 private:
  std::shared_ptr<InProcessBroker> broker_;
};

}  // namespace

std::unique_ptr<TopicBroker> NewInProcessTopicBroker(
    std::function<void(std::function<void()>)> post) {
  return std::make_unique<BrokerHandle>(std::make_shared<InProcessBroker>(std::move(post)));
}

}  // namespace cloudstate::proxy::eventing
