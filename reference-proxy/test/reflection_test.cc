// Server reflection over a discovered model, checked with an independent (DynamicMessage) client.

#include "reflection.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "cloudstate/proxy_core/service_model.h"
#include "reflection_client.h"

namespace cloudstate::proxy {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReflectionMessages;

void AddWithImports(const FileDescriptor* file, google::protobuf::FileDescriptorSet* set,
                    std::set<std::string>* seen) {
  if (!seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), set, seen);
  }
  file->CopyTo(set->add_file());
}

std::unique_ptr<ServiceModel> CartModel() {
  cloudstate::EntitySpec spec;
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  AddWithImports(com::example::shoppingcart::AddLineItem::descriptor()->file(), &set, &seen);
  spec.set_proto(set.SerializeAsString());
  auto* e = spec.add_entities();
  e->set_entity_type(std::string(kEventSourcedType));
  e->set_service_name("com.example.shoppingcart.ShoppingCart");
  e->set_persistence_id("shopping-cart");
  spec.mutable_service_info()->set_protocol_minor_version(2);
  auto model = ServiceModel::Build(spec, SupportedEntityTypes());
  EXPECT_TRUE(model.ok()) << model.status();
  return std::move(*model);
}

class ReflectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceModel> model_ = CartModel();
  ReflectionIndex index_{*model_};
  ReflectionMessages messages_;

  std::unique_ptr<Message> Ask(const std::string& request) {
    auto response = messages_.Response(index_.Answer(request));
    EXPECT_NE(response, nullptr);
    return response;
  }
  static const Message& Sub(const Message& m, const std::string& field) {
    return m.GetReflection()->GetMessage(m, m.GetDescriptor()->FindFieldByName(field));
  }
  static bool HasField(const Message& m, const std::string& field) {
    return m.GetReflection()->HasField(m, m.GetDescriptor()->FindFieldByName(field));
  }
  // The files of a file_descriptor_response, parsed.
  static std::vector<FileDescriptorProto> Files(const Message& response) {
    const Message& fdr = Sub(response, "file_descriptor_response");
    const auto* field = fdr.GetDescriptor()->FindFieldByName("file_descriptor_proto");
    std::vector<FileDescriptorProto> out;
    for (int i = 0; i < fdr.GetReflection()->FieldSize(fdr, field); ++i) {
      FileDescriptorProto proto;
      EXPECT_TRUE(proto.ParseFromString(fdr.GetReflection()->GetRepeatedString(fdr, field, i)));
      out.push_back(proto);
    }
    return out;
  }
  static int ErrorCode(const Message& response) {
    const Message& error = Sub(response, "error_response");
    return error.GetReflection()->GetInt32(error,
                                           error.GetDescriptor()->FindFieldByName("error_code"));
  }
};

TEST_F(ReflectionTest, ListsReflectionFirstThenEntityServicesSorted) {
  EXPECT_EQ(index_.services(), (std::vector<std::string>{"grpc.reflection.v1alpha.ServerReflection",
                                                         "com.example.shoppingcart.ShoppingCart"}));
  auto response = Ask(messages_.Request("list_services", "*", "localhost:9000"));
  const std::string text = testing::Text(*response);
  EXPECT_THAT(text, HasSubstr("valid_host: \"localhost:9000\""));
  EXPECT_THAT(text, HasSubstr("original_request {"));
  EXPECT_THAT(text, HasSubstr("list_services: \"*\""));
  const Message& list = Sub(*response, "list_services_response");
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  ASSERT_EQ(list.GetReflection()->FieldSize(list, service_field), 2);
  const Message& first = list.GetReflection()->GetRepeatedMessage(list, service_field, 0);
  EXPECT_EQ(first.GetReflection()->GetString(first, first.GetDescriptor()->FindFieldByName("name")),
            "grpc.reflection.v1alpha.ServerReflection");
}

TEST_F(ReflectionTest, FileContainingSymbolCarriesDependenciesThatBuild) {
  for (const char* symbol :
       {"com.example.shoppingcart.ShoppingCart", "com.example.shoppingcart.ShoppingCart.AddItem",
        "com.example.shoppingcart.AddLineItem"}) {
    auto response = Ask(messages_.Request("file_containing_symbol", symbol));
    ASSERT_TRUE(HasField(*response, "file_descriptor_response")) << testing::Text(*response);
    auto files = Files(*response);
    ASSERT_FALSE(files.empty());
    EXPECT_EQ(files[0].name(), "shoppingcart/shoppingcart.proto");
    // A client can rebuild the service from the answer alone.
    google::protobuf::DescriptorPool pool;
    std::set<std::string> built;
    for (size_t round = 0; round < files.size() && built.size() < files.size(); ++round) {
      for (const auto& f : files) {
        if (built.count(f.name()) == 0 && pool.BuildFile(f) != nullptr) {
          built.insert(f.name());
        }
      }
    }
    EXPECT_EQ(built.size(), files.size());
    const auto* service = pool.FindServiceByName("com.example.shoppingcart.ShoppingCart");
    ASSERT_NE(service, nullptr);
    EXPECT_NE(service->FindMethodByName("AddItem"), nullptr);
  }
}

TEST_F(ReflectionTest, FileByFilenameAndExtensions) {
  auto response = Ask(messages_.Request("file_by_filename", "shoppingcart/shoppingcart.proto"));
  ASSERT_TRUE(HasField(*response, "file_descriptor_response"));
  EXPECT_EQ(Files(*response)[0].name(), "shoppingcart/shoppingcart.proto");

  response = Ask(messages_.ExtensionRequest("google.protobuf.FieldOptions", kEntityKeyOption));
  ASSERT_TRUE(HasField(*response, "file_descriptor_response")) << testing::Text(*response);
  EXPECT_EQ(Files(*response)[0].name(), "cloudstate/entity_key.proto");

  response =
      Ask(messages_.Request("all_extension_numbers_of_type", "google.protobuf.FieldOptions"));
  const std::string text = testing::Text(*response);
  EXPECT_THAT(text, HasSubstr("base_type_name: \"google.protobuf.FieldOptions\""));
  EXPECT_THAT(text, HasSubstr("extension_number: 1080"));
}

TEST_F(ReflectionTest, UnknownSymbolGetsAnEmptyFileDescriptorResponse) {
  auto response = Ask(messages_.Request("file_containing_symbol", "no.Such"));
  const std::string text = testing::Text(*response);
  EXPECT_THAT(text, HasSubstr("file_descriptor_response {"));
  EXPECT_THAT(text, Not(HasSubstr("error_response")));
  EXPECT_THAT(text, Not(HasSubstr("file_descriptor_proto")));
}

TEST_F(ReflectionTest, UnknownNamesAndMalformedRequestsAreErrorResponses) {
  auto response = Ask(messages_.Request("file_by_filename", "nope.proto"));
  EXPECT_EQ(ErrorCode(*response), 5);
  response = Ask(messages_.ExtensionRequest("google.protobuf.FieldOptions", 4242));
  EXPECT_EQ(ErrorCode(*response), 5);
  response = Ask(std::string("\xff\xff\xff", 3));
  EXPECT_EQ(ErrorCode(*response), 3);  // INVALID_ARGUMENT
  response = Ask("");
  EXPECT_EQ(ErrorCode(*response), 12);  // UNIMPLEMENTED: no request set
}

}  // namespace
}  // namespace cloudstate::proxy
