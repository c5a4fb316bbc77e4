#pragma once
// Eventing as the user function declares it (F-21, F-22): which methods consume an event source
// (`(cloudstate.eventing).in`) and which publish their replies to a topic (`.out`), read from the
// method options of the discovered services. Pure protobuf: unit tests build it from descriptors.
//
//   CS_ASSIGN_OR_RETURN(EventingConfig config, BuildEventingConfig(model));
//   for (const EventConsumer& c : config.consumers) { ... SelectMethod(c, event.type_url) ... }

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy_core/service_model.h"

namespace cloudstate::proxy::eventing {

enum class SourceKind { kEventLog, kTopic };

// Methods of one service that share an event source and consumer group: one subscriber, and each
// event goes to the method whose input type is the event's type.
struct EventConsumer {
  SourceKind kind = SourceKind::kEventLog;
  std::string source;          // the persistence id (event log) or the topic name
  std::string consumer_group;  // declared, or the service name
  std::string service_name;
  // Methods by input message full name ("google.protobuf.Any" for the catch-all).
  std::map<std::string, const Route*, std::less<>> methods;

  // The key the consumer's offset is stored under.
  std::string OffsetKey() const;
  // "event log eventlogeventing-one of pkg.Service (group pkg.Service)", for logs.
  std::string Describe() const;
};

struct EventingConfig {
  std::vector<EventConsumer> consumers;
  // Topic a method's replies are published to, by route path "/pkg.Service/Method".
  std::map<std::string, std::string, std::less<>> out_topics;

  bool empty() const { return consumers.empty() && out_topics.empty(); }
};

// Reads the eventing options of every method of the model. InvalidArgument (meant for
// reportError) for an `in` without a source, an `out` without a topic, the same topic in and out
// on one method, or two methods of one consumer with the same input type.
absl::StatusOr<EventingConfig> BuildEventingConfig(const ServiceModel& model);

// The method that takes an event with this type URL: the one whose input type is the event's
// message type, else the one taking google.protobuf.Any. JSON (json.cloudstate.io/) and primitive
// (p.cloudstate.io/) events always go to the Any method. Null when there is none.
const Route* SelectMethod(const EventConsumer& consumer, std::string_view type_url);

// The CloudEvent attributes of an event-log event, as metadata in the HTTP binary mode (F-21).
cloudstate::Metadata EventLogMetadata(int64_t offset, std::string_view persistence_id,
                                      std::string_view entity_id, std::string_view type_url);

// The CloudEvent attributes of a message published to a topic (F-22): id and source from the
// incoming metadata's ce-id/ce-source when present, else a random id and the service name;
// type and content type derived from the payload's type URL.
cloudstate::Metadata TopicMetadata(const google::protobuf::Any& payload,
                                   const cloudstate::Metadata& incoming,
                                   std::string_view service_name);

// The value of a metadata entry (string entries only), "" when absent. Keys compare ignoring case.
std::string MetadataValue(const cloudstate::Metadata& metadata, std::string_view key);

}  // namespace cloudstate::proxy::eventing
