// CrdtCore stepped message by message: several outstanding commands, streamed calls, client
// cancellation, delete and protocol violations.

#include "cloudstate/proxy_core/crdt_core.h"

#include "gtest/gtest.h"

#include "core_test_util.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;
using testing::All;
using testing::AnyOf;
using testing::Has;
using testing::IndexOf;

ClientCommand Cmd(CallHandle handle, bool streamed = false) {
  ClientCommand c;
  c.handle = handle;
  c.name = streamed ? "ProcessStreamed" : "Process";
  c.payload = AnyOf("m.Request", "p" + std::to_string(handle));
  c.streamed = streamed;
  return c;
}

CrdtStreamOut Reply(int64_t id, std::optional<int64_t> pn_change = std::nullopt,
                    bool streamed = false) {
  CrdtStreamOut out;
  auto* r = out.mutable_reply();
  r->set_command_id(id);
  *r->mutable_client_action()->mutable_reply()->mutable_payload() = AnyOf("m.Response", "ok");
  if (pn_change.has_value()) {
    r->mutable_state_action()->mutable_update()->mutable_pncounter()->set_change(*pn_change);
  }
  r->set_streamed(streamed);
  return out;
}

std::vector<CrdtStreamIn> Sent(const std::vector<crdt::Action>& actions) {
  std::vector<CrdtStreamIn> out;
  for (const auto& s : All<crdt::Send>(actions)) {
    out.push_back(s.message);
  }
  return out;
}

TEST(CrdtCoreTest, InitWithoutDeltaThenCommand) {
  CrdtCore core("m.Crdt", "pncounter-1");
  auto actions = core.OnCommand(Cmd(1));
  EXPECT_EQ(IndexOf<crdt::OpenStream>(actions), 0);
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[0].has_init());
  EXPECT_EQ(sent[0].init().service_name(), "m.Crdt");
  EXPECT_EQ(sent[0].init().entity_id(), "pncounter-1");
  EXPECT_FALSE(sent[0].init().has_delta());
  EXPECT_EQ(sent[1].command().id(), 1);
  EXPECT_FALSE(sent[1].command().streamed());
  EXPECT_FALSE(sent[1].command().has_metadata());
}

TEST(CrdtCoreTest, StateSurvivesPassivationAndIsSentAsInitDelta) {
  CrdtSlot kept;
  {
    CrdtCore core("m.Crdt", "c");
    core.OnCommand(Cmd(1));
    core.OnStreamMessage(Reply(1, 2), 0);
    core.OnCommand(Cmd(2));
    core.OnStreamMessage(Reply(2, 5), 0);
    auto actions = core.Passivate();
    EXPECT_TRUE(Has<crdt::CloseStream>(actions));
    EXPECT_TRUE(core.stopped());
    kept = core.state();
  }
  CrdtCore again("m.Crdt", "c", kept);
  auto sent = Sent(again.OnCommand(Cmd(3)));
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[0].init().has_delta());
  EXPECT_EQ(sent[0].init().delta().pncounter().change(), 7);
}

TEST(CrdtCoreTest, SeveralOutstandingCommandsAnsweredOutOfOrder) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(10));
  auto sent = Sent(core.OnCommand(Cmd(11)));  // sent at once, no queueing
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 2);
  Sent(core.OnCommand(Cmd(12)));
  EXPECT_EQ(core.open_calls(), 3u);

  auto done = All<crdt::Complete>(core.OnStreamMessage(Reply(3, 1), 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 12u);
  EXPECT_TRUE(done[0].output.final);
  done = All<crdt::Complete>(core.OnStreamMessage(Reply(1), 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 10u);
  EXPECT_FALSE(core.idle());
  done = All<crdt::Complete>(core.OnStreamMessage(Reply(2), 0));
  EXPECT_EQ(done[0].output.handle, 11u);
  EXPECT_TRUE(core.idle());
  EXPECT_EQ(std::get<PNCounterValue>(core.state().value->v).value, 1);
}

TEST(CrdtCoreTest, StreamedCallElementsAndEnd) {
  CrdtCore core("m.Crdt", "vote-1");
  auto sent = Sent(core.OnCommand(Cmd(1, true)));
  EXPECT_TRUE(sent[1].command().streamed());
  CrdtStreamOut first = Reply(1, std::nullopt, true);
  auto done = All<crdt::Complete>(core.OnStreamMessage(first, 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done[0].output.final);
  EXPECT_FALSE(core.idle());  // an open stream keeps the entity from passivating
  EXPECT_TRUE(core.Passivate().empty());

  CrdtStreamOut msg;
  msg.mutable_streamed_message()->set_command_id(1);
  *msg.mutable_streamed_message()->mutable_client_action()->mutable_reply()->mutable_payload() =
      AnyOf("m.Response", "second");
  done = All<crdt::Complete>(core.OnStreamMessage(msg, 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done[0].output.final);
  EXPECT_EQ(done[0].output.action->reply().payload().value(), "second");

  msg.mutable_streamed_message()->set_end_stream(true);
  msg.mutable_streamed_message()->clear_client_action();
  done = All<crdt::Complete>(core.OnStreamMessage(msg, 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].output.final);
  EXPECT_TRUE(core.idle());

  // A streamed message for a finished call is reported and ignored.
  auto actions = core.OnStreamMessage(msg, 0);
  EXPECT_TRUE(Has<crdt::ReportError>(actions));
  EXPECT_FALSE(core.stopped());
}

TEST(CrdtCoreTest, NonStreamedReplyToStreamedCommandCompletesTheCall) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1, true));
  auto done = All<crdt::Complete>(core.OnStreamMessage(Reply(1), 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].output.final);
  EXPECT_TRUE(core.idle());
}

