// The routing plans: what a payload becomes and what an answer means for its call.

#include "cloudstate/proxy_core/router.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "model_test_util.h"

namespace cloudstate::proxy {
namespace {

constexpr size_t kLimit = 1024 * 1024;

class RouterTest : public testing::Test {
 protected:
  void SetUp() override {
    auto model = ServiceModel::Build(
        Spec({{std::string(kEventSourcedType), "com.example.shoppingcart.ShoppingCart"},
              {std::string(kActionType), "cloudstate.tck.model.action.ActionTckModel"}},
             {com::example::shoppingcart::AddLineItem::descriptor()->file(),
              cloudstate::tck::model::action::Request::descriptor()->file()}),
        SupportedEntityTypes());
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(*model);
    add_item_ = model_->FindRoute("/com.example.shoppingcart.ShoppingCart/AddItem");
    get_cart_ = model_->FindRoute("/com.example.shoppingcart.ShoppingCart/GetCart");
    unary_ = model_->FindRoute("/cloudstate.tck.model.action.ActionTckModel/ProcessUnary");
    ASSERT_NE(add_item_, nullptr);
    ASSERT_NE(get_cart_, nullptr);
    ASSERT_NE(unary_, nullptr);
  }

  static std::string AddItem(const std::string& user) {
    com::example::shoppingcart::AddLineItem item;
    item.set_user_id(user);
    item.set_product_id("p1");
    item.set_quantity(2);
    return item.SerializeAsString();
  }

  static cloudstate::Metadata OneEntry() {
    cloudstate::Metadata metadata;
    auto* entry = metadata.add_entries();
    entry->set_key("k");
    entry->set_string_value("v");
    return metadata;
  }

  std::unique_ptr<ServiceModel> model_;
  const Route* add_item_ = nullptr;
  const Route* get_cart_ = nullptr;
  const Route* unary_ = nullptr;
};

TEST_F(RouterTest, EntityCallBecomesACommandForItsEntity) {
  auto plan = PlanDispatch(*add_item_, AddItem("u1"), OneEntry(), 7, kLimit);
  auto* to_entity = std::get_if<routing::ToEntity>(&plan);
  ASSERT_NE(to_entity, nullptr);
  EXPECT_EQ(to_entity->entity_id, "u1");
  EXPECT_EQ(to_entity->command.handle, 7u);
  EXPECT_EQ(to_entity->command.name, "AddItem");
  EXPECT_EQ(to_entity->command.payload.type_url(),
            "type.googleapis.com/com.example.shoppingcart.AddLineItem");
  EXPECT_EQ(to_entity->command.payload.value(), AddItem("u1"));
  EXPECT_FALSE(to_entity->command.streamed);
}

TEST_F(RouterTest, UnreadablePayloadIsRefusedAsInvalidArgument) {
  auto plan = PlanDispatch(*add_item_, std::string("\xff\xff\xff", 3), {}, 1, kLimit);
  auto* reject = std::get_if<routing::Reject>(&plan);
  ASSERT_NE(reject, nullptr);
  EXPECT_EQ(reject->status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RouterTest, CommandTooLargeForTheFunctionIsRefused) {
  auto plan = PlanDispatch(*add_item_, AddItem(std::string(600, 'u')), {}, 1, /*limit=*/1000);
  auto* reject = std::get_if<routing::Reject>(&plan);
  ASSERT_NE(reject, nullptr);
  EXPECT_EQ(reject->status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(reject->status.message().find("limit 1000"), std::string::npos);
}

TEST_F(RouterTest, ActionCallBecomesAnActionCommand) {
  auto plan = PlanDispatch(*unary_, "payload", OneEntry(), 1, kLimit);
  auto* to_action = std::get_if<routing::ToAction>(&plan);
  ASSERT_NE(to_action, nullptr);
  EXPECT_EQ(to_action->command.service_name(), "cloudstate.tck.model.action.ActionTckModel");
  EXPECT_EQ(to_action->command.name(), "ProcessUnary");
  EXPECT_EQ(to_action->command.payload().value(), "payload");
  EXPECT_EQ(to_action->command.metadata().entries(0).key(), "k");
}

TEST_F(RouterTest, SideEffectsKeepTheirOrderAndNameUnknownTargets) {
  std::vector<cloudstate::SideEffect> effects(3);
  effects[0].set_service_name("cloudstate.tck.model.action.ActionTckModel");
  effects[0].set_command_name("ProcessUnary");
  effects[0].mutable_payload()->set_value("a");
  effects[0].set_synchronous(true);
  effects[1].set_service_name("no.Such");
  effects[1].set_command_name("Thing");
  effects[2].set_service_name("com.example.shoppingcart.ShoppingCart");
  effects[2].set_command_name("GetCart");
  *effects[2].mutable_metadata() = OneEntry();
  auto steps = PlanSideEffects(*model_, *add_item_, effects);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].target, unary_);
  EXPECT_EQ(steps[0].payload, "a");
  EXPECT_TRUE(steps[0].synchronous);
  EXPECT_EQ(steps[1].target, nullptr);
  EXPECT_EQ(steps[1].error,
            "Service [no.Such] or command [Thing] unknown\n  side-effect of\n"
            "com.example.shoppingcart.ShoppingCart.AddItem");
  EXPECT_FALSE(steps[1].synchronous);
  EXPECT_EQ(steps[2].target, get_cart_);
  EXPECT_EQ(steps[2].metadata.entries_size(), 1);
}

TEST_F(RouterTest, ReplyOfTheWrongTypeIsPassedOnWithAWarning) {
  cloudstate::ClientAction action;
  action.mutable_reply()->mutable_payload()->set_type_url(
      "type.googleapis.com/google.protobuf.Empty");
  action.mutable_reply()->mutable_payload()->set_value("x");
  auto step = PlanClientAction(*model_, *add_item_, action, /*final=*/true);
  auto* reply = std::get_if<routing::Reply>(&step);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->bytes, "x");
  EXPECT_TRUE(reply->final);
  EXPECT_FALSE(reply->warning.has_value());

