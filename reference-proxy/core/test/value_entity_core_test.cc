// ValueEntityCore stepped message by message: init state, writes before the reply, store failure,
// protocol violations.

#include "cloudstate/proxy_core/value_entity_core.h"

#include "gtest/gtest.h"

#include "core_test_util.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::valueentity::ValueEntityStreamIn;
using cloudstate::valueentity::ValueEntityStreamOut;
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

ValueEntityStreamOut Reply(int64_t id) {
  ValueEntityStreamOut out;
  out.mutable_reply()->set_command_id(id);
  *out.mutable_reply()->mutable_client_action()->mutable_reply()->mutable_payload() =
      AnyOf("m.Response", "ok");
  return out;
}

ValueEntityStreamOut UpdateReply(int64_t id, const std::string& value) {
  ValueEntityStreamOut out = Reply(id);
  *out.mutable_reply()->mutable_state_action()->mutable_update()->mutable_value() =
      AnyOf("m.Persisted", value);
  return out;
}

ValueEntityStreamOut DeleteReply(int64_t id) {
  ValueEntityStreamOut out = Reply(id);
  out.mutable_reply()->mutable_state_action()->mutable_delete_();
  return out;
}

std::vector<ValueEntityStreamIn> Sent(const std::vector<ve::Action>& actions) {
  std::vector<ValueEntityStreamIn> out;
  for (const auto& s : All<ve::Send>(actions)) {
    out.push_back(s.message);
  }
  return out;
}

ValueEntityCore Activated() {
  ValueEntityCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  core.OnLoaded(std::optional<google::protobuf::Any>());
  return core;
}

TEST(ValueEntityCoreTest, InitStateIsAlwaysPresent) {
  ValueEntityCore core("m.Service", "e1");
  auto actions = core.OnCommand(Cmd(1));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ve::Load>(actions[0]));
  actions = core.OnLoaded(std::optional<google::protobuf::Any>());
  EXPECT_EQ(IndexOf<ve::OpenStream>(actions), 0);
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[0].has_init());
  EXPECT_EQ(sent[0].init().service_name(), "m.Service");
  EXPECT_EQ(sent[0].init().entity_id(), "e1");
  EXPECT_TRUE(sent[0].init().has_state());           // present ...
  EXPECT_FALSE(sent[0].init().state().has_value());  // ... and empty
  EXPECT_EQ(sent[1].command().id(), 1);
  EXPECT_FALSE(sent[1].command().has_metadata());
}

TEST(ValueEntityCoreTest, InitCarriesStoredValue) {
  ValueEntityCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  auto sent = Sent(core.OnLoaded(std::optional(AnyOf("m.Persisted", "stored"))));
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent[0].init().state().value().value(), "stored");
}

TEST(ValueEntityCoreTest, UpdateIsWrittenBeforeTheReply) {
  ValueEntityCore core = Activated();
  core.OnCommand(Cmd(2));
  auto actions = core.OnStreamMessage(UpdateReply(1, "one"));
  EXPECT_FALSE(Has<ve::Complete>(actions));
  EXPECT_TRUE(Sent(actions).empty());
  auto upserts = All<ve::Upsert>(actions);
  ASSERT_EQ(upserts.size(), 1u);
  EXPECT_EQ(upserts[0].value.value(), "one");

  actions = core.OnWritten(absl::OkStatus());
  auto done = All<ve::Complete>(actions);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].output.handle, 1u);
  EXPECT_TRUE(done[0].output.action->has_reply());
  auto sent = Sent(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command().id(), 2);
}

TEST(ValueEntityCoreTest, DeleteIsWrittenBeforeTheReply) {
  ValueEntityCore core = Activated();
  auto actions = core.OnStreamMessage(DeleteReply(1));
  EXPECT_TRUE(Has<ve::Delete>(actions));
  EXPECT_FALSE(Has<ve::Complete>(actions));
  EXPECT_TRUE(Has<ve::Complete>(core.OnWritten(absl::OkStatus())));
  EXPECT_TRUE(core.idle());
}

