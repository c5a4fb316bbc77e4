// The CRDT TCK model driven through CrdtStreamCore message by message: what the kit's cases do not
// reach (connection tracking in the core, the second services, the fault names). The catalogue
// itself (C3-C82) and the fault coverage run as the kit's real cases against these models in
// process: tck/test/crdt_in_process_integration_test.cc.
#include "../src/crdt_model.h"  // private header of the library

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/crdt.pb.h"

#include "../src/fault_names.h"
#include "cloudstate/common/any.h"
#include "cloudstate/sdk/crdt_stream_core.h"

namespace cloudstate::reference_function {
namespace {

namespace tck = cloudstate::tck::model::crdt;
using cloudstate::crdt::CrdtDelta;
using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;
using cloudstate::crdt::ORMapEntryDelta;
using google::protobuf::Any;

// ------------------------------------------------------------------ model request builders

tck::Update UVote(bool v) {
  tck::Update u;
  u.mutable_vote()->set_self_vote(v);
  return u;
}
tck::RequestAction Del() {
  tck::RequestAction a;
  a.mutable_delete_();
  return a;
}

// ------------------------------------------------------------------ state builders

tck::State VO(bool self, int f, int t) {
  tck::State s;
  s.mutable_vote()->set_self_vote(self);
  s.mutable_vote()->set_votes_for(f);
  s.mutable_vote()->set_total_voters(t);
  return s;
}

// ------------------------------------------------------------------ delta builders

CrdtDelta DVO(bool self, int f = 0, int t = 0) {
  CrdtDelta d;
  d.mutable_vote()->set_self_vote(self);
  d.mutable_vote()->set_votes_for(f);
  d.mutable_vote()->set_total_voters(t);
  return d;
}
using Entries = std::initializer_list<std::pair<std::string, CrdtDelta>>;

// The TCK's Delta.sorted transform: set elements and map entries ordered by their string.
void SortAnys(google::protobuf::RepeatedPtrField<Any>* anys) {
  std::sort(anys->begin(), anys->end(), [](const Any& a, const Any& b) {
    return PrimitiveString(a).value_or("") < PrimitiveString(b).value_or("");
  });
}
void SortDelta(CrdtDelta* d) {
  if (d->has_gset()) SortAnys(d->mutable_gset()->mutable_added());
  if (d->has_orset()) {
    SortAnys(d->mutable_orset()->mutable_removed());
    SortAnys(d->mutable_orset()->mutable_added());
  }
  if (d->has_ormap()) {
    auto* m = d->mutable_ormap();
    SortAnys(m->mutable_removed());
    for (auto* entries : {m->mutable_updated(), m->mutable_added()}) {
      for (auto& e : *entries) SortDelta(e.mutable_delta());
      std::sort(
          entries->begin(), entries->end(), [](const ORMapEntryDelta& a, const ORMapEntryDelta& b) {
            return PrimitiveString(a.key()).value_or("") < PrimitiveString(b.key()).value_or("");
          });
    }
  }
}
void Normalize(CrdtStreamOut* out) {
  if (out->has_reply() && out->reply().has_state_action() &&
      out->reply().state_action().has_update()) {
    SortDelta(out->mutable_reply()->mutable_state_action()->mutable_update());
  }
}

Any Resp(const tck::State& state) {
  tck::Response r;
  *r.mutable_state() = state;
  return PackAny(r);
}

struct Expect {
  CrdtStreamOut out;
};

// CrdtReply{id, reply Response{state}, optional update delta}.
CrdtStreamOut Reply(int64_t id, std::optional<tck::State> state,
                    std::optional<CrdtDelta> delta = std::nullopt,
                    cloudstate::crdt::CrdtWriteConsistency wc = cloudstate::crdt::LOCAL) {
  CrdtStreamOut out;
  auto* r = out.mutable_reply();
  r->set_command_id(id);
  if (state) *r->mutable_client_action()->mutable_reply()->mutable_payload() = Resp(*state);
  if (delta) {
    *r->mutable_state_action()->mutable_update() = *delta;
    r->mutable_state_action()->set_write_consistency(wc);
  }
  return out;
}
CrdtStreamOut DeleteReply(int64_t id, const tck::State& state) {
  CrdtStreamOut out = Reply(id, state);
  out.mutable_reply()->mutable_state_action()->mutable_delete_();
  return out;
}
CrdtStreamOut Streamed(int64_t id, std::optional<tck::State> state, bool end = false) {
  CrdtStreamOut out;
  auto* m = out.mutable_streamed_message();
  m->set_command_id(id);
  if (state) *m->mutable_client_action()->mutable_reply()->mutable_payload() = Resp(*state);
  m->set_end_stream(end);
  return out;
}

class Stream {
 public:
  Stream(const std::string& entity_id, std::optional<CrdtDelta> init_delta = std::nullopt,
         const Faults& faults = Faults(), const std::string& service = kCrdtTckModelService)
      : registrations_(CrdtModelRegistrations(faults)),
        core_([this](std::string_view name) -> const sdk::CrdtEntityRegistration* {
          for (const auto& r : registrations_) {
            if (r.options.service->full_name() == name) return &r;
          }
          return nullptr;
        }),
        id_(entity_id) {
    CrdtStreamIn in;
    in.mutable_init()->set_service_name(service);
    in.mutable_init()->set_entity_id(entity_id);
    if (init_delta) *in.mutable_init()->mutable_delta() = *init_delta;
    auto step = core_.OnMessage(in);
    EXPECT_TRUE(step.messages.empty());
    EXPECT_FALSE(step.finish);
  }

