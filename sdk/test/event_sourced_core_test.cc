#include <map>

#include "gtest/gtest.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/event_sourced.h"
#include "proto_matchers.h"
#include "test_entities.h"

namespace cloudstate::sdk {
namespace {

namespace m = cloudstate::tck::model;
using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;
using testing::ProtoEq;

constexpr char kModel[] = "cloudstate.tck.model.EventSourcedTckModel";
constexpr char kTwo[] = "cloudstate.tck.model.EventSourcedTwo";

m::RequestAction Emit(const std::string& v) {
  m::RequestAction a;
  a.mutable_emit()->set_value(v);
  return a;
}
m::RequestAction Fwd(const std::string& id) {
  m::RequestAction a;
  a.mutable_forward()->set_id(id);
  return a;
}
m::RequestAction Fx(const std::string& id, bool sync = false) {
  m::RequestAction a;
  a.mutable_effect()->set_id(id);
  a.mutable_effect()->set_synchronous(sync);
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

EventSourcedStreamIn Init(const std::string& service = kModel,
                          std::optional<std::pair<int64_t, std::string>> snap = std::nullopt) {
  EventSourcedStreamIn in;
  in.mutable_init()->set_service_name(service);
  in.mutable_init()->set_entity_id("entity-1");
  if (snap.has_value()) {
    in.mutable_init()->mutable_snapshot()->set_snapshot_sequence(snap->first);
    *in.mutable_init()->mutable_snapshot()->mutable_snapshot() = P(snap->second);
  }
  return in;
}

EventSourcedStreamIn Event(int64_t seq, const std::string& v) {
  EventSourcedStreamIn in;
  in.mutable_event()->set_sequence(seq);
  *in.mutable_event()->mutable_payload() = P(v);
  return in;
}

EventSourcedStreamIn Cmd(int64_t id, std::vector<m::RequestAction> actions,
                         const std::string& entity = "entity-1") {
  m::Request request;
  request.set_id(entity);
  for (auto& a : actions) {
    *request.add_actions() = a;
  }
  EventSourcedStreamIn in;
  in.mutable_command()->set_entity_id("entity-1");
  in.mutable_command()->set_id(id);
  in.mutable_command()->set_name("Process");
  *in.mutable_command()->mutable_payload() = PackAny(request);
  return in;
}

// R(n, message, events, snapshot, effects)
EventSourcedStreamOut R(int64_t id, const std::string& message,
                        std::vector<std::string> events = {},
                        std::optional<std::string> snapshot = std::nullopt,
                        std::vector<cloudstate::SideEffect> effects = {}) {
  EventSourcedStreamOut out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(id);
  m::Response response;
  response.set_message(message);
  *reply->mutable_client_action()->mutable_reply()->mutable_payload() = PackAny(response);
  for (auto& e : effects) {
    *reply->add_side_effects() = e;
  }
  for (auto& e : events) {
    *reply->add_events() = P(e);
  }
  if (snapshot.has_value()) {
    *reply->mutable_snapshot() = P(*snapshot);
  }
  return out;
}

EventSourcedStreamOut F(int64_t id, const std::string& description, bool restart = false) {
  EventSourcedStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* failure = out.mutable_reply()->mutable_client_action()->mutable_failure();
  failure->set_command_id(id);
  failure->set_description(description);
  failure->set_restart(restart);
  return out;
}

cloudstate::SideEffect Effect(const std::string& id, bool sync = false) {
  m::Request target;
  target.set_id(id);
  return MakeSideEffect(kTwo, "Call", target, sync);
}

class EventSourcedCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Register({}); }

  // Registers the model with the SDK deviations `faults` (fault_plan.h) switched on.
  void Register(std::initializer_list<SdkFault> faults, int64_t every = 5) {
    registrations_.clear();
    EventSourcedEntityOptions options;
    options.service = testing::Service(kModel);
    ASSERT_NE(options.service, nullptr);
    options.persistence_id = "p";
    options.snapshot_every = every;
    auto plan = std::make_shared<FixedFaultPlan>();
    for (SdkFault fault : faults) {
      plan->Enable(fault, kModel);
    }
    registrations_[kModel] = EventSourcedRegistration{
        options, [](std::string_view) { return std::make_unique<testing::ConcatEntity>(); }};
    core_ = std::make_unique<EventSourcedStreamCore>(
        [this](std::string_view name) -> const EventSourcedRegistration* {
          auto it = registrations_.find(std::string(name));
          return it == registrations_.end() ? nullptr : &it->second;
        },
        plan);
  }

