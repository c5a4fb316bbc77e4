#include <map>

#include "gtest/gtest.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/value_entity.h"
#include "proto_matchers.h"
#include "test_entities.h"

namespace cloudstate::sdk {
namespace {

namespace m = cloudstate::tck::model::valueentity;
using cloudstate::valueentity::ValueEntityStreamIn;
using cloudstate::valueentity::ValueEntityStreamOut;
using testing::ProtoEq;

constexpr char kModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kTwo[] = "cloudstate.tck.model.valueentity.ValueEntityTwo";

m::RequestAction Up(const std::string& v) {
  m::RequestAction a;
  a.mutable_update()->set_value(v);
  return a;
}
m::RequestAction Del() {
  m::RequestAction a;
  a.mutable_delete_();
  return a;
}
m::RequestAction Fx(const std::string& id, bool sync = false) {
  m::RequestAction a;
  a.mutable_effect()->set_id(id);
  a.mutable_effect()->set_synchronous(sync);
  return a;
}
m::RequestAction Fwd(const std::string& id) {
  m::RequestAction a;
  a.mutable_forward()->set_id(id);
  return a;
}
m::RequestAction Fail(const std::string& msg) {
  m::RequestAction a;
  a.mutable_fail()->set_message(msg);
  return a;
}
google::protobuf::Any P(const std::string& v) {
  m::Persisted p;
  p.set_value(v);
  return PackAny(p);
}

ValueEntityStreamIn Init(std::optional<std::string> state = std::nullopt) {
  ValueEntityStreamIn in;
  in.mutable_init()->set_service_name(kModel);
  in.mutable_init()->set_entity_id("entity-1");
  in.mutable_init()->mutable_state();
  if (state.has_value()) {
    *in.mutable_init()->mutable_state()->mutable_value() = P(*state);
  }
  return in;
}

ValueEntityStreamIn Cmd(int64_t id, std::vector<m::RequestAction> actions) {
  m::Request request;
  request.set_id("entity-1");
  for (auto& a : actions) {
    *request.add_actions() = a;
  }
  ValueEntityStreamIn in;
  in.mutable_command()->set_entity_id("entity-1");
  in.mutable_command()->set_id(id);
  in.mutable_command()->set_name("Process");
  *in.mutable_command()->mutable_payload() = PackAny(request);
  return in;
}

enum class Change { kNone, kDelete };

ValueEntityStreamOut R(int64_t id, const std::string& message,
                       std::optional<std::string> update = std::nullopt,
                       Change change = Change::kNone,
                       std::vector<cloudstate::SideEffect> effects = {}) {
  ValueEntityStreamOut out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(id);
  m::Response response;
  response.set_message(message);
  *reply->mutable_client_action()->mutable_reply()->mutable_payload() = PackAny(response);
  for (auto& e : effects) {
    *reply->add_side_effects() = e;
  }
  if (update.has_value()) {
    *reply->mutable_state_action()->mutable_update()->mutable_value() = P(*update);
  }
  if (change == Change::kDelete) {
    reply->mutable_state_action()->mutable_delete_();
  }
  return out;
}

ValueEntityStreamOut F(int64_t id, const std::string& description) {
  ValueEntityStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* failure = out.mutable_reply()->mutable_client_action()->mutable_failure();
  failure->set_command_id(id);
  failure->set_description(description);
  return out;
}

class ValueEntityCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Register({}); }
  // Registers the model with the SDK deviations `faults` (fault_plan.h) switched on.
  void Register(std::initializer_list<SdkFault> faults) {
    ValueEntityOptions options;
    options.service = testing::Service(kModel);
    ASSERT_NE(options.service, nullptr);
    options.persistence_id = "p";
    auto plan = std::make_shared<FixedFaultPlan>();
    for (SdkFault fault : faults) {
      plan->Enable(fault, kModel);
    }
    registration_ = ValueEntityRegistration{
        options, [](std::string_view) { return std::make_unique<testing::ValueModel>(); }};
    core_ = std::make_unique<ValueEntityStreamCore>(
        [this](std::string_view name) -> const ValueEntityRegistration* {
          return name == kModel ? &registration_ : nullptr;
        },
        plan);
  }
  ValueEntityStreamOut One(const ValueEntityStreamIn& in) {
    auto step = core_->OnMessage(in);
    EXPECT_EQ(step.messages.size(), 1u);
    EXPECT_FALSE(step.finish);
    return step.messages.empty() ? ValueEntityStreamOut() : step.messages[0];
  }
  void Silent(const ValueEntityStreamIn& in) {
    auto step = core_->OnMessage(in);
    EXPECT_TRUE(step.messages.empty());
    EXPECT_FALSE(step.finish);
  }

  ValueEntityRegistration registration_;
  std::unique_ptr<ValueEntityStreamCore> core_;
};

TEST_F(ValueEntityCoreTest, InitialEmptyState) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {})), R(1, "")));
}

TEST_F(ValueEntityCoreTest, UpdateAndDelete) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Up("A")})), R(1, "A", "A")));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Del()})), R(2, "", std::nullopt, Change::kDelete)));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {})), R(3, "")));
}

TEST_F(ValueEntityCoreTest, SeveralChangesCollapseIntoTheLast) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Up("A"), Up("B"), Up("C")})), R(1, "C", "C")));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(2, {Up("A"), Up("B"), Del()})), R(2, "", std::nullopt, Change::kDelete)));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {Up("A"), Del(), Up("B")})), R(3, "B", "B")));
  EXPECT_TRUE(ProtoEq(One(Cmd(4, {})), R(4, "B")));
}

TEST_F(ValueEntityCoreTest, InitWithState) {
  Silent(Init("D"));
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Up("E")})), R(1, "E", "E")));
}

TEST_F(ValueEntityCoreTest, FailureKeepsStateAndDropsEffects) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Up("A")})), R(1, "A", "A")));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(2, {Up("B"), Fx("x"), Fail("expected failure")})), F(2, "expected failure")));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {})), R(3, "A")));
}

TEST_F(ValueEntityCoreTest, ForwardCarriesTheStateAction) {
  Silent(Init());
  ValueEntityStreamOut out = One(Cmd(1, {Up("A"), Fwd("id")}));
  EXPECT_TRUE(out.reply().client_action().has_forward());
  EXPECT_EQ(out.reply().client_action().forward().service_name(), kTwo);
  EXPECT_TRUE(ProtoEq(out.reply().state_action().update().value(), P("A")));
}

TEST_F(ValueEntityCoreTest, CommandBeforeInitIsAStreamFailure) {
  auto step = core_->OnMessage(Cmd(1, {}));
  EXPECT_TRUE(step.finish);
  ASSERT_EQ(step.messages.size(), 1u);
  EXPECT_TRUE(step.messages[0].has_failure());
}

TEST_F(ValueEntityCoreTest, UnknownCommandIsAClientFailure) {
  Silent(Init());
  ValueEntityStreamIn in = Cmd(1, {});
  in.mutable_command()->set_name("Nope");
  EXPECT_TRUE(One(in).reply().client_action().has_failure());
}

TEST_F(ValueEntityCoreTest, Quirks) {
  Register({SdkFault::kVeIgnoreDelete, SdkFault::kVeKeepFirstStateAction});
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Up("A"), Up("B")})), R(1, "B", "A")));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Del()})), R(2, "")));
}

}  // namespace
}  // namespace cloudstate::sdk