  std::vector<CrdtStreamOut> Cmd(int64_t id, std::vector<tck::RequestAction> actions,
                                 const std::string& name = "Process") {
    tck::Request request;
    request.set_id(id_);
    for (auto& a : actions) *request.add_actions() = std::move(a);
    return Send(id, name, PackAny(request), false);
  }
  std::vector<CrdtStreamOut> Streamed(int64_t id, tck::StreamedRequest request) {
    request.set_id(id_);
    return Send(id, "ProcessStreamed", PackAny(request), true);
  }
  std::vector<CrdtStreamOut> Delta(const CrdtDelta& delta) {
    CrdtStreamIn in;
    *in.mutable_delta() = delta;
    return core_.OnMessage(in).messages;
  }
  std::vector<CrdtStreamOut> Cancel(int64_t id) {
    CrdtStreamIn in;
    in.mutable_stream_cancelled()->set_entity_id(id_);
    in.mutable_stream_cancelled()->set_id(id);
    return core_.OnMessage(in).messages;
  }
  sdk::StreamStep<CrdtStreamOut> Raw(const CrdtStreamIn& in) { return core_.OnMessage(in); }
  sdk::CrdtStreamCore& core() { return core_; }

 private:
  std::vector<CrdtStreamOut> Send(int64_t id, const std::string& name, Any payload, bool streamed) {
    CrdtStreamIn in;
    auto* c = in.mutable_command();
    c->set_entity_id(id_);
    c->set_id(id);
    c->set_name(name);
    *c->mutable_payload() = std::move(payload);
    c->set_streamed(streamed);
    auto step = core_.OnMessage(in);
    EXPECT_FALSE(step.finish);
    return step.messages;
  }