  // Sends `in` and expects exactly one message back, not ending the stream.
  EventSourcedStreamOut One(const EventSourcedStreamIn& in) {
    auto step = core_->OnMessage(in);
    EXPECT_EQ(step.messages.size(), 1u);
    EXPECT_FALSE(step.finish);
    return step.messages.empty() ? EventSourcedStreamOut() : step.messages[0];
  }
  void Silent(const EventSourcedStreamIn& in) {
    auto step = core_->OnMessage(in);
    EXPECT_TRUE(step.messages.empty());
    EXPECT_FALSE(step.finish);
  }
  // Expects a stream-level failure that ends the stream.
  cloudstate::Failure StreamFailure(const EventSourcedStreamIn& in) {
    auto step = core_->OnMessage(in);
    EXPECT_TRUE(step.finish);
    EXPECT_TRUE(step.status.ok());
    EXPECT_EQ(step.messages.size(), 1u);
    if (step.messages.empty() || !step.messages[0].has_failure()) {
      ADD_FAILURE() << "no stream failure";
      return {};
    }
    return step.messages[0].failure();
  }

  std::map<std::string, EventSourcedRegistration> registrations_;
  std::unique_ptr<EventSourcedStreamCore> core_;
};

TEST_F(EventSourcedCoreTest, InitialEmptyState) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {})), R(1, "")));
}

TEST_F(EventSourcedCoreTest, EmittedEventsAreAppliedBeforeTheReply) {
  Silent(Init());
  EXPECT_TRUE(
      ProtoEq(One(Cmd(1, {Emit("A"), Emit("B"), Emit("C")})), R(1, "ABC", {"A", "B", "C"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {})), R(2, "ABC")));
}

TEST_F(EventSourcedCoreTest, SnapshotEveryFiveEvents) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("A")})), R(1, "A", {"A"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Emit("B")})), R(2, "AB", {"B"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {Emit("C")})), R(3, "ABC", {"C"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(4, {Emit("D")})), R(4, "ABCD", {"D"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(5, {Emit("E")})), R(5, "ABCDE", {"E"}, "ABCDE")));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(6, {Emit("F"), Emit("G"), Emit("H")})), R(6, "ABCDEFGH", {"F", "G", "H"})));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(7, {Emit("I"), Emit("J")})), R(7, "ABCDEFGHIJ", {"I", "J"}, "ABCDEFGHIJ")));
  EXPECT_TRUE(ProtoEq(One(Cmd(8, {Emit("K")})), R(8, "ABCDEFGHIJK", {"K"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(9, {})), R(9, "ABCDEFGHIJK")));
}

TEST_F(EventSourcedCoreTest, SnapshotAfterCrossingAMultiple) {
  Silent(Init());
  EXPECT_TRUE(
      ProtoEq(One(Cmd(1, {Emit("A"), Emit("B"), Emit("C")})), R(1, "ABC", {"A", "B", "C"})));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(2, {Emit("D"), Emit("E"), Fwd("x")})).reply().snapshot(), P("ABCDE")));
}

TEST_F(EventSourcedCoreTest, SnapshotWhenEventsCrossAMultipleWithoutLandingOnIt) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("A"), Emit("B"), Emit("C"), Emit("D")})),
                      R(1, "ABCD", {"A", "B", "C", "D"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Emit("E"), Emit("F")})), R(2, "ABCDEF", {"E", "F"}, "ABCDEF")));
}

TEST_F(EventSourcedCoreTest, QuirkSnapshotOnlyOnMultipleMissesACrossing) {
  Register({SdkFault::kEsSnapshotOnlyOnMultiple});
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("A"), Emit("B"), Emit("C"), Emit("D")})),
                      R(1, "ABCD", {"A", "B", "C", "D"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Emit("E"), Emit("F")})), R(2, "ABCDEF", {"E", "F"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {Emit("G"), Emit("H"), Emit("I"), Emit("J")})),
                      R(3, "ABCDEFGHIJ", {"G", "H", "I", "J"}, "ABCDEFGHIJ")));
}

