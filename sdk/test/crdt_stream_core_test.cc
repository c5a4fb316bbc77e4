// CrdtStreamCore driven message by message: protocol errors, command failures, state actions,
// streamed calls and cancellation, with a scripted entity (each command runs a test lambda).
#include "cloudstate/sdk/crdt_stream_core.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/crdt.pb.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {
namespace {

namespace tck = cloudstate::tck::model::crdt;
using cloudstate::crdt::CrdtDelta;
using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;
using google::protobuf::Any;
using ::testing::HasSubstr;

using Script = std::function<std::optional<Any>(CrdtCommandContext&)>;

// Runs the script registered for the command's payload id ("script name").
class ScriptedEntity : public CrdtEntity {
 public:
  explicit ScriptedEntity(std::map<std::string, Script>* scripts) : scripts_(scripts) {}
  absl::StatusOr<std::optional<Any>> HandleCommand(const Any& command,
                                                   CrdtCommandContext& ctx) override {
    tck::Request request;
    if (!UnpackAny(command, &request)) {
      return absl::InvalidArgumentError("not a Request");
    }
    auto it = scripts_->find(request.id());
    if (it == scripts_->end()) {
      return absl::InternalError("no script " + request.id());
    }
    return it->second(ctx);
  }

 private:
  std::map<std::string, Script>* scripts_;
};

Any S(std::string_view s) { return PackPrimitiveString(s); }

class CrdtStreamCoreTest : public ::testing::Test {
 protected:
  CrdtStreamCoreTest()
      : registration_{{tck::Request::descriptor()->file()->FindServiceByName("CrdtTckModel"),
                       std::nullopt},
                      [this](CrdtCreationContext& ctx) -> std::unique_ptr<CrdtEntity> {
                        if (create_) {
                          create_(ctx);
                        }
                        return std::make_unique<ScriptedEntity>(&scripts_);
                      }},
        core_([this](std::string_view name) -> const CrdtEntityRegistration* {
          return name == "cloudstate.tck.model.crdt.CrdtTckModel" ? &registration_ : nullptr;
        }) {}

  StreamStep<CrdtStreamOut> Init(std::optional<CrdtDelta> delta = std::nullopt,
                                 std::string service = "cloudstate.tck.model.crdt.CrdtTckModel") {
    CrdtStreamIn in;
    in.mutable_init()->set_service_name(service);
    in.mutable_init()->set_entity_id("e-1");
    if (delta) {
      *in.mutable_init()->mutable_delta() = *delta;
    }
    return core_.OnMessage(in);
  }
  static CrdtStreamIn Command(int64_t id, const std::string& script, bool streamed = false,
                              const std::string& name = "Process") {
    CrdtStreamIn in;
    auto* c = in.mutable_command();
    c->set_entity_id("e-1");
    c->set_id(id);
    c->set_name(name);
    tck::Request request;
    request.set_id(script);
    *c->mutable_payload() = PackAny(request);
    c->set_streamed(streamed);
    return in;
  }
  StreamStep<CrdtStreamOut> Run(int64_t id, const std::string& script, bool streamed = false) {
    return core_.OnMessage(Command(id, script, streamed));
  }
  StreamStep<CrdtStreamOut> Delta(const CrdtDelta& delta) {
    CrdtStreamIn in;
    *in.mutable_delta() = delta;
    return core_.OnMessage(in);
  }
  StreamStep<CrdtStreamOut> Cancel(int64_t id) {
    CrdtStreamIn in;
    in.mutable_stream_cancelled()->set_entity_id("e-1");
    in.mutable_stream_cancelled()->set_id(id);
    return core_.OnMessage(in);
  }