  std::vector<sdk::CrdtEntityRegistration> registrations_;
  sdk::CrdtStreamCore core_;
  std::string id_;
};

// Compares with the TCK's sorted-delta equality; prints both sides on mismatch.
::testing::AssertionResult Same(std::vector<CrdtStreamOut> got, std::vector<CrdtStreamOut> want) {
  for (auto& m : got) Normalize(&m);
  for (auto& m : want) Normalize(&m);
  bool equal = got.size() == want.size();
  for (size_t i = 0; equal && i < got.size(); ++i) {
    equal = google::protobuf::util::MessageDifferencer::Equals(got[i], want[i]);
  }
  if (equal) return ::testing::AssertionSuccess();
  auto dump = [](const std::vector<CrdtStreamOut>& v) {
    std::string s;
    for (const auto& m : v) s += m.ShortDebugString() + "\n";
    return s.empty() ? std::string("(nothing)\n") : s;
  };
  return ::testing::AssertionFailure() << "\ngot:\n" << dump(got) << "want:\n" << dump(want);
}

using V = std::vector<CrdtStreamOut>;

// ------------------------------------------------------------------ GCounter C3-C10

// ------------------------------------------------------------------ PNCounter C11-C17

// ------------------------------------------------------------------ GSet C19-C25

// ------------------------------------------------------------------ ORSet C27-C34

// ------------------------------------------------------------------ LWWRegister C35-C43

// ------------------------------------------------------------------ Flag C44-C51

// ------------------------------------------------------------------ ORMap C52-C59

// ------------------------------------------------------------------ Vote C60-C67

// ------------------------------------------------------------------ C68-C82

CrdtStreamOut StreamedReply(int64_t id, std::optional<tck::State> state,
                            std::optional<CrdtDelta> delta = std::nullopt) {
  CrdtStreamOut out = Reply(id, std::move(state), std::move(delta));
  out.mutable_reply()->set_streamed(true);
  return out;
}

CrdtStreamOut Cancelled(int64_t id, std::optional<CrdtDelta> delta) {
  CrdtStreamOut out;
  out.mutable_stream_cancelled_response()->set_command_id(id);
  if (delta) {
    *out.mutable_stream_cancelled_response()->mutable_state_action()->mutable_update() = *delta;
  }
  return out;
}

// CP4 in the core: a vote "connect" stream with an initial update notifies the monitor stream.
TEST(CrdtModelCatalogTest, CP4_ConnectionTrackingThroughTheCore) {
  Stream s("Vote-1");
  EXPECT_TRUE(Same(s.Streamed(1, {}), V{StreamedReply(1, VO(false, 0, 1))}));
  tck::StreamedRequest connect;
  *connect.mutable_initial_update() = UVote(true);
  *connect.mutable_cancel_update() = UVote(false);
  connect.set_empty(true);
  EXPECT_TRUE(Same(s.Streamed(2, connect),
                   V{StreamedReply(2, std::nullopt, DVO(true)), Streamed(1, VO(true, 1, 1))}));
  EXPECT_TRUE(Same(s.Cancel(2), V{Cancelled(2, DVO(false)), Streamed(1, VO(false, 0, 1))}));
  EXPECT_TRUE(Same(s.Cancel(1), V{Cancelled(1, std::nullopt)}));
  EXPECT_TRUE(Same(s.Cmd(3, {Del()}), V{DeleteReply(3, VO(false, 0, 1))}));
}

TEST(CrdtModelCatalogTest, SecondServices) {
  Stream two("X-1", std::nullopt, Faults(), kCrdtTwoService);
  CrdtStreamOut empty_reply;
  empty_reply.mutable_reply()->set_command_id(1);
  *empty_reply.mutable_reply()->mutable_client_action()->mutable_reply()->mutable_payload() =
      PackAny(tck::Response());
  EXPECT_TRUE(Same(two.Cmd(1, {}, "Call"), V{empty_reply}));
  CrdtStreamOut del = empty_reply;
  del.mutable_reply()->set_command_id(2);
  del.mutable_reply()->mutable_state_action()->mutable_delete_();
  EXPECT_TRUE(Same(two.Cmd(2, {Del()}, "Call"), V{del}));

  Stream configured("Y-1", std::nullopt, Faults(), kCrdtConfiguredService);
  EXPECT_TRUE(Same(configured.Cmd(1, {}, "Call"), V{empty_reply}));
  auto registrations = CrdtModelRegistrations(Faults());
  ASSERT_EQ(registrations.size(), 3u);
  EXPECT_EQ(registrations[2].options.passivation_timeout_ms, 100);
}

// ------------------------------------------------------------------ faults

TEST(CrdtModelFaultTest, EveryFaultIsRegistered) {
  for (const char* name :
       {fault::kCrdtDeltaLost, fault::kCrdtORSetRemoveWins, fault::kCrdtLwwClockIgnored,
        fault::kCrdtGCounterNotAggregated, fault::kCrdtFlagDeltaAlways, fault::kCrdtVoteFullDelta,
        fault::kCrdtWriteConsistencyDropped, fault::kCrdtStreamCancelIgnored,
        fault::kCrdtDeleteNotSent, fault::kCrdtReplicatedDeltaIgnored,
        fault::kCrdtStreamNotEnded}) {
    EXPECT_TRUE(IsKnownFault(name)) << name;
  }
}

}  // namespace
}  // namespace cloudstate::reference_function
