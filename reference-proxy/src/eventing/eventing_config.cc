#include "eventing/eventing_config.h"

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

#include "cloudstate/eventing.pb.h"

namespace cloudstate::proxy::eventing {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr std::string_view kAnyType = "google.protobuf.Any";
constexpr int kEventingOption = 1081;

// The (cloudstate.eventing) option of a method, read from the serialized options so that it is
// found whether or not the function's descriptor pool resolved the extension. Several occurrences
// merge, as for any embedded message field.
bool ReadEventingOption(const google::protobuf::MethodDescriptor& method,
                        cloudstate::Eventing* out) {
  const std::string bytes = method.options().SerializeAsString();
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  bool found = false;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      break;
    }
    if (static_cast<int>(WireFormatLite::GetTagFieldNumber(tag)) == kEventingOption &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string value;
      if (!WireFormatLite::ReadBytes(&in, &value)) {
        break;
      }
      cloudstate::Eventing part;
      if (part.ParseFromString(value)) {
        out->MergeFrom(part);
        found = true;
      }
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  return found;
}

std::string RandomUuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = (rng() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  const uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

void Add(cloudstate::Metadata& metadata, std::string key, std::string value) {
  auto* entry = metadata.add_entries();
  entry->set_key(std::move(key));
  entry->set_string_value(std::move(value));
}

}  // namespace

std::string EventConsumer::OffsetKey() const {
  return absl::StrCat(kind == SourceKind::kEventLog ? "event_log|" : "topic|", source, "|",
                      consumer_group);
}

std::string EventConsumer::Describe() const {
  return absl::StrCat(kind == SourceKind::kEventLog ? "event log " : "topic ", source, " of ",
                      service_name, " (group ", consumer_group, ")");
}

absl::StatusOr<EventingConfig> BuildEventingConfig(const ServiceModel& model) {
  EventingConfig config;
  for (const auto& [path, route] : model.routes()) {
    cloudstate::Eventing eventing;
    if (route.method == nullptr || !ReadEventingOption(*route.method, &eventing)) {
      continue;
    }
    const std::string method_name = route.method->full_name();
    if (eventing.has_out()) {
      if (eventing.out().destination_case() != cloudstate::EventDestination::kTopic ||
          eventing.out().topic().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Service call [", method_name, "] has declared an event out with no topic."));
      }
      config.out_topics[path] = eventing.out().topic();
    }
    if (!eventing.has_in()) {
      continue;
    }
    const cloudstate::EventSource& in = eventing.in();
    EventConsumer key;
    switch (in.source_case()) {
      case cloudstate::EventSource::kTopic:
        key.kind = SourceKind::kTopic;
        key.source = in.topic();
        break;
      case cloudstate::EventSource::kEventLog:
        key.kind = SourceKind::kEventLog;
        key.source = in.event_log();
        break;
      default:
        break;
    }
    if (key.source.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("Eventing consumer [", method_name,
                                                     "] has declared an input with no source."));
    }
    if (key.kind == SourceKind::kTopic && eventing.has_out() &&
        eventing.out().topic() == key.source) {
      return absl::InvalidArgumentError(absl::StrCat("Endpoint [", method_name,
                                                     "] has the same input topic as output topic [",
                                                     key.source, "], this is not allowed."));
    }
    key.service_name = route.entity->service_name;
    key.consumer_group = in.consumer_group().empty() ? key.service_name : in.consumer_group();
    EventConsumer* consumer = nullptr;
    for (EventConsumer& c : config.consumers) {
      if (c.kind == key.kind && c.source == key.source && c.consumer_group == key.consumer_group &&
          c.service_name == key.service_name) {
        consumer = &c;
        break;
      }
    }
    if (consumer == nullptr) {
      config.consumers.push_back(std::move(key));
      consumer = &config.consumers.back();
    }
    const std::string input = route.method->input_type()->full_name();
    auto [it, inserted] = consumer->methods.emplace(input, &route);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Endpoints [", it->second->method->full_name(), "] and [", method_name,
          "] both subscribe to the same event source with the same input type. If you wish to "
          "define two independent consumers of the same event source, use the consumer_group "
          "annotation on the source to identify them."));
    }
  }
  return config;
}

const Route* SelectMethod(const EventConsumer& consumer, std::string_view type_url) {
  auto any = consumer.methods.find(kAnyType);
  const Route* fallback = any == consumer.methods.end() ? nullptr : any->second;
  if (type_url.starts_with("json.cloudstate.io/") || type_url.starts_with("p.cloudstate.io/")) {
    return fallback;
  }
  const size_t slash = type_url.find('/');
  const std::string_view message =
      slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
  auto it = consumer.methods.find(message);
  return it != consumer.methods.end() ? it->second : fallback;
}

cloudstate::Metadata EventLogMetadata(int64_t offset, std::string_view persistence_id,
                                      std::string_view entity_id, std::string_view type_url) {
  cloudstate::Metadata metadata;
  Add(metadata, "ce-id", absl::StrCat(offset));
  Add(metadata, "ce-source", std::string(persistence_id));
  Add(metadata, "ce-specversion", "1.0");
  Add(metadata, "ce-type", std::string(type_url));
  Add(metadata, "Content-Type", "application/vnd.cloudstate.protobuf.any");
  Add(metadata, "ce-subject", std::string(entity_id));
  return metadata;
}

cloudstate::Metadata TopicMetadata(const google::protobuf::Any& payload,
                                   const cloudstate::Metadata& incoming,
                                   std::string_view service_name) {
  cloudstate::Metadata metadata;
  std::string id = MetadataValue(incoming, "ce-id");
  std::string source = MetadataValue(incoming, "ce-source");
  Add(metadata, "ce-id", id.empty() ? RandomUuid() : std::move(id));
  Add(metadata, "ce-source", source.empty() ? std::string(service_name) : std::move(source));
  Add(metadata, "ce-specversion", "1.0");
  const std::string_view url = payload.type_url();
  std::string type;
  std::string content_type;
  if (url.starts_with("json.cloudstate.io/")) {
    type = std::string(url.substr(std::string_view("json.cloudstate.io/").size()));
    content_type = "application/json";
  } else if (url == "p.cloudstate.io/string") {
    type = "string";
    content_type = "text/plain; charset=utf-8";
  } else if (url == "p.cloudstate.io/bytes") {
    type = "bytes";
    content_type = "application/octet-stream";
  } else {
    const size_t slash = url.find('/');
    type = std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
    content_type = "application/protobuf";
  }
  Add(metadata, "ce-type", std::move(type));
  Add(metadata, "Content-Type", std::move(content_type));
  return metadata;
}

std::string MetadataValue(const cloudstate::Metadata& metadata, std::string_view key) {
  for (const auto& entry : metadata.entries()) {
    if (absl::EqualsIgnoreCase(entry.key(), absl::string_view(key.data(), key.size())) &&
        entry.has_string_value()) {
      return entry.string_value();
    }
  }
  return "";
}

}  // namespace cloudstate::proxy::eventing