TEST(ValueEntityCoreTest, FailureWithStateActionStillWrites) {
  ValueEntityCore core = Activated();
  ValueEntityStreamOut m = UpdateReply(1, "x");
  m.mutable_reply()->mutable_client_action()->mutable_failure()->set_description("no");
  EXPECT_TRUE(Has<ve::Upsert>(core.OnStreamMessage(m)));
  auto done = All<ve::Complete>(core.OnWritten(absl::OkStatus()));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].output.action->has_failure());
}

TEST(ValueEntityCoreTest, StoreFailureFailsCommandsAndStops) {
  ValueEntityCore core = Activated();
  core.OnCommand(Cmd(2));
  core.OnStreamMessage(UpdateReply(1, "one"));
  auto actions = core.OnWritten(absl::UnavailableError("database down"));
  auto done = All<ve::Complete>(actions);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_NE(done[0].output.error.message().find("database down"), std::string::npos);
  EXPECT_TRUE(Has<ve::ReportError>(actions));
  EXPECT_TRUE(Has<ve::CloseStream>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(ValueEntityCoreTest, LoadFailureFailsQueuedCommands) {
  ValueEntityCore core("m.Service", "e1");
  core.OnCommand(Cmd(1));
  core.OnCommand(Cmd(2));
  auto actions = core.OnLoaded(absl::InternalError("read failed"));
  EXPECT_EQ(All<ve::Complete>(actions).size(), 2u);
  EXPECT_FALSE(Has<ve::OpenStream>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(ValueEntityCoreTest, UpdateWithoutValueIsAProtocolError) {
  ValueEntityCore core = Activated();
  ValueEntityStreamOut m = Reply(1);
  m.mutable_reply()->mutable_state_action()->mutable_update();
  auto actions = core.OnStreamMessage(m);
  EXPECT_TRUE(Has<ve::ReportError>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(ValueEntityCoreTest, WrongCommandIdAndUnknownReplyCrash) {
  ValueEntityCore core = Activated();
  core.OnCommand(Cmd(2));
  auto actions = core.OnStreamMessage(Reply(9));
  auto errors = All<ve::ReportError>(actions);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("command id 9"), std::string::npos);
  EXPECT_EQ(All<ve::Complete>(actions).size(), 2u);
  EXPECT_TRUE(core.stopped());

  ValueEntityCore idle = Activated();
  idle.OnStreamMessage(Reply(1));
  errors = All<ve::ReportError>(idle.OnStreamMessage(Reply(2)));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("no command in flight"), std::string::npos);
}

TEST(ValueEntityCoreTest, StreamClosedFailsInFlightAndQueued) {
  ValueEntityCore core = Activated();
  core.OnCommand(Cmd(2));
  auto done = All<ve::Complete>(core.OnStreamClosed(absl::OkStatus()));
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].output.error.message(), "Unexpected Value entity termination");
  EXPECT_TRUE(core.stopped());
}

TEST(ValueEntityCoreTest, PassivationOnlyWhenIdle) {
  ValueEntityCore core = Activated();
  EXPECT_TRUE(core.Passivate().empty());
  core.OnStreamMessage(Reply(1));
  auto actions = core.Passivate();
  EXPECT_TRUE(Has<ve::CloseStream>(actions));
  EXPECT_TRUE(core.stopped());
}

TEST(ValueEntityCoreTest, ValueOverTheStateLimitIsRefusedAndNotWritten) {
  ValueEntityCore core = Activated();
  core.set_max_state_bytes(1000);
  auto actions = core.OnStreamMessage(UpdateReply(1, std::string(2000, 'x')));
  EXPECT_FALSE(Has<ve::Upsert>(actions));
  auto completes = All<ve::Complete>(actions);
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_EQ(completes[0].output.error.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(core.stopped());  // the next command reloads the stored value
  ValueEntityCore fine = Activated();
  fine.set_max_state_bytes(1000);
  EXPECT_TRUE(Has<ve::Upsert>(fine.OnStreamMessage(UpdateReply(1, std::string(500, 'x')))));
}

}  // namespace
}  // namespace cloudstate::proxy
