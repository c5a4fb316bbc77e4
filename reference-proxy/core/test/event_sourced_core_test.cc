// EventSourcedCore stepped message by message: activation, replay, ordering, persistence before the
// reply, restart, protocol violations and stream loss.

#include "cloudstate/proxy_core/event_sourced_core.h"

#include "gtest/gtest.h"

#include "core_test_util.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::eventsourced::EventSourcedEvent;
using cloudstate::eventsourced::EventSourcedSnapshot;
using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;
using testing::All;
using testing::AnyOf;
using testing::Has;
using testing::IndexOf;

ClientCommand Cmd(CallHandle handle, const std::string& payload = "p") {
  ClientCommand c;
  c.handle = handle;
  c.name = "Process";
  c.payload = AnyOf("m.Request", payload);
  return c;
}

EventSourcedStreamOut Reply(int64_t id, std::vector<std::string> events = {},
                            std::optional<std::string> snapshot = std::nullopt) {
  EventSourcedStreamOut out;
  auto* r = out.mutable_reply();
  r->set_command_id(id);
  *r->mutable_client_action()->mutable_reply()->mutable_payload() = AnyOf("m.Response", "ok");
  for (const auto& e : events) {
    *r->add_events() = AnyOf("m.Persisted", e);
  }
  if (snapshot.has_value()) {
    *r->mutable_snapshot() = AnyOf("m.Persisted", *snapshot);
  }
  return out;
}

EsRecovery Recovery(std::optional<int64_t> snapshot_seq, std::vector<int64_t> event_seqs) {
  EsRecovery r;
  if (snapshot_seq.has_value()) {
    EventSourcedSnapshot s;
    s.set_snapshot_sequence(*snapshot_seq);
    *s.mutable_snapshot() = AnyOf("m.Persisted", "snap");
    r.snapshot = s;
  }
  for (int64_t seq : event_seqs) {
    EventSourcedEvent e;
    e.set_sequence(seq);
    *e.mutable_payload() = AnyOf("m.Persisted", "e" + std::to_string(seq));
    r.events.push_back(e);
  }
  return r;
}

std::vector<EventSourcedStreamIn> Sent(const std::vector<es::Action>& actions) {
  std::vector<EventSourcedStreamIn> out;
  for (const auto& s : All<es::Send>(actions)) {
    out.push_back(s.message);
  }
  return out;
}

// Brings a fresh core to the ready state with one command (handle 1) in flight as id 1.
EventSourcedCore Activated(EsRecovery recovery = {}) {
  EventSourcedCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  core.OnLoaded(std::move(recovery));
  return core;
}

TEST(EventSourcedCoreTest, ActivationWithSnapshotAndReplay) {
  EventSourcedCore core("m.Service", "e1");
  auto actions = core.OnCommand(Cmd(1));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<es::Load>(actions[0]));

  actions = core.OnLoaded(Recovery(5, {6, 7}));
  ASSERT_EQ(IndexOf<es::OpenStream>(actions), 0);
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 4u);
  ASSERT_TRUE(sent[0].has_init());
  EXPECT_EQ(sent[0].init().service_name(), "m.Service");
  EXPECT_EQ(sent[0].init().entity_id(), "e1");
  ASSERT_TRUE(sent[0].init().has_snapshot());
  EXPECT_EQ(sent[0].init().snapshot().snapshot_sequence(), 5);
  EXPECT_EQ(sent[1].event().sequence(), 6);
  EXPECT_EQ(sent[2].event().sequence(), 7);
  ASSERT_TRUE(sent[3].has_command());
  EXPECT_EQ(sent[3].command().id(), 1);
  EXPECT_EQ(sent[3].command().entity_id(), "e1");
  EXPECT_EQ(sent[3].command().name(), "Process");
  EXPECT_FALSE(sent[3].command().has_metadata());  // trap §7.1: entity commands carry none
  EXPECT_FALSE(sent[3].command().streamed());
  EXPECT_EQ(core.sequence(), 7);
}

TEST(EventSourcedCoreTest, InitWithoutSnapshotWhenJournalIsEmpty) {
  EventSourcedCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  auto sent = Sent(core.OnLoaded(EsRecovery{}));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_FALSE(sent[0].init().has_snapshot());
  EXPECT_EQ(sent[1].command().id(), 1);
}

TEST(EventSourcedCoreTest, OneCommandAtATimeInOrder) {
  EventSourcedCore core = Activated();
  // Two more commands while 1 is in flight: queued, nothing sent.
  EXPECT_TRUE(Sent(core.OnCommand(Cmd(2, "b"))).empty());
  EXPECT_TRUE(Sent(core.OnCommand(Cmd(3, "c"))).empty());
  EXPECT_EQ(core.queued(), 2u);

  auto actions = core.OnStreamMessage(Reply(1));
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 1u);
  EXPECT_TRUE(done[0].output.action->has_reply());
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 2);
  EXPECT_EQ(sent[0].command().payload().value(), "b");
  // The completion comes before the next command is sent.
  EXPECT_LT(IndexOf<es::Complete>(actions), IndexOf<es::Send>(actions));

  sent = Sent(core.OnStreamMessage(Reply(2)));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 3);
  core.OnStreamMessage(Reply(3));
  EXPECT_TRUE(core.idle());
}