TEST(CrdtCoreTest, CancellationSendsStreamCancelledAndAppliesTheResponse) {
  CrdtCore core("m.Crdt", "vote-1");
  core.OnCommand(Cmd(1, true));
  core.OnStreamMessage(Reply(1, std::nullopt, true), 0);
  auto sent = Sent(core.OnClientCancelled(1));
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has_stream_cancelled());
  EXPECT_EQ(sent[0].stream_cancelled().id(), 1);
  EXPECT_EQ(sent[0].stream_cancelled().entity_id(), "vote-1");
  EXPECT_TRUE(Sent(core.OnClientCancelled(1)).empty());  // only once

  CrdtStreamOut resp;
  resp.mutable_stream_cancelled_response()->set_command_id(1);
  resp.mutable_stream_cancelled_response()
      ->mutable_state_action()
      ->mutable_update()
      ->mutable_vote()
      ->set_self_vote(false);
  auto actions = core.OnStreamMessage(resp, 0);
  EXPECT_FALSE(Has<crdt::Complete>(actions));  // nobody to answer
  EXPECT_TRUE(core.state().value.has_value());
  EXPECT_TRUE(core.idle());

  // A cancelled response nobody asked for is a protocol error.
  core.OnCommand(Cmd(2, true));
  resp.mutable_stream_cancelled_response()->set_command_id(2);
  EXPECT_TRUE(Has<crdt::ReportError>(core.OnStreamMessage(resp, 0)));
  EXPECT_TRUE(core.stopped());
}

TEST(CrdtCoreTest, CancellationBeforeTheFunctionAnsweredCancelsOnceOpened) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1, true));
  EXPECT_TRUE(core.OnClientCancelled(1).empty());
  auto actions = core.OnStreamMessage(Reply(1, std::nullopt, true), 0);
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has_stream_cancelled());
  CrdtStreamOut resp;
  resp.mutable_stream_cancelled_response()->set_command_id(1);
  core.OnStreamMessage(resp, 0);
  EXPECT_TRUE(core.idle());
}

TEST(CrdtCoreTest, DeleteClosesStreamFailsOthersAndLeavesTombstone) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  core.OnStreamMessage(Reply(1, 2), 0);
  core.OnCommand(Cmd(2, true));
  core.OnStreamMessage(Reply(2, std::nullopt, true), 0);  // open stream
  core.OnCommand(Cmd(3));
  CrdtStreamOut del = Reply(3);
  del.mutable_reply()->mutable_state_action()->mutable_delete_();
  auto actions = core.OnStreamMessage(del, 0);
  auto done = All<crdt::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].output.handle, 3u);
  EXPECT_TRUE(done[0].output.action->has_reply());
  EXPECT_EQ(done[1].output.handle, 2u);
  EXPECT_EQ(done[1].output.error.message(), "Entity deleted");
  EXPECT_TRUE(Has<crdt::CloseStream>(actions));
  EXPECT_FALSE(core.state().value.has_value());
  EXPECT_TRUE(core.state().deleted);

  done = All<crdt::Complete>(core.OnCommand(Cmd(4)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.error.message(), "Entity deleted");
  // A new incarnation from the kept state answers the same.
  CrdtCore next("m.Crdt", "c", core.state());
  done = All<crdt::Complete>(next.OnCommand(Cmd(5)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.error.message(), "Entity deleted");
}

TEST(CrdtCoreTest, IncompatibleDeltaCrashes) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  core.OnStreamMessage(Reply(1, 2), 0);
  core.OnCommand(Cmd(2));
  core.OnCommand(Cmd(3));
  CrdtStreamOut bad = Reply(2);
  bad.mutable_reply()->mutable_state_action()->mutable_update()->mutable_gcounter()->set_increment(
      1);
  auto actions = core.OnStreamMessage(bad, 0);
  EXPECT_TRUE(Has<crdt::ReportError>(actions));
  auto done = All<crdt::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].output.error.message().rfind("Entity terminating", 0), 0u);
  EXPECT_TRUE(core.stopped());
  EXPECT_EQ(std::get<PNCounterValue>(core.state().value->v).value, 2);  // unchanged
}