  std::map<std::string, Script> scripts_;
  std::function<void(CrdtCreationContext&)> create_;
  CrdtEntityRegistration registration_;
  CrdtStreamCore core_;
};

void ExpectStreamFailure(const StreamStep<CrdtStreamOut>& step, const std::string& text) {
  ASSERT_EQ(step.messages.size(), 1u);
  ASSERT_TRUE(step.messages[0].has_failure()) << step.messages[0].ShortDebugString();
  EXPECT_THAT(step.messages[0].failure().description(), HasSubstr(text));
  EXPECT_TRUE(step.finish);
}

void ExpectCommandFailure(const StreamStep<CrdtStreamOut>& step, int64_t id,
                          const std::string& text) {
  ASSERT_EQ(step.messages.size(), 1u);
  const auto& reply = step.messages[0].reply();
  EXPECT_EQ(reply.command_id(), id);
  EXPECT_EQ(reply.client_action().failure().command_id(), id);
  EXPECT_THAT(reply.client_action().failure().description(), HasSubstr(text));
  EXPECT_FALSE(reply.has_state_action());
  EXPECT_EQ(reply.side_effects_size(), 0);
  EXPECT_FALSE(step.finish);
}

// ------------------------------------------------------------------ malformed input

TEST_F(CrdtStreamCoreTest, CommandBeforeInitFailsTheStream) {
  auto step = Run(1, "x");
  ExpectStreamFailure(step, "before init");
  EXPECT_EQ(step.messages[0].failure().command_id(), 1);
}

TEST_F(CrdtStreamCoreTest, OtherMessagesBeforeInitFailTheStream) {
  CrdtDelta d;
  d.mutable_gcounter()->set_increment(1);
  ExpectStreamFailure(Delta(d), "before init");
  ExpectStreamFailure(Cancel(3), "before init");
  ExpectStreamFailure(core_.OnMessage(CrdtStreamIn()), "empty CrdtStreamIn");
}

TEST_F(CrdtStreamCoreTest, UnknownServiceAndDoubleInit) {
  ExpectStreamFailure(Init(std::nullopt, "no.such.Service"), "unknown CRDT service [no.such");
  EXPECT_TRUE(Init().messages.empty());
  ExpectStreamFailure(Init(), "init received twice");
}

TEST_F(CrdtStreamCoreTest, EmptyInitDeltaFailsTheStream) {
  ExpectStreamFailure(Init(CrdtDelta()), "bad init delta");
}

TEST_F(CrdtStreamCoreTest, DeltaOfTheWrongTypeFailsTheStream) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<GCounter>()).ok());
  };
  Init();
  CrdtDelta d;
  d.mutable_flag()->set_value(true);
  ExpectStreamFailure(Delta(d), "received a Flag delta for entity [e-1] whose value is a GCounter");
  ExpectStreamFailure(Delta(CrdtDelta()), "received a empty delta");
}

TEST_F(CrdtStreamCoreTest, UnknownCommandAndBadPayloadFailOnlyTheCommand) {
  Init();
  ExpectCommandFailure(
      core_.OnMessage(Command(1, "x", false, "Nope")), 1,
      "Unknown command [Nope] on service [cloudstate.tck.model.crdt.CrdtTckModel]");
  CrdtStreamIn bad = Command(2, "x");
  bad.mutable_command()->mutable_payload()->set_type_url("type.googleapis.com/other.Type");
  auto step = core_.OnMessage(bad);
  ASSERT_EQ(step.messages.size(), 1u);
  EXPECT_TRUE(step.messages[0].reply().client_action().has_failure());
  EXPECT_FALSE(step.finish);
  scripts_["ok"] = [](CrdtCommandContext&) { return std::nullopt; };
  step = Run(3, "ok");
  ASSERT_EQ(step.messages.size(), 1u);
  EXPECT_EQ(step.messages[0].reply().command_id(), 3);
}

TEST_F(CrdtStreamCoreTest, HandlerErrorFailsTheStream) {
  Init();
  auto step = Run(4, "missing-script");
  ExpectStreamFailure(step, "Command handler of Process failed: no script missing-script");
  EXPECT_EQ(step.messages[0].failure().command_id(), 4);
}

// ------------------------------------------------------------------ state actions

TEST_F(CrdtStreamCoreTest, StateCreatedInACommandIsSentAndDeltaFromTheProxyCreatesState) {
  Init();
  scripts_["create"] = [](CrdtCommandContext& ctx) {
    EXPECT_TRUE(ctx.SetState(std::make_unique<LWWRegister>(S("v"))).ok());
    EXPECT_FALSE(ctx.SetState(std::make_unique<Flag>()).ok());
    return std::nullopt;
  };
  auto step = Run(1, "create");
  ASSERT_EQ(step.messages.size(), 1u);
  EXPECT_EQ(PrimitiveString(step.messages[0].reply().state_action().update().lwwregister().value()),
            "v");
  EXPECT_FALSE(step.messages[0].reply().has_client_action());
}

