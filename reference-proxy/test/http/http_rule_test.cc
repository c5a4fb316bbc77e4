#include "http/http_rule.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "http/test_pool.h"

namespace cloudstate::proxy::http {
namespace {

using ::testing::HasSubstr;
namespace pb = google::protobuf;
using test_pool::PoolOf;
using test_pool::TestPool;

const pb::MethodDescriptor& Method(const pb::DescriptorPool& pool, const std::string& name) {
  const pb::MethodDescriptor* m = pool.FindMethodByName(name);
  EXPECT_NE(m, nullptr) << name;
  return *m;
}

std::string ErrorOf(const std::map<std::string, std::string>& rules, const std::string& method) {
  auto pool = TestPool(rules);
  absl::StatusOr<std::vector<Binding>> b = BindingsForMethod(Method(*pool, "t.Svc." + method));
  EXPECT_FALSE(b.ok());
  if (b.ok()) {
    return "";
  }
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(b.status().message());
}

TEST(HttpRuleTest, ReadsRuleFromUnknownOptionBytes) {
  auto pool = TestPool({{"Get", R"(get: "/v1/{id}")"}});
  const pb::MethodDescriptor& m = Method(*pool, "t.Svc.Get");
  absl::StatusOr<std::optional<google::api::HttpRule>> rule = ReadHttpRule(m);
  ASSERT_TRUE(rule.ok()) << rule.status();
  ASSERT_TRUE(rule->has_value());
  EXPECT_EQ((*rule)->get(), "/v1/{id}");
  absl::StatusOr<std::optional<google::api::HttpRule>> none =
      ReadHttpRule(Method(*pool, "t.Svc.Plain"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(HttpRuleTest, ReadsRulesOfTheGeneratedTckAndShoppingCartProtos) {
  auto pool = PoolOf(cloudstate::tck::model::valueentity::Request::descriptor()->file());
  absl::StatusOr<std::vector<Binding>> b =
      BindingsForServices(*pool, {"cloudstate.tck.model.valueentity.ValueEntityTckModel",
                                  "cloudstate.tck.model.valueentity.ValueEntityTwo"});
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].http_method, "POST");
  EXPECT_EQ((*b)[0].path.text(), "/tck/model/entity/{id}");
  EXPECT_EQ((*b)[0].body, "*");
  EXPECT_FALSE((*b)[0].is_default);
  EXPECT_EQ((*b)[0].grpc_path, "/cloudstate.tck.model.valueentity.ValueEntityTckModel/Process");
  EXPECT_EQ((*b)[1].path.text(), "/cloudstate.tck.model.valueentity.ValueEntityTwo/Call");
  EXPECT_EQ((*b)[1].body, "*");
  EXPECT_TRUE((*b)[1].is_default);

  auto cart_pool = PoolOf(com::example::shoppingcart::Cart::descriptor()->file());
  absl::StatusOr<std::vector<Binding>> cart =
      BindingsForServices(*cart_pool, {"com.example.shoppingcart.ShoppingCart"});
  ASSERT_TRUE(cart.ok()) << cart.status();
  std::vector<std::string> described;
  for (const Binding& binding : *cart) {
    described.push_back(binding.Describe());
  }
  EXPECT_THAT(
      described,
      ::testing::ElementsAre(
          "POST /cart/{user_id}/items/add body:* -> com.example.shoppingcart.ShoppingCart.AddItem",
          "POST /cart/{user_id}/items/{product_id}/remove -> "
          "com.example.shoppingcart.ShoppingCart.RemoveItem",
          "GET /carts/{user_id} -> com.example.shoppingcart.ShoppingCart.GetCart",
          "GET /carts/{user_id}/items response_body:items -> "
          "com.example.shoppingcart.ShoppingCart.GetCart"));
  EXPECT_EQ((*cart)[3].response_field->name(), "items");
}

TEST(HttpRuleTest, ActionModelUnaryAndDefaultRoutes) {
  auto pool = PoolOf(cloudstate::tck::model::action::Request::descriptor()->file());
  absl::StatusOr<std::vector<Binding>> b =
      BindingsForServices(*pool, {"cloudstate.tck.model.action.ActionTckModel"});
  ASSERT_TRUE(b.ok()) << b.status();
  std::vector<std::string> described;
  for (const Binding& binding : *b) {
    described.push_back(binding.Describe());
  }
  // Client-streaming methods have no default route; server-streaming ones do.
  EXPECT_THAT(described,
              ::testing::ElementsAre(
                  "POST /tck/model/action/unary body:* -> "
                  "cloudstate.tck.model.action.ActionTckModel.ProcessUnary",
                  "POST /cloudstate.tck.model.action.ActionTckModel/ProcessStreamedOut body:* -> "
                  "cloudstate.tck.model.action.ActionTckModel.ProcessStreamedOut"));
}

TEST(HttpRuleTest, AllPatternKinds) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(get: "/x")", "GET"},
      {R"(put: "/x")", "PUT"},
      {R"(post: "/x")", "POST"},
      {R"(delete: "/x")", "DELETE"},
      {R"(patch: "/x")", "PATCH"},
      {R"(custom { kind: "*" path: "/x" })", "*"},
      {R"(custom { kind: "head" path: "/x" })", "HEAD"},
  };
  for (const auto& [rule, method] : cases) {
    auto pool = TestPool({{"Get", rule}});
    absl::StatusOr<std::vector<Binding>> b = BindingsForMethod(Method(*pool, "t.Svc.Get"));
    ASSERT_TRUE(b.ok()) << rule << ": " << b.status();
    ASSERT_EQ(b->size(), 1u);
    EXPECT_EQ((*b)[0].http_method, method) << rule;
  }
}

TEST(HttpRuleTest, AdditionalBindingsFollowThePrimary) {
  auto pool = TestPool({{"Get", R"(get: "/v1/{id}"
                                   additional_bindings { post: "/v1/{inner.name}:make" body: "inner" }
                                   additional_bindings { get: "/v2/{inner.deep.leaf}" response_body: "big" })"}});
  absl::StatusOr<std::vector<Binding>> b = BindingsForMethod(Method(*pool, "t.Svc.Get"));
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ((*b)[1].http_method, "POST");
  EXPECT_EQ((*b)[1].body_field->name(), "inner");
  ASSERT_EQ((*b)[1].variables.size(), 1u);
  EXPECT_EQ((*b)[1].variables[0].fields.size(), 2u);
  ASSERT_EQ((*b)[2].variables.size(), 1u);
  EXPECT_EQ((*b)[2].variables[0].field_path, "inner.deep.leaf");
  EXPECT_EQ((*b)[2].variables[0].fields.back()->full_name(), "t.Deep.leaf");
  EXPECT_EQ((*b)[2].response_field->name(), "big");
}

TEST(HttpRuleTest, SelectorMustNameTheMethod) {
  auto pool = TestPool({{"Get", R"(selector: "t.Svc.Get" get: "/x")"}});
  EXPECT_TRUE(BindingsForMethod(Method(*pool, "t.Svc.Get")).ok());
  EXPECT_EQ(ErrorOf({{"Get", R"(selector: "t.Svc.Other" get: "/x")"}}, "Get"),
            "google.api.http on method t.Svc.Get: selector \"t.Svc.Other\" does not name this "
            "method");
}

TEST(HttpRuleTest, ValidationErrorsArePrecise) {
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/v1/{missing}")"}}, "Get"),
            "google.api.http on method t.Svc.Get: path variable 'missing' in \"/v1/{missing}\": "
            "field 'missing' not found in t.Req");
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/v1/{tags}")"}}, "Get"),
            "google.api.http on method t.Svc.Get: path variable 'tags' in \"/v1/{tags}\": field "
            "'tags' of t.Req is repeated");
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/v1/{inner}")"}}, "Get"),
            "google.api.http on method t.Svc.Get: path variable 'inner' in \"/v1/{inner}\": field "
            "'inner' of t.Req is a message");
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/v1/{labels}")"}}, "Get"),
            "google.api.http on method t.Svc.Get: path variable 'labels' in \"/v1/{labels}\": "
            "field 'labels' of t.Req is a map");
  EXPECT_THAT(ErrorOf({{"Get", R"(get: "/v1/{id.x}")"}}, "Get"),
              HasSubstr("field 'id' of t.Req is not a singular message field"));
  EXPECT_THAT(ErrorOf({{"Get", R"(get: "/v1/{items.name}")"}}, "Get"),
              HasSubstr("field 'items' of t.Req is not a singular message field"));
  EXPECT_THAT(ErrorOf({{"Get", R"(get: "/v1/{inner.nope}")"}}, "Get"),
              HasSubstr("field 'nope' not found in t.Inner"));
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "v1/x")"}}, "Get"),
            "google.api.http on method t.Svc.Get: path template \"v1/x\": must start with '/' at "
            "position 0");
  EXPECT_THAT(ErrorOf({{"Get", R"(get: "/v1/**/x")"}}, "Get"),
              HasSubstr("'**' must be the last segment"));
  EXPECT_EQ(ErrorOf({{"Get", R"(post: "/x" body: "nope")"}}, "Get"),
            "google.api.http on method t.Svc.Get: body field 'nope' not found in t.Req");
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/x" response_body: "nope")"}}, "Get"),
            "google.api.http on method t.Svc.Get: response_body field 'nope' not found in t.Resp");
  EXPECT_EQ(ErrorOf({{"Get", R"(body: "*")"}}, "Get"),
            "google.api.http on method t.Svc.Get: no pattern (get, put, post, delete, patch or "
            "custom) is set");
  EXPECT_EQ(ErrorOf({{"Get", R"(custom { path: "/x" })"}}, "Get"),
            "google.api.http on method t.Svc.Get: custom pattern without a kind");
  EXPECT_THAT(ErrorOf({{"Get", R"(custom { kind: "GE T" path: "/x" })"}}, "Get"),
              HasSubstr("custom kind \"GE T\" is neither \"*\" nor an HTTP method name"));
  EXPECT_EQ(ErrorOf({{"Get", R"(get: "/x" additional_bindings { get: "/y" additional_bindings {
                                 get: "/z" } })"}},
                    "Get"),
            "google.api.http on method t.Svc.Get: additional_bindings may not have "
            "additional_bindings");
  EXPECT_THAT(ErrorOf({{"Get", R"(get: "/x" additional_bindings { get: "/{nope}" })"}}, "Get"),
              HasSubstr("path variable 'nope'"));
  EXPECT_THAT(ErrorOf({{"Upload", R"(post: "/up" body: "*")"}}, "Upload"),
              HasSubstr("client-streaming methods cannot be transcoded"));
}

