// Discovery validation, routing and entity-key extraction against the shipped TCK/shopping protos.

#include "cloudstate/proxy_core/service_model.h"

#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "model_test_util.h"

namespace cloudstate::proxy {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::FileDescriptorSet;

const FileDescriptor* CartFile() {
  return com::example::shoppingcart::AddLineItem::descriptor()->file();
}

TEST(ServiceModelTest, RoutesEveryMethodAndExtractsKeys) {
  const auto* file = CartFile();
  ASSERT_GT(file->service_count(), 0);
  const std::string service = file->service(0)->full_name();
  auto model = ServiceModel::Build(Spec({{std::string(kEventSourcedType), service}}, {file}),
                                   SupportedEntityTypes());
  ASSERT_TRUE(model.ok()) << model.status();
  const Route* route = (*model)->FindRoute("/" + service + "/AddItem");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->entity->kind, EntityKind::kEventSourced);
  EXPECT_EQ(route->key_fields.size(), 1u);
  com::example::shoppingcart::AddLineItem item;
  item.set_user_id("cart-7");
  item.set_product_id("p1");
  item.set_quantity(3);
  auto id = route->ExtractEntityId(item.SerializeAsString());
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "cart-7");
  EXPECT_EQ((*model)->FindRoute(service, "GetCart")->method->name(), "GetCart");
  EXPECT_EQ((*model)->FindRoute("/nope/Nope"), nullptr);
}

TEST(ServiceModelTest, RejectsBrokenSpecs) {
  const auto* file = CartFile();
  const std::string service = file->service(0)->full_name();
  auto types = SupportedEntityTypes();
  auto r = ServiceModel::Build(Spec({{"cloudstate.Unknown", service}}, {file}), types);
  EXPECT_NE(r.status().message().find("unsupported entity type"), std::string::npos) << r.status();
  r = ServiceModel::Build(Spec({{std::string(kEventSourcedType), "no.Such"}}, {file}), types);
  EXPECT_NE(r.status().message().find("not found in descriptors"), std::string::npos);
  r = ServiceModel::Build(Spec({}, {file}), types);
  EXPECT_NE(r.status().message().find("No entities"), std::string::npos);
  cloudstate::EntitySpec bad = Spec({{std::string(kEventSourcedType), service}}, {file});
  bad.set_proto("\xff\xff garbage");
  r = ServiceModel::Build(bad, types);
  EXPECT_NE(r.status().message().find("Bad descriptor set"), std::string::npos);
  // Missing dependency: only the cart file itself.
  cloudstate::EntitySpec missing = Spec({{std::string(kEventSourcedType), service}}, {});
  FileDescriptorSet only;
  file->CopyTo(only.add_file());
  missing.set_proto(only.SerializeAsString());
  r = ServiceModel::Build(missing, types);
  EXPECT_NE(r.status().message().find("not in the descriptor set"), std::string::npos);
}

TEST(ServiceModelTest, RejectsStreamingEventSourcedAndKeylessMethods) {
  // Action TCK service has streaming methods and no keys: fine as an action, not as ES/VE.
  FileDescriptorProto proto;
  proto.set_name("x.proto");
  proto.set_package("x");
  proto.set_syntax("proto3");
  auto* msg = proto.add_message_type();
  msg->set_name("M");
  auto* f = msg->add_field();
  f->set_name("id");
  f->set_number(1);
  f->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
  f->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* svc = proto.add_service();
  svc->set_name("S");
  auto* m = svc->add_method();
  m->set_name("Call");
  m->set_input_type(".x.M");
  m->set_output_type(".x.M");
  cloudstate::EntitySpec spec;
  FileDescriptorSet set;
  *set.add_file() = proto;
  spec.set_proto(set.SerializeAsString());
  auto* e = spec.add_entities();
  e->set_entity_type(std::string(kValueEntityType));
  e->set_service_name("x.S");
  auto r = ServiceModel::Build(spec, SupportedEntityTypes());
  EXPECT_NE(r.status().message().find("no entity key field"), std::string::npos) << r.status();
  // Legacy key option 50002 as an unknown option field makes it valid.
  f->mutable_options()->mutable_unknown_fields()->AddVarint(50002, 1);
  *set.mutable_file(0) = proto;
  spec.set_proto(set.SerializeAsString());
  r = ServiceModel::Build(spec, SupportedEntityTypes());
  ASSERT_TRUE(r.ok()) << r.status();
  m->set_server_streaming(true);
  *set.mutable_file(0) = proto;
  spec.set_proto(set.SerializeAsString());
  r = ServiceModel::Build(spec, SupportedEntityTypes());
  EXPECT_NE(r.status().message().find("must be unary"), std::string::npos) << r.status();
  e->set_entity_type(std::string(kActionType));
  r = ServiceModel::Build(spec, SupportedEntityTypes());
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST(KeyExtractionTest, JoinsFieldsInDeclarationOrderWithDefaults) {
  using google::protobuf::FieldDescriptor;
  std::vector<KeyField> keys = {{2, FieldDescriptor::TYPE_STRING, nullptr},
                                {1, FieldDescriptor::TYPE_INT64, nullptr},
                                {3, FieldDescriptor::TYPE_BOOL, nullptr}};
  // field 1 = 42 (varint), field 2 = "ab"
  std::string bytes = std::string(
      "\x08\x2a\x12\x02"
      "ab",
      6);
  auto id = ExtractEntityId(keys, bytes);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "ab-42-false");
  EXPECT_EQ(*ExtractEntityId(keys, ""), "-0-false");
  EXPECT_FALSE(ExtractEntityId(keys, std::string("\x12\x05"
                                                 "ab",
                                                 4))
                   .ok());
  EXPECT_EQ(*ExtractEntityId({}, "anything"), "");
}

TEST(KeyExtractionTest, RejectsKeysThatAreNotUtf8) {
  using google::protobuf::FieldDescriptor;
  std::vector<KeyField> keys = {{1, FieldDescriptor::TYPE_STRING, nullptr}};
  auto id = ExtractEntityId(keys, std::string("\x0a\x02\xc3\x28", 4));  // bad 2-byte sequence
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ExtractEntityId(keys, std::string("\x0a\x02\xc3\xa9", 4)), "\xc3\xa9");
}

TEST(KeyExtractionTest, RejectsMalformedBytes) {
  using google::protobuf::FieldDescriptor;
  std::vector<KeyField> keys = {{1, FieldDescriptor::TYPE_STRING, nullptr}};
  EXPECT_FALSE(ExtractEntityId(keys, std::string("\xff\xff\xff\xff", 4)).ok());  // bad varint
  EXPECT_FALSE(ExtractEntityId(keys, std::string("\x0a\x01"
                                                 "a\x00",
                                                 4))
                   .ok());                                               // zero tag
  EXPECT_FALSE(ExtractEntityId(keys, std::string("\x02\x00", 2)).ok());  // field number 0
  EXPECT_FALSE(ExtractEntityId(keys, std::string("\x0f", 1)).ok());      // wire type 7
  EXPECT_EQ(*ExtractEntityId(keys, std::string("\x0a\x01"
                                               "a",
                                               3)),
            "a");
}

TEST(ProtocolVersionTest, OnlyZeroPointTwo) {
  cloudstate::ServiceInfo info;
  EXPECT_FALSE(CheckProtocolVersion(info).ok());
  info.set_protocol_minor_version(2);
  EXPECT_TRUE(CheckProtocolVersion(info).ok());
  info.set_protocol_major_version(1);
  EXPECT_FALSE(CheckProtocolVersion(info).ok());
}

}  // namespace
}  // namespace cloudstate::proxy