TEST(EventSourcedCoreTest, EventsArePersistedBeforeTheReplyAndSnapshotIsStored) {
  EventSourcedCore core = Activated(Recovery(std::nullopt, {1, 2}));
  core.OnCommand(Cmd(2));
  auto actions = core.OnStreamMessage(Reply(1, {"a", "b"}, "snap"));
  EXPECT_FALSE(Has<es::Complete>(actions));
  auto persist = All<es::Persist>(actions);
  ASSERT_EQ(persist.size(), 1u);
  EXPECT_EQ(persist[0].expected_sequence, 2);
  ASSERT_EQ(persist[0].events.size(), 2u);
  EXPECT_EQ(persist[0].events[0].value(), "a");
  ASSERT_TRUE(persist[0].snapshot.has_value());
  EXPECT_EQ(persist[0].snapshot->value(), "snap");
  // Nothing more is dispatched while persisting.
  EXPECT_TRUE(Sent(core.OnCommand(Cmd(3))).empty());

  actions = core.OnPersisted(4);
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 1u);
  EXPECT_EQ(core.sequence(), 4);
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 2);

  // The next persist continues from the new sequence.
  persist = All<es::Persist>(core.OnStreamMessage(Reply(2, {"c"})));
  ASSERT_EQ(persist.size(), 1u);
  EXPECT_EQ(persist[0].expected_sequence, 4);
  EXPECT_FALSE(persist[0].snapshot.has_value());
}

TEST(EventSourcedCoreTest, FailureWithoutRestartStillPersistsEvents) {
  EventSourcedCore core = Activated();
  EventSourcedStreamOut m = Reply(1, {"x"});
  m.mutable_reply()->mutable_client_action()->mutable_failure()->set_description("nope");
  auto actions = core.OnStreamMessage(m);
  ASSERT_TRUE(Has<es::Persist>(actions));
  auto done = All<es::Complete>(core.OnPersisted(1));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].output.action->has_failure());
  EXPECT_FALSE(core.stopped());
}

TEST(EventSourcedCoreTest, SnapshotWithoutEventsIsIgnored) {
  EventSourcedCore core = Activated();
  auto actions = core.OnStreamMessage(Reply(1, {}, "snap"));
  EXPECT_FALSE(Has<es::Persist>(actions));
  EXPECT_TRUE(Has<es::Complete>(actions));
}

TEST(EventSourcedCoreTest, StoreFailureFailsEverythingAndStops) {
  EventSourcedCore core = Activated();
  core.OnCommand(Cmd(2));
  core.OnStreamMessage(Reply(1, {"a"}));
  auto actions = core.OnPersisted(absl::UnavailableError("disk on fire"));
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  for (const auto& d : done) {
    EXPECT_FALSE(d.output.error.ok());
    EXPECT_NE(d.output.error.message().find("disk on fire"), std::string::npos);
  }
  EXPECT_TRUE(Has<es::ReportError>(actions));
  EXPECT_TRUE(Has<es::CloseStream>(actions));
  EXPECT_TRUE(Has<es::Stopped>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(EventSourcedCoreTest, RecoveryFailureFailsQueuedCommands) {
  EventSourcedCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  core.OnCommand(Cmd(2));
  auto actions = core.OnLoaded(absl::InternalError("journal gone"));
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].output.error.message(), "Entity recovery failed: journal gone");
  EXPECT_FALSE(Has<es::OpenStream>(actions));
  EXPECT_TRUE(core.stopped());
  // A stopped core refuses further commands; the shell creates a new one.
  done = All<es::Complete>(core.OnCommand(Cmd(3)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.error.message(), "Entity terminated");
}

TEST(EventSourcedCoreTest, RestartReplaysJournalAndRedeliversQueuedCommands) {
  EventSourcedCore core = Activated(Recovery(std::nullopt, {1, 2, 3}));
  core.OnCommand(Cmd(2, "second"));
  core.OnCommand(Cmd(3, "third"));

  EventSourcedStreamOut m = Reply(1, {"dropped"});
  auto* failure = m.mutable_reply()->mutable_client_action()->mutable_failure();
  failure->set_description("another failure");
  failure->set_restart(true);
  auto actions = core.OnStreamMessage(m);
  EXPECT_FALSE(Has<es::Persist>(actions));  // the reply's events are dropped
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 1u);
  EXPECT_EQ(done[0].output.action->failure().description(), "another failure");
  const int close = IndexOf<es::CloseStream>(actions);
  const int load = IndexOf<es::Load>(actions);
  ASSERT_GE(close, 0);
  ASSERT_GT(load, close);
  EXPECT_FALSE(core.stopped());

  actions = core.OnLoaded(Recovery(std::nullopt, {1, 2, 3}));
  ASSERT_TRUE(Has<es::OpenStream>(actions));
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_TRUE(sent[0].has_init());
  EXPECT_FALSE(sent[0].init().has_snapshot());
  EXPECT_EQ(sent[3].event().sequence(), 3);
  // Command ids restart at 1 on the new stream; the queued commands keep their order.
  EXPECT_EQ(sent[4].command().id(), 1);
  EXPECT_EQ(sent[4].command().payload().value(), "second");
  sent = Sent(core.OnStreamMessage(Reply(1)));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 2);
  EXPECT_EQ(sent[0].command().payload().value(), "third");
}