TEST(HttpRuleTest, EnumAndScalarPathVariablesAreAccepted) {
  auto pool = TestPool({{"Get", R"(get: "/v1/{kind}/{i64}/{flag}/{b}/{d}")"}});
  absl::StatusOr<std::vector<Binding>> b = BindingsForMethod(Method(*pool, "t.Svc.Get"));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)[0].variables.size(), 5u);
}

TEST(HttpRuleTest, UnknownServiceIsAnError) {
  auto pool = TestPool();
  absl::StatusOr<std::vector<Binding>> b = BindingsForServices(*pool, {"t.Nope"});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(std::string(b.status().message()), "service t.Nope not found");
}

TEST(HttpRuleTest, MalformedOptionBytesAreAnError) {
  pb::FileDescriptorProto file;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(test_pool::kTestFile, &file));
  // Field 2 of HttpRule (get) claims 5 bytes but carries 2: not a valid HttpRule.
  file.mutable_service(0)
      ->mutable_method(0)
      ->mutable_options()
      ->GetReflection()
      ->MutableUnknownFields(file.mutable_service(0)->mutable_method(0)->mutable_options())
      ->AddLengthDelimited(72295728, std::string("\x12\x05"
                                                 "ab",
                                                 4));
  std::set<std::string> seen;
  std::vector<pb::FileDescriptorProto> files;
  test_pool::CollectFiles(google::api::HttpBody::descriptor()->file(), &seen, &files);
  files.push_back(file);
  auto pool = test_pool::BuildPool(files);
  absl::StatusOr<std::vector<Binding>> b = BindingsForMethod(Method(*pool, "t.Svc.Get"));
  ASSERT_FALSE(b.ok());
  // Depending on whether the generated extension is linked, the pool keeps the bytes as they are
  // ("not a valid google.api.HttpRule") or keeps what parsed of them (a bad template); either way
  // the method is named.
  EXPECT_THAT(std::string(b.status().message()),
              HasSubstr("google.api.http on method t.Svc.Get: "));
}

}  // namespace
}  // namespace cloudstate::proxy::http