TEST_F(EventSourcedCoreTest, InitialSnapshotAndEvents) {
  Silent(Init(kModel, std::make_pair(5, "ABCDE")));
  Silent(Event(6, "F"));
  Silent(Event(7, "G"));
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {})), R(1, "ABCDEFG")));
  EXPECT_EQ(core_->sequence(), 7);
  // Three more events cross 10.
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Emit("H"), Emit("I"), Emit("J")})),
                      R(2, "ABCDEFGHIJ", {"H", "I", "J"}, "ABCDEFGHIJ")));
}

TEST_F(EventSourcedCoreTest, ForwardReplacesTheReply) {
  Silent(Init());
  EventSourcedStreamOut out = One(Cmd(1, {Emit("A"), Fx("s", true), Fwd("id")}));
  m::Request target;
  target.set_id("id");
  EventSourcedStreamOut expected;
  expected.mutable_reply()->set_command_id(1);
  *expected.mutable_reply()->mutable_client_action()->mutable_forward() =
      MakeForward(kTwo, "Call", target);
  *expected.mutable_reply()->add_side_effects() = Effect("s", true);
  *expected.mutable_reply()->add_events() = P("A");
  EXPECT_TRUE(ProtoEq(out, expected));
}

TEST_F(EventSourcedCoreTest, FailureWithoutEventsKeepsTheStream) {
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("A")})), R(1, "A", {"A"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Fx("x"), Fail("expected failure")})), F(2, "expected failure")));
  EXPECT_TRUE(ProtoEq(One(Cmd(3, {})), R(3, "A")));
}

TEST_F(EventSourcedCoreTest, FailureAfterEventsDropsThemAndAsksForRestart) {
  Silent(Init());
  EXPECT_TRUE(
      ProtoEq(One(Cmd(1, {Emit("A"), Emit("B"), Emit("C")})), R(1, "ABC", {"A", "B", "C"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {Emit("4"), Emit("5"), Fail("failure 1")})),
                      F(2, "failure 1", /*restart=*/true)));
  // The stale incarnation refuses further commands with a stream failure.
  cloudstate::Failure failure = StreamFailure(Cmd(3, {}));
  EXPECT_EQ(failure.command_id(), 3);
}

TEST_F(EventSourcedCoreTest, RestartedIncarnationCountsOnlyPersistedEvents) {
  // ES20 second stream: replay A..C, then D, then emit-then-fail, then (third stream) E.
  Silent(Init());
  Silent(Event(1, "A"));
  Silent(Event(2, "B"));
  Silent(Event(3, "C"));
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("D")})), R(1, "ABCD", {"D"})));
  EXPECT_TRUE(
      ProtoEq(One(Cmd(2, {Emit("6"), Fail("failure 2"), Emit("7")})), F(2, "failure 2", true)));
  Register({});
  Silent(Init());
  for (int i = 0; i < 4; ++i) {
    Silent(Event(i + 1, std::string(1, static_cast<char>('A' + i))));
  }
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("E")})), R(1, "ABCDE", {"E"}, "ABCDE")));
}

TEST_F(EventSourcedCoreTest, CommandBeforeInitIsAStreamFailure) {
  cloudstate::Failure failure = StreamFailure(Cmd(1, {}));
  EXPECT_EQ(failure.command_id(), 1);
  EXPECT_NE(failure.description().find("before init"), std::string::npos);
}

TEST_F(EventSourcedCoreTest, SecondInitIsAStreamFailure) {
  Silent(Init());
  EXPECT_NE(StreamFailure(Init()).description().find("twice"), std::string::npos);
}

TEST_F(EventSourcedCoreTest, UnknownServiceIsAStreamFailure) {
  EXPECT_NE(StreamFailure(Init("no.Such")).description().find("no.Such"), std::string::npos);
}

TEST_F(EventSourcedCoreTest, EmptyMessageIsAStreamFailure) {
  EXPECT_FALSE(StreamFailure(EventSourcedStreamIn()).description().empty());
}

TEST_F(EventSourcedCoreTest, EventBeforeInitIsAStreamFailure) {
  EXPECT_FALSE(StreamFailure(Event(1, "A")).description().empty());
}

