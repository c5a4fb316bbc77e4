#include "gtest/gtest.h"

#include "cloudstate/tck/model/action.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/action.h"
#include "proto_matchers.h"

namespace cloudstate::sdk {
namespace {

namespace m = cloudstate::tck::model::action;
using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;
using testing::ProtoEq;

constexpr char kModel[] = "cloudstate.tck.model.action.ActionTckModel";

// Replies with the concatenated messages of the first step of every group.
class EchoAction : public Action {
 public:
  absl::StatusOr<ActionResponse> HandleUnary(const ActionContext& ctx,
                                             const ActionCommand& command) override {
    return ActionReply(Text(command));
  }
  absl::StatusOr<ActionResponse> HandleStreamedIn(
      const ActionContext& ctx, const std::vector<ActionCommand>& commands) override {
    std::string all;
    for (const auto& c : commands) {
      all += Text(c).message();
    }
    m::Response r;
    r.set_message(all);
    return ActionReply(r);
  }
  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedOut(
      const ActionContext& ctx, const ActionCommand& command) override {
    ActionResponse effect_only;
    *effect_only.add_side_effects() = MakeSideEffect("s", "m", m::Response(), true);
    return std::vector<ActionResponse>{ActionReply(Text(command)), effect_only};
  }
  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedMessage(
      const ActionContext& ctx, const ActionCommand& command) override {
    if (Text(command).message() == "error") {
      return absl::InvalidArgumentError("bad");
    }
    return std::vector<ActionResponse>{ActionReply(Text(command))};
  }

