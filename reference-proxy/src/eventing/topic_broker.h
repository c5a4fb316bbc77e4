#pragma once
// Topics for eventing (`in.topic`, `out.topic`; F-22). The proxy talks to a broker only through
// TopicBroker, so a production deployment plugs in a real one (Google Pub/Sub as in the original,
// or Kafka) by implementing these three calls; the default is an in-process broker, which
// connects the methods of one proxy and keeps nothing across restarts.
//
// Semantics every implementation provides:
// * Publish returns OK once the broker accepted the message (Pub/Sub: the publish call
//   succeeded; Kafka: the producer's acks arrived).
// * A subscription of a (topic, consumer group) receives every message published to the topic
//   after the group first subscribed (Pub/Sub: a subscription named "<topic>_<group>", as in the
//   original; Kafka: a consumer group), at least once.
// * The handler gets one message at a time per subscription and must call `ack` exactly once:
//   ack(true) moves on (Pub/Sub acknowledge; Kafka commit of the offset), ack(false) has the
//   message delivered again (Pub/Sub nack or ack deadline; Kafka seek back).
//
//   auto broker = NewInProcessTopicBroker([&](std::function<void()> f) { asio::post(io, f); });
//   auto sub = broker->Subscribe("pings", "group", [](const TopicMessage& m, TopicAck ack) {
//     ack(true);
//   });
//   broker->Publish("pings", message);

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"

#include "cloudstate/entity.pb.h"

namespace cloudstate::proxy::eventing {

// A message on a topic: the payload and its CloudEvent attributes (ce-id, ce-source,
// ce-specversion, ce-type, Content-Type; HTTP binary mode names).
struct TopicMessage {
  google::protobuf::Any payload;
  cloudstate::Metadata metadata;
};

using TopicAck = std::function<void(bool processed)>;
using TopicHandler = std::function<void(const TopicMessage&, TopicAck)>;

class TopicSubscription {
 public:
  virtual ~TopicSubscription() = default;
  // No more deliveries after this returns (a delivery in progress may still ack).
  virtual void Cancel() = 0;
};

class TopicBroker {
 public:
  virtual ~TopicBroker() = default;
  // "in-process", "google-pubsub", "kafka": for logs.
  virtual std::string_view Kind() const = 0;
  virtual absl::Status Publish(std::string_view topic, const TopicMessage& message) = 0;
  // AlreadyExists if the (topic, group) already has a handler in this process.
  virtual absl::StatusOr<std::unique_ptr<TopicSubscription>> Subscribe(std::string_view topic,
                                                                       std::string_view group,
                                                                       TopicHandler handler) = 0;
};

// The embedded broker. `post` runs a delivery later on some thread (never inline, so that an
// ack called from a handler does not recurse); deliveries of one subscription never overlap.
std::unique_ptr<TopicBroker> NewInProcessTopicBroker(
    std::function<void(std::function<void()>)> post);

}  // namespace cloudstate::proxy::eventing