TEST(CrdtCoreTest, ProtocolViolations) {
  CrdtCore unknown("m.Crdt", "c");
  unknown.OnCommand(Cmd(1));
  auto errors = All<crdt::ReportError>(unknown.OnStreamMessage(Reply(9), 0));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("unknown command id 9"), std::string::npos);
  EXPECT_TRUE(unknown.stopped());

  CrdtCore streamed("m.Crdt", "c");
  streamed.OnCommand(Cmd(1));
  EXPECT_TRUE(Has<crdt::ReportError>(streamed.OnStreamMessage(Reply(1, std::nullopt, true), 0)));
  EXPECT_TRUE(streamed.stopped());

  CrdtCore empty("m.Crdt", "c");
  empty.OnCommand(Cmd(1));
  EXPECT_TRUE(Has<crdt::ReportError>(empty.OnStreamMessage(CrdtStreamOut(), 0)));
}

TEST(CrdtCoreTest, FailureMessageFailsOnlyItsCommand) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  core.OnCommand(Cmd(2));
  CrdtStreamOut failure;
  failure.mutable_failure()->set_command_id(2);
  failure.mutable_failure()->set_description("bad");
  auto done = All<crdt::Complete>(core.OnStreamMessage(failure, 0));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 2u);
  EXPECT_FALSE(core.stopped());
  failure.mutable_failure()->set_command_id(0);  // ignored (reported)
  EXPECT_TRUE(Has<crdt::ReportError>(core.OnStreamMessage(failure, 0)));
  EXPECT_FALSE(core.stopped());
}

TEST(CrdtCoreTest, StreamClosedFailsOutstandingCommands) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  core.OnCommand(Cmd(2, true));
  auto actions = core.OnStreamClosed(absl::UnavailableError("gone"));
  auto done = All<crdt::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_NE(done[0].output.error.message().find("Unexpected entity termination"),
            std::string::npos);
  EXPECT_TRUE(core.stopped());
}

TEST(CrdtCoreTest, LocalChangesGoOutAsStateChanged) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  auto changed = All<crdt::StateChanged>(core.OnStreamMessage(Reply(1, 3), 0));
  ASSERT_EQ(changed.size(), 1u);
  ASSERT_TRUE(changed[0].delta.has_value());
  EXPECT_EQ(changed[0].delta->pncounter().change(), 3);
  core.OnCommand(Cmd(2));
  EXPECT_FALSE(Has<crdt::StateChanged>(core.OnStreamMessage(Reply(2), 0)));  // no state action
  core.OnCommand(Cmd(3));
  CrdtStreamOut del = Reply(3);
  del.mutable_reply()->mutable_state_action()->mutable_delete_();
  changed = All<crdt::StateChanged>(core.OnStreamMessage(del, 0));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_FALSE(changed[0].delta.has_value());
}

TEST(CrdtCoreTest, ReplicatedDeltaIsAppliedAndPassedToAnOpenEntity) {
  cloudstate::crdt::CrdtDelta delta;
  delta.mutable_pncounter()->set_change(4);
  CrdtCore core("m.Crdt", "c");
  auto actions = core.OnReplicatedDelta(delta, 0);  // no stream yet: state only
  EXPECT_TRUE(actions.empty());
  auto sent = Sent(core.OnCommand(Cmd(1)));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].init().delta().pncounter().change(), 4);

  actions = core.OnReplicatedDelta(delta, 0);
  EXPECT_FALSE(Has<crdt::StateChanged>(actions));  // not announced back to the peers
  sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].has_delta());
  EXPECT_EQ(sent[0].delta().pncounter().change(), 4);
  EXPECT_EQ(std::get<PNCounterValue>(core.state().value->v).value, 8);

  cloudstate::crdt::CrdtDelta other;
  other.mutable_gcounter()->set_increment(1);
  actions = core.OnReplicatedDelta(other, 0);
  EXPECT_TRUE(Has<crdt::ReportError>(actions));
  EXPECT_TRUE(Sent(actions).empty());
  EXPECT_FALSE(core.stopped());
  EXPECT_EQ(std::get<PNCounterValue>(core.state().value->v).value, 8);
}

TEST(CrdtCoreTest, ReplicatedDeleteTellsTheFunctionAndFailsOpenCalls) {
  CrdtCore core("m.Crdt", "c");
  core.OnCommand(Cmd(1));
  core.OnStreamMessage(Reply(1, 2), 0);
  core.OnCommand(Cmd(2));
  auto actions = core.OnReplicatedDelete();
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].has_delete_());
  auto done = All<crdt::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 2u);
  EXPECT_EQ(done[0].output.error.message(), "Entity deleted");
  EXPECT_TRUE(Has<crdt::CloseStream>(actions));
  EXPECT_TRUE(core.state().deleted);
  EXPECT_TRUE(core.OnReplicatedDelete().empty());
  done = All<crdt::Complete>(core.OnCommand(Cmd(3)));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.error.message(), "Entity deleted");
}

}  // namespace
}  // namespace cloudstate::proxy