  action.mutable_reply()->mutable_payload()->set_type_url("type.googleapis.com/other.Type");
  step = PlanClientAction(*model_, *add_item_, action, /*final=*/false);
  reply = std::get_if<routing::Reply>(&step);
  ASSERT_NE(reply, nullptr);
  EXPECT_FALSE(reply->final);
  ASSERT_TRUE(reply->warning.has_value());
  EXPECT_NE(reply->warning->find("other.Type]"), std::string::npos);
}

TEST_F(RouterTest, FailureForwardAndNothing) {
  cloudstate::ClientAction action;
  action.mutable_failure()->set_description("no");
  auto step = PlanClientAction(*model_, *add_item_, action, true);
  ASSERT_TRUE(std::holds_alternative<routing::Failure>(step));
  EXPECT_EQ(std::get<routing::Failure>(step).description, "no");

  action.mutable_forward()->set_service_name("com.example.shoppingcart.ShoppingCart");
  action.mutable_forward()->set_command_name("GetCart");
  action.mutable_forward()->mutable_payload()->set_value("g");
  step = PlanClientAction(*model_, *add_item_, action, false);
  auto* forward = std::get_if<routing::Forward>(&step);
  ASSERT_NE(forward, nullptr);
  EXPECT_EQ(forward->target, get_cart_);
  EXPECT_EQ(forward->payload, "g");
  EXPECT_FALSE(forward->final);

  action.mutable_forward()->set_command_name("Nope");
  step = PlanClientAction(*model_, *add_item_, action, true);
  ASSERT_TRUE(std::holds_alternative<routing::Error>(step));
  EXPECT_NE(std::get<routing::Error>(step).message.find("forward of"), std::string::npos);

  step = PlanClientAction(*model_, *add_item_, std::nullopt, false);
  ASSERT_TRUE(std::holds_alternative<routing::Nothing>(step));
  EXPECT_FALSE(std::get<routing::Nothing>(step).final);
  step = PlanClientAction(*model_, *add_item_, cloudstate::ClientAction(), true);
  ASSERT_TRUE(std::holds_alternative<routing::Nothing>(step));
  EXPECT_TRUE(std::get<routing::Nothing>(step).final);
}

}  // namespace
}  // namespace cloudstate::proxy