TEST_F(CrdtStreamCoreTest, FirstDeltaCreatesTheValue) {
  Init();
  CrdtDelta d;
  d.mutable_pncounter()->set_change(-5);
  EXPECT_TRUE(Delta(d).messages.empty());
  ASSERT_NE(core_.state(), nullptr);
  EXPECT_EQ(static_cast<const PNCounter*>(core_.state())->value(), -5);
}

TEST_F(CrdtStreamCoreTest, FailureRollsBackAndDropsEffects) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<ORSet>()).ok());
  };
  Init();
  scripts_["add-and-fail"] = [](CrdtCommandContext& ctx) {
    ctx.StateAs<ORSet>()->Add(S("a"));
    ctx.SideEffect("s", "m", tck::Request());
    ctx.Fail("nope");
    return std::optional<Any>(PackAny(tck::Response()));
  };
  ExpectCommandFailure(Run(1, "add-and-fail"), 1, "nope");
  EXPECT_EQ(static_cast<const ORSet*>(core_.state())->size(), 0u);
  EXPECT_FALSE(core_.state()->HasDelta());
}

TEST_F(CrdtStreamCoreTest, DeleteSendsOnlyADeleteAndLaterCommandsFail) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<GCounter>()).ok());
  };
  Init();
  scripts_["inc-delete"] = [](CrdtCommandContext& ctx) {
    ctx.StateAs<GCounter>()->Increment(3);
    ctx.SetWriteConsistency(cloudstate::crdt::ALL);
    ctx.Delete();
    return std::optional<Any>(PackAny(tck::Response()));
  };
  auto step = Run(1, "inc-delete");
  ASSERT_EQ(step.messages.size(), 1u);
  const auto& action = step.messages[0].reply().state_action();
  EXPECT_TRUE(action.has_delete_());
  EXPECT_FALSE(action.has_update());
  EXPECT_EQ(action.write_consistency(), cloudstate::crdt::ALL);
  EXPECT_TRUE(step.messages[0].reply().client_action().has_reply());
  ExpectCommandFailure(Run(2, "inc-delete"), 2, "Entity deleted");
}

TEST_F(CrdtStreamCoreTest, DeleteFromTheProxyIsSilentAndTheStreamEndsWithTheInput) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<GCounter>()).ok());
  };
  Init();
  CrdtStreamIn del;
  del.mutable_delete_();
  auto step = core_.OnMessage(del);
  EXPECT_TRUE(step.messages.empty());
  EXPECT_FALSE(step.finish);
  EXPECT_EQ(core_.state(), nullptr);
  step = core_.OnInputEnd();
  EXPECT_TRUE(step.finish);
  EXPECT_TRUE(step.messages.empty());
}

// ------------------------------------------------------------------ catalog scenarios as a table

struct Step {
  std::string what;  // for failure messages
  std::function<StreamStep<CrdtStreamOut>()> send;
  std::vector<std::string> expected;  // ShortDebugString of each expected message
};

std::string Dump(const CrdtStreamOut& out) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetExpandAny(false);
  std::string text;
  printer.PrintToString(out, &text);
  return text;
}

void Replay(const std::vector<Step>& steps) {
  for (const auto& step : steps) {
    auto got = step.send();
    std::vector<std::string> got_text;
    for (const auto& m : got.messages) got_text.push_back(Dump(m));
    EXPECT_EQ(got_text, step.expected) << step.what;
  }
}

std::string ORSetReply(int64_t id, bool cleared, std::vector<std::string> removed,
                       std::vector<std::string> added) {
  CrdtStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* orset = out.mutable_reply()->mutable_state_action()->mutable_update()->mutable_orset();
  orset->set_cleared(cleared);
  for (const auto& e : removed) *orset->add_removed() = S(e);
  for (const auto& e : added) *orset->add_added() = S(e);
  return Dump(out);
}
std::string EmptyReply(int64_t id) {
  CrdtStreamOut out;
  out.mutable_reply()->set_command_id(id);
  return Dump(out);
}

