#include "eventing/eventing_config.h"

#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/eventlogeventing.pb.h"

namespace cloudstate::proxy::eventing {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorSet;

void AddWithImports(const FileDescriptor* file, FileDescriptorSet* set,
                    std::set<std::string>* seen) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), set, seen);
  }
  file->CopyTo(set->add_file());
}

constexpr char kSubscriber[] = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";

std::unique_ptr<ServiceModel> Model(const FileDescriptorSet& set) {
  cloudstate::EntitySpec spec;
  spec.set_proto(set.SerializeAsString());
  auto* e = spec.add_entities();
  e->set_entity_type(std::string(kActionType));
  e->set_service_name(kSubscriber);
  spec.mutable_service_info()->set_protocol_minor_version(2);
  auto model = ServiceModel::Build(spec, {std::string(kActionType)});
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : nullptr;
}

FileDescriptorSet ModelFiles() {
  FileDescriptorSet set;
  std::set<std::string> seen;
  AddWithImports(cloudstate::tck::model::eventlogeventing::EventOne::descriptor()->file(), &set,
                 &seen);
  return set;
}

TEST(EventingConfigTest, GroupsTheTckSubscriberByEventLog) {
  auto model = Model(ModelFiles());
  ASSERT_NE(model, nullptr);
  auto config = BuildEventingConfig(*model);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->consumers.size(), 2u);
  const EventConsumer* one = nullptr;
  const EventConsumer* two = nullptr;
  for (const auto& c : config->consumers) {
    (c.source == "eventlogeventing-one" ? one : two) = &c;
  }
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->source, "eventlogeventing-two");
  EXPECT_EQ(one->kind, SourceKind::kEventLog);
  EXPECT_EQ(one->consumer_group, kSubscriber);
  EXPECT_EQ(one->methods.size(), 2u);
  EXPECT_TRUE(config->out_topics.empty());

  const std::string p = "type.googleapis.com/cloudstate.tck.model.eventlogeventing.";
  const Route* r = SelectMethod(*one, p + "EventOne");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->method->name(), "ProcessEventOne");
  r = SelectMethod(*one, p + "EventTwo");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->method->name(), "ProcessEventTwo");
  EXPECT_EQ(SelectMethod(*one, p + "Other"), nullptr);
  EXPECT_EQ(SelectMethod(*one, "json.cloudstate.io/JsonEvent"), nullptr);
  r = SelectMethod(*two, "json.cloudstate.io/JsonEvent");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->method->name(), "ProcessAnyEvent");
  r = SelectMethod(*two, p + "EventOne");  // no exact method: the Any one
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->method->name(), "ProcessAnyEvent");
  EXPECT_NE(one->OffsetKey(), two->OffsetKey());
}

// Rewrites the eventing option of one method of the subscriber.
FileDescriptorSet WithEventing(const std::string& method, const cloudstate::Eventing& eventing) {
  FileDescriptorSet set = ModelFiles();
  for (auto& file : *set.mutable_file()) {
    for (auto& service : *file.mutable_service()) {
      for (auto& m : *service.mutable_method()) {
        if (m.name() == method) {
          m.mutable_options()->Clear();
          std::string bytes;
          google::protobuf::io::StringOutputStream raw(&bytes);
          {
            google::protobuf::io::CodedOutputStream out(&raw);
            out.WriteTag((1081 << 3) | 2);
            const std::string value = eventing.SerializeAsString();
            out.WriteVarint32(static_cast<uint32_t>(value.size()));
            out.WriteString(value);
          }
          m.mutable_options()->MergeFromString(bytes);
        }
      }
    }
  }
  return set;
}

TEST(EventingConfigTest, RejectsWhatTheOriginalRejects) {
  cloudstate::Eventing no_source;
  no_source.mutable_in()->set_consumer_group("g");
  auto model = Model(WithEventing("Effect", no_source));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(BuildEventingConfig(*model).status().code(), absl::StatusCode::kInvalidArgument);

  cloudstate::Eventing loop;
  loop.mutable_in()->set_topic("t");
  loop.mutable_out()->set_topic("t");
  model = Model(WithEventing("Effect", loop));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(BuildEventingConfig(*model).status().code(), absl::StatusCode::kInvalidArgument);

  cloudstate::Eventing out_without_topic;
  out_without_topic.mutable_out();
  model = Model(WithEventing("Effect", out_without_topic));
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(BuildEventingConfig(*model).status().code(), absl::StatusCode::kInvalidArgument);

  cloudstate::Eventing publish;
  publish.mutable_out()->set_topic("results");
  model = Model(WithEventing("Effect", publish));
  ASSERT_NE(model, nullptr);
  auto config = BuildEventingConfig(*model);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->out_topics.at(std::string("/") + kSubscriber + "/Effect"), "results");
}

// Methods of one source and group share a consumer; another group is a consumer of its own.
TEST(EventingConfigTest, ConsumerGroupsSplitConsumers) {
  cloudstate::Eventing dup;
  dup.mutable_in()->set_event_log("eventlogeventing-one");
  dup.mutable_in()->set_consumer_group(kSubscriber);
  auto model = Model(WithEventing("Effect", dup));
  ASSERT_NE(model, nullptr);
  auto joined = BuildEventingConfig(*model);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->consumers.size(), 2u);
  cloudstate::Eventing other_group;
  other_group.mutable_in()->set_event_log("eventlogeventing-one");
  other_group.mutable_in()->set_consumer_group("audit");
  model = Model(WithEventing("Effect", other_group));
  ASSERT_NE(model, nullptr);
  auto config = BuildEventingConfig(*model);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->consumers.size(), 3u);
}

TEST(EventingConfigTest, CloudEventMetadataOfEventLogsAndTopics) {
  cloudstate::Metadata m = EventLogMetadata(42, "pid", "e-1", "type.googleapis.com/a.B");
  EXPECT_EQ(MetadataValue(m, "ce-id"), "42");
  EXPECT_EQ(MetadataValue(m, "ce-source"), "pid");
  EXPECT_EQ(MetadataValue(m, "ce-specversion"), "1.0");
  EXPECT_EQ(MetadataValue(m, "ce-type"), "type.googleapis.com/a.B");
  EXPECT_EQ(MetadataValue(m, "content-type"), "application/vnd.cloudstate.protobuf.any");
  EXPECT_EQ(MetadataValue(m, "ce-subject"), "e-1");
  EXPECT_EQ(MetadataValue(m, "ce-time"), "");

  google::protobuf::Any json;
  json.set_type_url("json.cloudstate.io/Thing");
  cloudstate::Metadata t = TopicMetadata(json, cloudstate::Metadata(), "svc.S");
  EXPECT_EQ(MetadataValue(t, "ce-source"), "svc.S");
  EXPECT_EQ(MetadataValue(t, "ce-id").size(), 36u);
  EXPECT_EQ(MetadataValue(t, "ce-type"), "Thing");
  EXPECT_EQ(MetadataValue(t, "Content-Type"), "application/json");
  google::protobuf::Any proto;
  proto.set_type_url("type.googleapis.com/a.B");
  cloudstate::Metadata t2 = TopicMetadata(proto, m, "svc.S");
  EXPECT_EQ(MetadataValue(t2, "ce-id"), "42");
  EXPECT_EQ(MetadataValue(t2, "ce-source"), "pid");
  EXPECT_EQ(MetadataValue(t2, "ce-type"), "a.B");
  EXPECT_EQ(MetadataValue(t2, "Content-Type"), "application/protobuf");
}

}  // namespace
}  // namespace cloudstate::proxy::eventing