TEST(EventSourcedCoreTest, WrongCommandIdCrashesWithClearError) {
  EventSourcedCore core = Activated();
  core.OnCommand(Cmd(2));
  auto actions = core.OnStreamMessage(Reply(7));
  auto errors = All<es::ReportError>(actions);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("command id 7"), std::string::npos);
  EXPECT_NE(errors[0].message.find("in-flight command id 1"), std::string::npos);
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);  // in-flight and queued
  EXPECT_EQ(done[0].output.handle, 1u);
  EXPECT_EQ(done[1].output.handle, 2u);
  EXPECT_EQ(done[0].output.error.code(), absl::StatusCode::kUnknown);
  EXPECT_TRUE(Has<es::CloseStream>(actions));
  EXPECT_TRUE(core.stopped());
  // Later messages of the dead stream are ignored.
  EXPECT_TRUE(core.OnStreamMessage(Reply(1)).empty());
}

TEST(EventSourcedCoreTest, ReplyWithNoCommandInFlightCrashes) {
  EventSourcedCore core = Activated();
  core.OnStreamMessage(Reply(1));
  ASSERT_TRUE(core.idle());
  auto errors = All<es::ReportError>(core.OnStreamMessage(Reply(2)));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("no command in flight"), std::string::npos);
  EXPECT_TRUE(core.stopped());
}

TEST(EventSourcedCoreTest, TopLevelFailureAndEmptyMessageCrash) {
  EventSourcedCore core = Activated();
  EventSourcedStreamOut failure;
  failure.mutable_failure()->set_description("boom");
  auto actions = core.OnStreamMessage(failure);
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.error.message(), "Unexpected entity failure: boom");

  EventSourcedCore other = Activated();
  EXPECT_TRUE(Has<es::ReportError>(other.OnStreamMessage(EventSourcedStreamOut())));
  EXPECT_TRUE(other.stopped());
}

TEST(EventSourcedCoreTest, StreamClosedFailsInFlightAndQueued) {
  EventSourcedCore core = Activated();
  core.OnCommand(Cmd(2));
  core.OnCommand(Cmd(3));
  auto actions = core.OnStreamClosed(absl::UnavailableError("connection reset"));
  auto done = All<es::Complete>(actions);
  ASSERT_EQ(done.size(), 3u);
  for (const auto& d : done) {
    EXPECT_EQ(d.output.error.message(), "Unexpected entity termination: connection reset");
  }
  EXPECT_TRUE(core.stopped());
  EXPECT_TRUE(Has<es::Stopped>(actions));
}

TEST(EventSourcedCoreTest, PassivationOnlyWhenIdle) {
  EventSourcedCore core = Activated();
  EXPECT_TRUE(core.Passivate().empty());  // command 1 in flight
  EXPECT_FALSE(core.stopped());
  core.OnStreamMessage(Reply(1));
  auto actions = core.Passivate();
  EXPECT_TRUE(Has<es::CloseStream>(actions));
  EXPECT_TRUE(Has<es::Stopped>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(EventSourcedCoreTest, TerminateFailsEverything) {
  EventSourcedCore core = Activated();
  core.OnCommand(Cmd(2));
  auto done = All<es::Complete>(core.Terminate("Entity terminating: proxy shutdown"));
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1].output.error.message(), "Entity terminating: proxy shutdown");
  EXPECT_TRUE(core.stopped());
  EXPECT_TRUE(core.Terminate("again").empty());
}

TEST(EventSourcedCoreTest, SnapshotOverTheStateLimitIsRefusedAndNothingPersisted) {
  EventSourcedCore core = Activated();
  core.set_max_state_bytes(1000);
  auto actions = core.OnStreamMessage(Reply(1, {"e"}, std::string(2000, 'x')));
  EXPECT_FALSE(Has<es::Persist>(actions));
  auto completes = All<es::Complete>(actions);
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_EQ(completes[0].output.error.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Has<es::ReportError>(actions));
  EXPECT_TRUE(core.stopped());  // the next command starts a new incarnation from the journal
  // Within the limit, the same reply is persisted.
  EventSourcedCore fine = Activated();
  fine.set_max_state_bytes(1000);
  EXPECT_TRUE(Has<es::Persist>(fine.OnStreamMessage(Reply(1, {"e"}, std::string(500, 'x')))));
}

}  // namespace
}  // namespace cloudstate::proxy