// C28 (ORSet state changes) through the core.
TEST_F(CrdtStreamCoreTest, TableC28ORSet) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<ORSet>()).ok());
  };
  Init();
  auto ops = [this](std::string name, std::vector<std::pair<char, std::string>> ops) {
    scripts_[name] = [ops](CrdtCommandContext& ctx) {
      auto* set = ctx.StateAs<ORSet>();
      for (const auto& [op, e] : ops) {
        if (op == '+') set->Add(S(e));
        if (op == '-') set->Remove(S(e));
        if (op == 'c') set->Clear();
      }
      return std::nullopt;
    };
  };
  ops("1", {{'+', "a"}, {'+', "b"}});
  ops("2", {{'+', "b"}, {'+', "c"}});
  ops("3", {{'+', "c"}, {'+', "a"}});
  ops("4", {{'-', "b"}, {'-', "d"}});
  ops("5", {{'-', "c"}, {'-', "d"}, {'+', "b"}, {'+', "c"}});
  ops("6", {{'c', ""}});
  ops("7", {{'+', "a"}, {'c', ""}, {'+', "x"}});
  Replay({
      {"add a,b", [&] { return Run(1, "1"); }, {ORSetReply(1, false, {}, {"a", "b"})}},
      {"add b,c", [&] { return Run(2, "2"); }, {ORSetReply(2, false, {}, {"c"})}},
      {"add c,a", [&] { return Run(3, "3"); }, {EmptyReply(3)}},
      {"remove b,d", [&] { return Run(4, "4"); }, {ORSetReply(4, false, {"b"}, {})}},
      {"remove c,d add b,c", [&] { return Run(5, "5"); }, {ORSetReply(5, false, {}, {"b"})}},
      {"clear", [&] { return Run(6, "6"); }, {ORSetReply(6, true, {}, {})}},
      {"add a clear add x", [&] { return Run(7, "7"); }, {ORSetReply(7, true, {}, {"x"})}},
  });
}

std::string VoteReply(int64_t id, std::optional<bool> self) {
  CrdtStreamOut out;
  out.mutable_reply()->set_command_id(id);
  if (self) {
    out.mutable_reply()->mutable_state_action()->mutable_update()->mutable_vote()->set_self_vote(
        *self);
  }
  return Dump(out);
}

// C61 (Vote state changes) and C64 (mixed with replicated tallies).
TEST_F(CrdtStreamCoreTest, TableC61C64Vote) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<Vote>()).ok());
  };
  Init();
  scripts_["yes"] = [](CrdtCommandContext& ctx) {
    ctx.StateAs<Vote>()->SetSelfVote(true);
    return std::nullopt;
  };
  scripts_["no"] = [](CrdtCommandContext& ctx) {
    ctx.StateAs<Vote>()->SetSelfVote(false);
    return std::nullopt;
  };
  auto tally = [this](bool self, int f, int t) {
    CrdtDelta d;
    d.mutable_vote()->set_self_vote(self);
    d.mutable_vote()->set_votes_for(f);
    d.mutable_vote()->set_total_voters(t);
    return Delta(d);
  };
  Replay({
      {"vote true", [&] { return Run(1, "yes"); }, {VoteReply(1, true)}},
      {"true again", [&] { return Run(2, "yes"); }, {VoteReply(2, std::nullopt)}},
      {"vote false", [&] { return Run(3, "no"); }, {VoteReply(3, false)}},
      {"false again", [&] { return Run(4, "no"); }, {VoteReply(4, std::nullopt)}},
      {"tally", [&] { return tally(false, 2, 4); }, {}},
      {"vote true", [&] { return Run(5, "yes"); }, {VoteReply(5, true)}},
      {"tallies", [&] { return tally(true, 5, 7); }, {}},
      {"tallies", [&] { return tally(true, 4, 6); }, {}},
      {"vote false", [&] { return Run(6, "no"); }, {VoteReply(6, false)}},
  });
  const auto* vote = static_cast<const Vote*>(core_.state());
  EXPECT_EQ(vote->votes_for(), 3);
  EXPECT_EQ(vote->total_voters(), 6);
}