 private:
  static m::Response Text(const ActionCommand& command) {
    m::Request request;
    UnpackAny(command.payload(), &request);
    m::Response r;
    for (const auto& g : request.groups()) {
      if (g.steps_size() > 0) {
        r.set_message(r.message() + g.steps(0).reply().message());
      }
    }
    return r;
  }
};

ActionCommand Header(const std::string& service = kModel,
                     const std::string& name = "ProcessUnary") {
  ActionCommand c;
  c.set_service_name(service);
  c.set_name(name);
  return c;
}

ActionCommand Payload(const std::string& text) {
  m::Request request;
  request.add_groups()->add_steps()->mutable_reply()->set_message(text);
  ActionCommand c;
  *c.mutable_payload() = PackAny(request);
  return c;
}

ActionCommand Full(const std::string& name, const std::string& text) {
  ActionCommand c = Payload(text);
  c.set_service_name(kModel);
  c.set_name(name);
  return c;
}

m::Response Resp(const std::string& text) {
  m::Response r;
  r.set_message(text);
  return r;
}

class ActionCoreTest : public ::testing::Test {
 protected:
  ActionCoreTest()
      : dispatcher_(
            [this](std::string_view name) -> const ActionRegistration* {
              return name == kModel ? &registration_ : nullptr;
            },
            plan_) {
    registration_.options.service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(kModel);
    registration_.action = std::make_shared<EchoAction>();
  }
  // The SDK deviations (fault_plan.h) of the model; tests switch them on before a call.
  std::shared_ptr<FixedFaultPlan> plan_ = std::make_shared<FixedFaultPlan>();
  ActionRegistration registration_;
  ActionDispatcher dispatcher_;
};

TEST_F(ActionCoreTest, Setup) {
  ASSERT_NE(m::Request::descriptor(), nullptr);
  ASSERT_NE(registration_.options.service, nullptr);
}

TEST_F(ActionCoreTest, Unary) {
  auto r = dispatcher_.Unary(Full("ProcessUnary", "one"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ProtoEq(*r, ActionReply(Resp("one"))));
}

TEST_F(ActionCoreTest, UnaryBadInputIsAFailureResponse) {
  auto unknown_service = dispatcher_.Unary(Header("no.Such"));
  ASSERT_TRUE(unknown_service.ok());
  EXPECT_TRUE(unknown_service->has_failure());
  auto unknown_method = dispatcher_.Unary(Header(kModel, "Nope"));
  ASSERT_TRUE(unknown_method.ok());
  EXPECT_TRUE(unknown_method->has_failure());
  auto wrong_shape = dispatcher_.Unary(Full("ProcessStreamed", "x"));
  ASSERT_TRUE(wrong_shape.ok());
  EXPECT_TRUE(wrong_shape->has_failure());
  ActionCommand empty_url = Full("ProcessUnary", "x");
  empty_url.mutable_payload()->clear_type_url();
  auto bad_payload = dispatcher_.Unary(empty_url);
  ASSERT_TRUE(bad_payload.ok());
  EXPECT_TRUE(bad_payload->has_failure());
}

TEST_F(ActionCoreTest, StreamedOut) {
  auto r = dispatcher_.StreamedOut(Full("ProcessStreamedOut", "a"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE(ProtoEq((*r)[0], ActionReply(Resp("a"))));
  EXPECT_EQ((*r)[1].response_case(), ActionResponse::RESPONSE_NOT_SET);
  EXPECT_TRUE((*r)[1].side_effects(0).synchronous());
}

TEST_F(ActionCoreTest, StreamedOutQuirks) {
  plan_->Enable(SdkFault::kActionStreamedOutEndsEarly, kModel);
  plan_->Enable(SdkFault::kActionDropSyncFlag, kModel);
  auto r = dispatcher_.StreamedOut(Full("ProcessStreamedOut", "a"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
}

TEST_F(ActionCoreTest, StreamedInCollectsUntilTheEnd) {
  ActionStreamedInCore core(dispatcher_);
  EXPECT_FALSE(core.Feed(Header(kModel, "ProcessStreamedIn")).has_value());
  EXPECT_FALSE(core.Feed(Payload("a")).has_value());
  EXPECT_FALSE(core.Feed(Payload("b")).has_value());
  auto r = core.End();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ProtoEq(*r, ActionReply(Resp("ab"))));
}

TEST_F(ActionCoreTest, StreamedInWithoutMessages) {
  ActionStreamedInCore core(dispatcher_);
  EXPECT_FALSE(core.Feed(Header(kModel, "ProcessStreamedIn")).has_value());
  auto r = core.End();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ProtoEq(*r, ActionReply(Resp(""))));
}

TEST_F(ActionCoreTest, StreamedInAnswersEarlyQuirk) {
  plan_->Enable(SdkFault::kActionStreamedInAnswersEarly, kModel);
  ActionStreamedInCore core(dispatcher_);
  EXPECT_FALSE(core.Feed(Header(kModel, "ProcessStreamedIn")).has_value());
  auto r = core.Feed(Payload("a"));
  ASSERT_TRUE(r.has_value());
}

TEST_F(ActionCoreTest, StreamedInUnknownServiceAnswersAtOnce) {
  ActionStreamedInCore core(dispatcher_);
  auto r = core.Feed(Header("no.Such", "X"));
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->ok());
  EXPECT_TRUE((*r)->has_failure());
}

TEST_F(ActionCoreTest, Streamed) {
  ActionStreamedCore core(dispatcher_);
  auto header = core.OnMessage(Header(kModel, "ProcessStreamed"));
  EXPECT_TRUE(header.messages.empty());
  EXPECT_FALSE(header.finish);
  auto one = core.OnMessage(Payload("x"));
  ASSERT_EQ(one.messages.size(), 1u);
  EXPECT_TRUE(ProtoEq(one.messages[0], ActionReply(Resp("x"))));
  auto end = core.OnInputEnd();
  EXPECT_TRUE(end.finish);
  EXPECT_TRUE(end.status.ok());
}

TEST_F(ActionCoreTest, StreamedHandlerErrorEndsTheCall) {
  ActionStreamedCore core(dispatcher_);
  core.OnMessage(Header(kModel, "ProcessStreamed"));
  auto step = core.OnMessage(Payload("error"));
  EXPECT_TRUE(step.finish);
  EXPECT_EQ(step.status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ActionCoreTest, StreamedUnknownMethodFailsAndEnds) {
  ActionStreamedCore core(dispatcher_);
  auto step = core.OnMessage(Header(kModel, "Nope"));
  EXPECT_TRUE(step.finish);
  ASSERT_EQ(step.messages.size(), 1u);
  EXPECT_TRUE(step.messages[0].has_failure());
}

}  // namespace
}  // namespace cloudstate::sdk