TEST_F(EventSourcedCoreTest, UnknownCommandIsAClientFailure) {
  Silent(Init());
  EventSourcedStreamIn in = Cmd(1, {});
  in.mutable_command()->set_name("Nope");
  EventSourcedStreamOut out = One(in);
  ASSERT_TRUE(out.reply().client_action().has_failure());
  EXPECT_NE(out.reply().client_action().failure().description().find("Nope"), std::string::npos);
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {})), R(2, "")));
}

TEST_F(EventSourcedCoreTest, BadPayloadsAreClientFailures) {
  Silent(Init());
  EventSourcedStreamIn empty_url = Cmd(1, {});
  empty_url.mutable_command()->mutable_payload()->clear_type_url();
  EXPECT_TRUE(One(empty_url).reply().client_action().has_failure());
  EventSourcedStreamIn wrong_url = Cmd(2, {});
  wrong_url.mutable_command()->mutable_payload()->set_type_url("type.googleapis.com/x.Unknown");
  EXPECT_TRUE(One(wrong_url).reply().client_action().has_failure());
  EventSourcedStreamIn garbage = Cmd(3, {});
  garbage.mutable_command()->mutable_payload()->set_value("\xff\xff\xff");
  EXPECT_TRUE(One(garbage).reply().client_action().has_failure());
  EXPECT_TRUE(ProtoEq(One(Cmd(4, {})), R(4, "")));
}

TEST_F(EventSourcedCoreTest, HandlerErrorCrashesTheEntity) {
  Silent(Init());
  cloudstate::Failure failure = StreamFailure(Cmd(7, {}, "crash"));
  EXPECT_EQ(failure.command_id(), 7);
  EXPECT_NE(failure.description().find("boom"), std::string::npos);
}

// The deliberate fault crash_on_protocol_error makes the process exit (status 3) on a protocol
// error, as an SDK that dereferences missing state would.
TEST_F(EventSourcedCoreTest, CrashQuirkExitsTheProcess) {
  core_ = std::make_unique<EventSourcedStreamCore>(
      [](std::string_view) -> const EventSourcedRegistration* { return nullptr; },
      std::make_shared<FixedFaultPlan>(FixedFaultPlan().Enable(SdkFault::kCrashOnProtocolError)));
  EXPECT_EXIT(core_->OnMessage(Cmd(1, {})), ::testing::ExitedWithCode(3), "");
}

TEST_F(EventSourcedCoreTest, QuirkWrongCommandId) {
  Register({SdkFault::kEsReplyCommandIdPlusOne});
  Silent(Init());
  EXPECT_EQ(One(Cmd(1, {})).reply().command_id(), 2);
}

TEST_F(EventSourcedCoreTest, QuirkEventsAppliedAfterHandler) {
  Register({SdkFault::kEsApplyEventsAfterHandler});
  Silent(Init());
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {Emit("A")})), R(1, "", {"A"})));
  EXPECT_TRUE(ProtoEq(One(Cmd(2, {})), R(2, "A")));
}

TEST_F(EventSourcedCoreTest, QuirkReplayReversed) {
  Register({SdkFault::kEsReplayEventsReversed});
  Silent(Init(kModel, std::make_pair(5, "ABCDE")));
  Silent(Event(6, "F"));
  Silent(Event(7, "G"));
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {})), R(1, "ABCDEGF")));
}

TEST_F(EventSourcedCoreTest, QuirkSnapshotIgnored) {
  Register({SdkFault::kEsIgnoreInitSnapshot});
  Silent(Init(kModel, std::make_pair(5, "ABCDE")));
  EXPECT_TRUE(ProtoEq(One(Cmd(1, {})), R(1, "")));
}

TEST_F(EventSourcedCoreTest, QuirkFailureKeepsEventsAndEffects) {
  Register({SdkFault::kEsKeepEventsOnFailure, SdkFault::kEsKeepSideEffectsOnFailure});
  Silent(Init());
  EventSourcedStreamOut out = One(Cmd(1, {Emit("A"), Fx("x"), Fail("f")}));
  EXPECT_EQ(out.reply().events_size(), 1);
  EXPECT_EQ(out.reply().side_effects_size(), 1);
  EXPECT_FALSE(out.reply().client_action().failure().restart());
}

}  // namespace
}  // namespace cloudstate::sdk