std::string CounterReply(int64_t id, uint64_t inc, bool streamed = false) {
  CrdtStreamOut out;
  out.mutable_reply()->set_command_id(id);
  if (inc > 0)
    out.mutable_reply()
        ->mutable_state_action()
        ->mutable_update()
        ->mutable_gcounter()
        ->set_increment(inc);
  out.mutable_reply()->set_streamed(streamed);
  return Dump(out);
}
std::string StreamedValue(int64_t id, uint64_t value, bool end = false) {
  CrdtStreamOut out;
  auto* m = out.mutable_streamed_message();
  m->set_command_id(id);
  tck::Response r;
  r.mutable_state()->mutable_gcounter()->set_value(value);
  *m->mutable_client_action()->mutable_reply()->mutable_payload() = PackAny(r);
  m->set_end_stream(end);
  return Dump(out);
}

// C77/C78 (streamed updates, ending) and C79/C80 (cancellation) through the core.
TEST_F(CrdtStreamCoreTest, TableC77C78C79C80Streamed) {
  create_ = [](CrdtCreationContext& ctx) {
    ASSERT_TRUE(ctx.SetState(std::make_unique<GCounter>()).ok());
  };
  Init();
  scripts_["watch"] = [](CrdtCommandContext& ctx) {
    EXPECT_EQ(ctx.streamed(), ctx.OnChange([](CrdtSubscriptionContext& sub) -> std::optional<Any> {
      uint64_t v = sub.StateAs<GCounter>()->value();
      if (v >= 6) sub.EndStream();
      tck::Response r;
      r.mutable_state()->mutable_gcounter()->set_value(v);
      return PackAny(r);
    }));
    return std::nullopt;
  };
  scripts_["silent"] = [](CrdtCommandContext& ctx) {
    ctx.OnChange([](CrdtSubscriptionContext&) { return std::nullopt; });
    ctx.OnCancel([](CrdtStreamCancelledContext& c) {
      c.StateAs<GCounter>()->Increment(100);
      c.SetWriteConsistency(cloudstate::crdt::MAJORITY);
    });
    return std::nullopt;
  };
  for (uint64_t n : {1, 2, 3, 4}) {
    scripts_["+" + std::to_string(n)] = [n](CrdtCommandContext& ctx) {
      ctx.StateAs<GCounter>()->Increment(n);
      return std::nullopt;
    };
  }
  CrdtStreamOut cancelled;
  cancelled.mutable_stream_cancelled_response()->set_command_id(2);
  auto* action = cancelled.mutable_stream_cancelled_response()->mutable_state_action();
  action->mutable_update()->mutable_gcounter()->set_increment(100);
  action->set_write_consistency(cloudstate::crdt::MAJORITY);
  CrdtStreamOut cancelled_again;
  cancelled_again.mutable_stream_cancelled_response()->set_command_id(1);
  CrdtDelta remote;
  remote.mutable_gcounter()->set_increment(2);

  Replay({
      {"open watch", [&] { return Run(1, "watch", true); }, {CounterReply(1, 0, true)}},
      {"open silent", [&] { return Run(2, "silent", true); }, {CounterReply(2, 0, true)}},
      {"not streamed: no subscription",
       [&] { return Run(3, "watch", false); },
       {CounterReply(3, 0, false)}},
      {"+1", [&] { return Run(4, "+1"); }, {CounterReply(4, 1), StreamedValue(1, 1)}},
      {"remote +2", [&] { return Delta(remote); }, {StreamedValue(1, 3)}},
      {"cancel silent", [&] { return Cancel(2); }, {Dump(cancelled), StreamedValue(1, 103, true)}},
      {"+3 after the end", [&] { return Run(5, "+3"); }, {CounterReply(5, 3)}},
      {"cancel ended stream", [&] { return Cancel(1); }, {Dump(cancelled_again)}},
  });
  EXPECT_TRUE(core_.open_streams().empty());
}

}  // namespace
}  // namespace cloudstate::sdk
