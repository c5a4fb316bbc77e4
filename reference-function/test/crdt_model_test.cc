// The CRDT TCK model driven through CrdtStreamCore message by message, replaying the model cases
// of the TCK catalog (§2.5, C3-C82) with their exact expected messages, and checking that every
// CRDT fault breaks at least one of them.
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

tck::RequestAction Up(tck::Update update) {
  tck::RequestAction action;
  *action.mutable_update() = std::move(update);
  return action;
}
tck::Update UInc(uint64_t n) {
  tck::Update u;
  u.mutable_gcounter()->set_increment(n);
  return u;
}
tck::Update UChange(int64_t n) {
  tck::Update u;
  u.mutable_pncounter()->set_change(n);
  return u;
}
tck::Update UGAdd(const std::string& s) {
  tck::Update u;
  u.mutable_gset()->set_add(s);
  return u;
}
tck::Update UOAdd(const std::string& s) {
  tck::Update u;
  u.mutable_orset()->set_add(s);
  return u;
}
tck::Update UORemove(const std::string& s) {
  tck::Update u;
  u.mutable_orset()->set_remove(s);
  return u;
}
tck::Update UOClear() {
  tck::Update u;
  u.mutable_orset()->set_clear(true);
  return u;
}
tck::Update USet(const std::string& s) {
  tck::Update u;
  u.mutable_lwwregister()->set_value(s);
  return u;
}
tck::Update USetClock(const std::string& s, tck::LWWRegisterClockType clock, int64_t custom) {
  tck::Update u = USet(s);
  u.mutable_lwwregister()->mutable_clock()->set_clocktype(clock);
  u.mutable_lwwregister()->mutable_clock()->set_customclockvalue(custom);
  return u;
}
tck::Update UEnable() {
  tck::Update u;
  u.mutable_flag();
  return u;
}
tck::Update UVote(bool v) {
  tck::Update u;
  u.mutable_vote()->set_self_vote(v);
  return u;
}
tck::Update UMAdd(const std::string& key) {
  tck::Update u;
  u.mutable_ormap()->set_add(key);
  return u;
}
tck::Update UMUpdate(const std::string& key, tck::Update inner) {
  tck::Update u;
  u.mutable_ormap()->mutable_update()->set_key(key);
  *u.mutable_ormap()->mutable_update()->mutable_update() = std::move(inner);
  return u;
}
tck::Update UMRemove(const std::string& key) {
  tck::Update u;
  u.mutable_ormap()->set_remove(key);
  return u;
}
tck::Update UMClear() {
  tck::Update u;
  u.mutable_ormap()->set_clear(true);
  return u;
}
tck::Update WithWc(tck::Update u, tck::UpdateWriteConsistency wc) {
  u.set_write_consistency(wc);
  return u;
}
tck::RequestAction Del() {
  tck::RequestAction a;
  a.mutable_delete_();
  return a;
}
tck::RequestAction Fwd(const std::string& id) {
  tck::RequestAction a;
  a.mutable_forward()->set_id(id);
  return a;
}
tck::RequestAction Fx(const std::string& id, bool sync = false) {
  tck::RequestAction a;
  a.mutable_effect()->set_id(id);
  a.mutable_effect()->set_synchronous(sync);
  return a;
}
tck::RequestAction FailA(const std::string& message) {
  tck::RequestAction a;
  a.mutable_fail()->set_message(message);
  return a;
}

// ------------------------------------------------------------------ state builders

tck::State GC(uint64_t v) {
  tck::State s;
  s.mutable_gcounter()->set_value(v);
  return s;
}
tck::State PN(int64_t v) {
  tck::State s;
  s.mutable_pncounter()->set_value(v);
  return s;
}
tck::State GS(std::initializer_list<std::string> elements) {
  tck::State s;
  s.mutable_gset();
  for (const auto& e : elements) s.mutable_gset()->add_elements(e);
  return s;
}
tck::State OS(std::initializer_list<std::string> elements) {
  tck::State s;
  s.mutable_orset();
  for (const auto& e : elements) s.mutable_orset()->add_elements(e);
  return s;
}
tck::State LWW(const std::string& v) {
  tck::State s;
  s.mutable_lwwregister()->set_value(v);
  return s;
}
tck::State FL(bool v) {
  tck::State s;
  s.mutable_flag()->set_value(v);
  return s;
}
tck::State VO(bool self, int f, int t) {
  tck::State s;
  s.mutable_vote()->set_self_vote(self);
  s.mutable_vote()->set_votes_for(f);
  s.mutable_vote()->set_total_voters(t);
  return s;
}
tck::State OM(std::initializer_list<std::pair<std::string, tck::State>> entries) {
  tck::State s;
  s.mutable_ormap();
  for (const auto& [k, v] : entries) {
    auto* e = s.mutable_ormap()->add_entries();
    e->set_key(k);
    *e->mutable_value() = v;
  }
  return s;
}

// ------------------------------------------------------------------ delta builders

Any Str(const std::string& s) { return PackPrimitiveString(s); }
CrdtDelta DGC(uint64_t n) {
  CrdtDelta d;
  d.mutable_gcounter()->set_increment(n);
  return d;
}
CrdtDelta DPN(int64_t n) {
  CrdtDelta d;
  d.mutable_pncounter()->set_change(n);
  return d;
}
CrdtDelta DGS(std::initializer_list<std::string> added) {
  CrdtDelta d;
  d.mutable_gset();
  for (const auto& e : added) *d.mutable_gset()->add_added() = Str(e);
  return d;
}
CrdtDelta DOS(bool cleared, std::initializer_list<std::string> removed,
              std::initializer_list<std::string> added) {
  CrdtDelta d;
  d.mutable_orset()->set_cleared(cleared);
  for (const auto& e : removed) *d.mutable_orset()->add_removed() = Str(e);
  for (const auto& e : added) *d.mutable_orset()->add_added() = Str(e);
  return d;
}
CrdtDelta DLWW(const std::string& v, cloudstate::crdt::CrdtClock clock = cloudstate::crdt::DEFAULT,
               int64_t custom = 0) {
  CrdtDelta d;
  *d.mutable_lwwregister()->mutable_value() = Str(v);
  d.mutable_lwwregister()->set_clock(clock);
  d.mutable_lwwregister()->set_custom_clock_value(custom);
  return d;
}
CrdtDelta DFL(bool v) {
  CrdtDelta d;
  d.mutable_flag()->set_value(v);
  return d;
}
CrdtDelta DVO(bool self, int f = 0, int t = 0) {
  CrdtDelta d;
  d.mutable_vote()->set_self_vote(self);
  d.mutable_vote()->set_votes_for(f);
  d.mutable_vote()->set_total_voters(t);
  return d;
}
using Entries = std::initializer_list<std::pair<std::string, CrdtDelta>>;
CrdtDelta DOM(bool cleared, std::initializer_list<std::string> removed, Entries updated,
              Entries added) {
  CrdtDelta d;
  auto* m = d.mutable_ormap();
  m->set_cleared(cleared);
  for (const auto& k : removed) *m->add_removed() = Str(k);
  for (const auto& [k, v] : updated) {
    auto* e = m->add_updated();
    *e->mutable_key() = Str(k);
    *e->mutable_delta() = v;
  }
  for (const auto& [k, v] : added) {
    auto* e = m->add_added();
    *e->mutable_key() = Str(k);
    *e->mutable_delta() = v;
  }
  return d;
}

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
cloudstate::SideEffect TwoEffect(const std::string& id, bool sync) {
  cloudstate::SideEffect e;
  e.set_service_name(kCrdtTwoService);
  e.set_command_name("Call");
  tck::Request r;
  r.set_id(id);
  *e.mutable_payload() = PackAny(r);
  e.set_synchronous(sync);
  return e;
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

TEST(CrdtModelCatalogTest, C3_C4_GCounterEmptyAndStateChanges) {
  Stream s("GCounter-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, GC(0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UInc(42))}), V{Reply(2, GC(42), DGC(42))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UInc(1)), Up(UInc(2)), Up(UInc(3))}), V{Reply(3, GC(48), DGC(6))}));
}

TEST(CrdtModelCatalogTest, C5_C6_GCounterInitialDelta) {
  Stream init("GCounter-1", DGC(42));
  EXPECT_TRUE(Same(init.Cmd(1, {Up(UInc(123))}), V{Reply(1, GC(165), DGC(123))}));
  Stream replicated("GCounter-2");
  EXPECT_TRUE(Same(replicated.Delta(DGC(42)), V{}));
  EXPECT_TRUE(Same(replicated.Cmd(1, {Up(UInc(123))}), V{Reply(1, GC(165), DGC(123))}));
}

TEST(CrdtModelCatalogTest, C7_C8_GCounterMixAndRehydration) {
  Stream s("GCounter-1");
  EXPECT_TRUE(Same(s.Cmd(1, {Up(UInc(1))}), V{Reply(1, GC(1), DGC(1))}));
  s.Delta(DGC(2));
  s.Delta(DGC(3));
  EXPECT_TRUE(Same(s.Cmd(2, {}), V{Reply(2, GC(6))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UInc(4))}), V{Reply(3, GC(10), DGC(4))}));
  s.Delta(DGC(5));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UInc(6))}), V{Reply(4, GC(21), DGC(6))}));

  Stream second("GCounter-1", DGC(6));
  EXPECT_TRUE(Same(second.Cmd(1, {}), V{Reply(1, GC(6))}));
  second.Delta(DGC(4));
  EXPECT_TRUE(Same(second.Cmd(2, {Up(UInc(5))}), V{Reply(2, GC(15), DGC(5))}));
}

TEST(CrdtModelCatalogTest, C9_C10_GCounterDelete) {
  Stream s("GCounter-1");
  s.Cmd(1, {Up(UInc(42))});
  EXPECT_TRUE(Same(s.Cmd(2, {Del()}), V{DeleteReply(2, GC(42))}));

  Stream t("GCounter-2");
  CrdtStreamIn del;
  del.mutable_delete_();
  auto step = t.Raw(del);
  EXPECT_TRUE(step.messages.empty());
  EXPECT_FALSE(step.finish);
  step = t.core().OnInputEnd();
  EXPECT_TRUE(step.messages.empty());
  EXPECT_TRUE(step.finish);
  EXPECT_TRUE(step.status.ok());
}

// ------------------------------------------------------------------ PNCounter C11-C17

TEST(CrdtModelCatalogTest, C11_C12_C13_C14_PNCounter) {
  Stream s("PNCounter-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, PN(0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UChange(1)), Up(UChange(-2)), Up(UChange(3))}),
                   V{Reply(2, PN(2), DPN(2))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UChange(-4)), Up(UChange(5)), Up(UChange(-6))}),
                   V{Reply(3, PN(-3), DPN(-5))}));
  Stream init("PNCounter-2", DPN(42));
  EXPECT_TRUE(Same(init.Cmd(1, {Up(UChange(-123))}), V{Reply(1, PN(-81), DPN(-123))}));
  Stream replicated("PNCounter-3");
  replicated.Delta(DPN(-42));
  EXPECT_TRUE(Same(replicated.Cmd(1, {Up(UChange(123))}), V{Reply(1, PN(81), DPN(123))}));
}

TEST(CrdtModelCatalogTest, C15_C16_C17_PNCounterMixRehydrationDelete) {
  Stream s("PNCounter-1");
  s.Cmd(1, {Up(UChange(1))});
  s.Delta(DPN(-2));
  s.Delta(DPN(3));
  EXPECT_TRUE(Same(s.Cmd(2, {}), V{Reply(2, PN(2))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UChange(-4))}), V{Reply(3, PN(-2), DPN(-4))}));
  s.Delta(DPN(5));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UChange(-6))}), V{Reply(4, PN(-3), DPN(-6))}));
  Stream second("PNCounter-1", DPN(2));
  second.Delta(DPN(-4));
  EXPECT_TRUE(Same(second.Cmd(1, {Up(UChange(5))}), V{Reply(1, PN(3), DPN(5))}));
  EXPECT_TRUE(Same(second.Cmd(2, {Del()}), V{DeleteReply(2, PN(3))}));
}

// ------------------------------------------------------------------ GSet C19-C25

TEST(CrdtModelCatalogTest, C19_C20_GSetStateChanges) {
  Stream s("GSet-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, GS({}))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UGAdd("a")), Up(UGAdd("b"))}),
                   V{Reply(2, GS({"a", "b"}), DGS({"a", "b"}))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UGAdd("b")), Up(UGAdd("c"))}),
                   V{Reply(3, GS({"a", "b", "c"}), DGS({"c"}))}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UGAdd("c")), Up(UGAdd("a"))}), V{Reply(4, GS({"a", "b", "c"}))}));
}

TEST(CrdtModelCatalogTest, C21_C23_GSetInitAndMix) {
  Stream init("GSet-1", DGS({"a", "b", "c"}));
  EXPECT_TRUE(Same(init.Cmd(1, {Up(UGAdd("c")), Up(UGAdd("d")), Up(UGAdd("e"))}),
                   V{Reply(1, GS({"a", "b", "c", "d", "e"}), DGS({"d", "e"}))}));
  Stream s("GSet-2");
  s.Cmd(1, {Up(UGAdd("a"))});
  s.Delta(DGS({"a"}));
  s.Delta(DGS({"b"}));
  s.Delta(DGS({"c"}));
  EXPECT_TRUE(Same(s.Cmd(2, {}), V{Reply(2, GS({"a", "b", "c"}))}));
  s.Cmd(3, {Up(UGAdd("c")), Up(UGAdd("d")), Up(UGAdd("e"))});
  s.Delta(DGS({"f"}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UGAdd("g")), Up(UGAdd("d")), Up(UGAdd("b"))}),
                   V{Reply(4, GS({"a", "b", "c", "d", "e", "f", "g"}), DGS({"g"}))}));
}

// ------------------------------------------------------------------ ORSet C27-C34

TEST(CrdtModelCatalogTest, C27_C28_ORSetStateChanges) {
  Stream s("ORSet-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, OS({}))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UOAdd("a")), Up(UOAdd("b"))}),
                   V{Reply(2, OS({"a", "b"}), DOS(false, {}, {"a", "b"}))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UOAdd("b")), Up(UOAdd("c"))}),
                   V{Reply(3, OS({"a", "b", "c"}), DOS(false, {}, {"c"}))}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UOAdd("c")), Up(UOAdd("a"))}), V{Reply(4, OS({"a", "b", "c"}))}));
  EXPECT_TRUE(Same(s.Cmd(5, {Up(UORemove("b")), Up(UORemove("d"))}),
                   V{Reply(5, OS({"a", "c"}), DOS(false, {"b"}, {}))}));
  EXPECT_TRUE(Same(s.Cmd(6, {Up(UORemove("c")), Up(UORemove("d")), Up(UOAdd("b")), Up(UOAdd("c"))}),
                   V{Reply(6, OS({"a", "b", "c"}), DOS(false, {}, {"b"}))}));
  EXPECT_TRUE(Same(s.Cmd(7, {Up(UOClear())}), V{Reply(7, OS({}), DOS(true, {}, {}))}));
  EXPECT_TRUE(Same(s.Cmd(8, {Up(UOAdd("a")), Up(UOClear()), Up(UOAdd("x"))}),
                   V{Reply(8, OS({"x"}), DOS(true, {}, {"x"}))}));
}

TEST(CrdtModelCatalogTest, C29_C30_C32_ORSetInitReplicatedRehydration) {
  Stream init("ORSet-1", DOS(false, {}, {"a", "b", "c"}));
  EXPECT_TRUE(Same(init.Cmd(1, {Up(UORemove("c")), Up(UOAdd("d"))}),
                   V{Reply(1, OS({"a", "b", "d"}), DOS(false, {"c"}, {"d"}))}));
  Stream replicated("ORSet-2");
  replicated.Delta(DOS(false, {}, {"x", "y"}));
  EXPECT_TRUE(Same(replicated.Cmd(1, {Up(UORemove("x")), Up(UOAdd("z"))}),
                   V{Reply(1, OS({"y", "z"}), DOS(false, {"x"}, {"z"}))}));
  Stream second("ORSet-3", DOS(false, {}, {"b", "c"}));
  second.Delta(DOS(true, {}, {"p", "q"}));
  EXPECT_TRUE(Same(second.Cmd(1, {Up(UOAdd("x")), Up(UOAdd("y")), Up(UORemove("x"))}),
                   V{Reply(1, OS({"p", "q", "y"}), DOS(false, {}, {"y"}))}));
}

TEST(CrdtModelCatalogTest, C31_ORSetMix) {
  Stream s("ORSet-1");
  s.Cmd(1, {Up(UOAdd("a"))});
  s.Delta(DOS(false, {}, {"a", "b"}));
  s.Delta(DOS(false, {}, {"c", "d"}));
  s.Delta(DOS(false, {"b", "d"}, {}));
  EXPECT_TRUE(Same(s.Cmd(2, {}), V{Reply(2, OS({"a", "c"}))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UOAdd("c")), Up(UOAdd("d")), Up(UOAdd("e"))}),
                   V{Reply(3, OS({"a", "c", "d", "e"}), DOS(false, {}, {"d", "e"}))}));
  s.Delta(DOS(false, {"a", "c"}, {"f"}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UOAdd("g")), Up(UORemove("a")), Up(UORemove("d"))}),
                   V{Reply(4, OS({"e", "f", "g"}), DOS(false, {"d"}, {"g"}))}));
  s.Delta(DOS(true, {}, {"x", "y", "z"}));
  EXPECT_TRUE(Same(s.Cmd(5, {Up(UOAdd("q")), Up(UOAdd("x")), Up(UORemove("z"))}),
                   V{Reply(5, OS({"q", "x", "y"}), DOS(false, {"z"}, {"q"}))}));
  s.Delta(DOS(false, {"x", "y"}, {"r", "p"}));
  EXPECT_TRUE(Same(s.Cmd(6, {Up(UOAdd("s"))}),
                   V{Reply(6, OS({"p", "q", "r", "s"}), DOS(false, {}, {"s"}))}));
  s.Delta(DOS(false, {}, {"a", "b", "c"}));
  EXPECT_TRUE(Same(s.Cmd(7, {Up(UOClear()), Up(UOAdd("abc"))}),
                   V{Reply(7, OS({"abc"}), DOS(true, {}, {"abc"}))}));
}

// ------------------------------------------------------------------ LWWRegister C35-C43

TEST(CrdtModelCatalogTest, C35_C36_LWWRegisterEmptyAndChanges) {
  Stream s("LWWRegister-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, LWW(""), DLWW(""))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(USet("one"))}), V{Reply(2, LWW("one"), DLWW("one"))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(USet("two"))}), V{Reply(3, LWW("two"), DLWW("two"))}));
}

TEST(CrdtModelCatalogTest, C37_C38_LWWRegisterInitAndReplicated) {
  Stream init("LWWRegister-1", DLWW("one"));
  EXPECT_TRUE(Same(init.Cmd(1, {}), V{Reply(1, LWW("one"))}));
  Stream replicated("LWWRegister-2");
  replicated.Delta(DLWW("one"));
  EXPECT_TRUE(Same(replicated.Cmd(1, {}), V{Reply(1, LWW("one"))}));
}

TEST(CrdtModelCatalogTest, C39_C41_LWWRegisterMixAndRehydration) {
  Stream s("LWWRegister-1");
  EXPECT_TRUE(Same(s.Cmd(1, {Up(USet("A"))}), V{Reply(1, LWW("A"), DLWW("A"))}));
  s.Delta(DLWW("B"));
  s.Delta(DLWW("C"));
  EXPECT_TRUE(Same(s.Cmd(2, {}), V{Reply(2, LWW("C"))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(USet("D"))}), V{Reply(3, LWW("D"), DLWW("D"))}));
  s.Delta(DLWW("D"));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(USet("E"))}), V{Reply(4, LWW("E"), DLWW("E"))}));
  Stream second("LWWRegister-1", DLWW("C"));
  EXPECT_TRUE(Same(second.Cmd(1, {}), V{Reply(1, LWW("C"))}));
  second.Delta(DLWW("D"));
  EXPECT_TRUE(Same(second.Cmd(2, {Up(USet("E"))}), V{Reply(2, LWW("E"), DLWW("E"))}));
  EXPECT_TRUE(Same(second.Cmd(3, {Del()}), V{DeleteReply(3, LWW("E"))}));
}

TEST(CrdtModelCatalogTest, C40_LWWRegisterClocks) {
  Stream s("LWWRegister-1");
  EXPECT_TRUE(Same(s.Cmd(1, {Up(USetClock("A", tck::REVERSE, 0))}),
                   V{Reply(1, LWW("A"), DLWW("A", cloudstate::crdt::REVERSE, 0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(USetClock("A", tck::CUSTOM, 123))}),
                   V{Reply(2, LWW("A"), DLWW("A", cloudstate::crdt::CUSTOM, 123))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(USetClock("A", tck::CUSTOM_AUTO_INCREMENT, 456))}),
                   V{Reply(2, LWW("A"), DLWW("A", cloudstate::crdt::CUSTOM_AUTO_INCREMENT, 456))}));
}

// ------------------------------------------------------------------ Flag C44-C51

TEST(CrdtModelCatalogTest, C44_C45_C46_C47_Flag) {
  Stream s("Flag-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, FL(false))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UEnable())}), V{Reply(2, FL(true), DFL(true))}));
  Stream init_false("Flag-2", DFL(false));
  EXPECT_TRUE(Same(init_false.Cmd(1, {}), V{Reply(1, FL(false))}));
  Stream init_true("Flag-2", DFL(true));
  EXPECT_TRUE(Same(init_true.Cmd(1, {}), V{Reply(1, FL(true))}));
  Stream replicated("Flag-3");
  replicated.Delta(DFL(true));
  EXPECT_TRUE(Same(replicated.Cmd(1, {}), V{Reply(1, FL(true))}));
}

TEST(CrdtModelCatalogTest, C48_FlagMix) {
  Stream s("Flag-1");
  s.Delta(DFL(false));
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, FL(false))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UEnable())}), V{Reply(2, FL(true), DFL(true))}));
  s.Delta(DFL(true));
  s.Delta(DFL(false));
  EXPECT_TRUE(Same(s.Cmd(3, {}), V{Reply(3, FL(true))}));
  Stream t("Flag-2");
  t.Delta(DFL(true));
  EXPECT_TRUE(Same(t.Cmd(1, {}), V{Reply(1, FL(true))}));
  EXPECT_TRUE(Same(t.Cmd(2, {Up(UEnable())}), V{Reply(2, FL(true))}));
  t.Delta(DFL(true));
  t.Delta(DFL(false));
  EXPECT_TRUE(Same(t.Cmd(3, {}), V{Reply(3, FL(true))}));
  EXPECT_TRUE(Same(t.Cmd(4, {Up(UEnable()), Del()}), V{DeleteReply(4, FL(true))}));
}

// ------------------------------------------------------------------ ORMap C52-C59

TEST(CrdtModelCatalogTest, C52_C53_ORMapStateChanges) {
  Stream s("ORMap-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, OM({}))}));
  EXPECT_TRUE(Same(
      s.Cmd(2, {Up(UMAdd("PNCounter-1")), Up(UMAdd("ORSet-1"))}),
      V{Reply(2, OM({{"ORSet-1", OS({})}, {"PNCounter-1", PN(0)}}),
              DOM(false, {}, {}, {{"ORSet-1", DOS(false, {}, {})}, {"PNCounter-1", DPN(0)}}))}));
  EXPECT_TRUE(Same(
      s.Cmd(3, {Up(UMAdd("ORSet-1")), Up(UMUpdate("LWWRegister-1", USet("zero")))}),
      V{Reply(3, OM({{"LWWRegister-1", LWW("zero")}, {"ORSet-1", OS({})}, {"PNCounter-1", PN(0)}}),
              DOM(false, {}, {}, {{"LWWRegister-1", DLWW("zero")}}))}));
  EXPECT_TRUE(Same(
      s.Cmd(4,
            {Up(UMUpdate("PNCounter-1", UChange(42))), Up(UMUpdate("LWWRegister-1", USet("one")))}),
      V{Reply(4, OM({{"LWWRegister-1", LWW("one")}, {"ORSet-1", OS({})}, {"PNCounter-1", PN(42)}}),
              DOM(false, {}, {{"LWWRegister-1", DLWW("one")}, {"PNCounter-1", DPN(42)}}, {}))}));
  EXPECT_TRUE(
      Same(s.Cmd(5, {Up(UMUpdate("ORSet-1", UOAdd("a"))), Up(UMUpdate("ORSet-1", UOAdd("b"))),
                     Up(UMUpdate("ORSet-1", UOAdd("c")))}),
           V{Reply(5,
                   OM({{"LWWRegister-1", LWW("one")},
                       {"ORSet-1", OS({"a", "b", "c"})},
                       {"PNCounter-1", PN(42)}}),
                   DOM(false, {}, {{"ORSet-1", DOS(false, {}, {"a", "b", "c"})}}, {}))}));
  EXPECT_TRUE(
      Same(s.Cmd(6, {Up(UMUpdate("ORSet-1", UORemove("b"))), Up(UMUpdate("ORSet-1", UOAdd("d"))),
                     Up(UMUpdate("PNCounter-1", UChange(-123))),
                     Up(UMUpdate("LWWRegister-1", USet("two")))}),
           V{Reply(6,
                   OM({{"LWWRegister-1", LWW("two")},
                       {"ORSet-1", OS({"a", "c", "d"})},
                       {"PNCounter-1", PN(-81)}}),
                   DOM(false, {},
                       {{"LWWRegister-1", DLWW("two")},
                        {"ORSet-1", DOS(false, {"b"}, {"d"})},
                        {"PNCounter-1", DPN(-123)}},
                       {}))}));
  EXPECT_TRUE(Same(s.Cmd(7, {Up(UMRemove("ORSet-1"))}),
                   V{Reply(7, OM({{"LWWRegister-1", LWW("two")}, {"PNCounter-1", PN(-81)}}),
                           DOM(false, {"ORSet-1"}, {}, {}))}));
  EXPECT_TRUE(Same(s.Cmd(8, {Up(UMRemove("LWWRegister-1")), Up(UMUpdate("Flag-1", UEnable()))}),
                   V{Reply(8, OM({{"Flag-1", FL(true)}, {"PNCounter-1", PN(-81)}}),
                           DOM(false, {"LWWRegister-1"}, {}, {{"Flag-1", DFL(true)}}))}));
  EXPECT_TRUE(Same(s.Cmd(9, {Up(UMClear())}), V{Reply(9, OM({}), DOM(true, {}, {}, {}))}));
  EXPECT_TRUE(Same(
      s.Cmd(10, {Up(UMAdd("PNCounter-2")), Up(UMClear()), Up(UMUpdate("GCounter-1", UInc(123)))}),
      V{Reply(10, OM({{"GCounter-1", GC(123)}}), DOM(true, {}, {}, {{"GCounter-1", DGC(123)}}))}));
}

TEST(CrdtModelCatalogTest, C54_C55_C57_ORMapInitReplicatedRehydration) {
  Stream init("ORMap-1", DOM(false, {}, {},
                             {{"PNCounter-1", DPN(123)},
                              {"LWWRegister-1", DLWW("one")},
                              {"GSet-1", DGS({"a", "b", "c"})}}));
  auto state = OM(
      {{"GSet-1", GS({"a", "b", "c"})}, {"LWWRegister-1", LWW("one")}, {"PNCounter-1", PN(123)}});
  EXPECT_TRUE(Same(init.Cmd(1, {}), V{Reply(1, state)}));
  EXPECT_TRUE(
      Same(init.Cmd(2, {Up(UMRemove("LWWRegister-1")), Up(UMUpdate("PNCounter-1", UChange(-42)))}),
           V{Reply(2, OM({{"GSet-1", GS({"a", "b", "c"})}, {"PNCounter-1", PN(81)}}),
                   DOM(false, {"LWWRegister-1"}, {{"PNCounter-1", DPN(-42)}}, {}))}));

  Stream replicated("ORMap-2");
  replicated.Delta(DOM(false, {}, {},
                       {{"GCounter-1", DGC(42)},
                        {"ORSet-1", DOS(false, {}, {"a", "b", "c"})},
                        {"Flag-1", DFL(false)}}));
  EXPECT_TRUE(Same(replicated.Cmd(1, {}), V{Reply(1, OM({{"Flag-1", FL(false)},
                                                         {"GCounter-1", GC(42)},
                                                         {"ORSet-1", OS({"a", "b", "c"})}}))}));

  Stream s("ORMap-3");
  s.Delta(DOM(false, {}, {}, {{"PNCounter-1", DPN(123)}}));
  EXPECT_TRUE(Same(s.Cmd(1, {Up(UMUpdate("PNCounter-1", UChange(321)))}),
                   V{Reply(1, OM({{"PNCounter-1", PN(444)}}),
                           DOM(false, {}, {{"PNCounter-1", DPN(321)}}, {}))}));
  Stream second("ORMap-3", DOM(false, {}, {}, {{"PNCounter-1", DPN(444)}}));
  EXPECT_TRUE(Same(second.Cmd(1, {}), V{Reply(1, OM({{"PNCounter-1", PN(444)}}))}));
  second.Delta(DOM(false, {}, {{"PNCounter-1", DPN(-42)}}, {}));
  EXPECT_TRUE(Same(second.Cmd(2, {Up(UMUpdate("PNCounter-1", UChange(-360)))}),
                   V{Reply(2, OM({{"PNCounter-1", PN(42)}}),
                           DOM(false, {}, {{"PNCounter-1", DPN(-360)}}, {}))}));
}

TEST(CrdtModelCatalogTest, C56_ORMapMix) {
  Stream s("ORMap-1");
  EXPECT_TRUE(Same(
      s.Cmd(1, {Up(UMAdd("PNCounter-1"))}),
      V{Reply(1, OM({{"PNCounter-1", PN(0)}}), DOM(false, {}, {}, {{"PNCounter-1", DPN(0)}}))}));
  s.Delta(DOM(false, {}, {}, {{"ORSet-1", DOS(false, {}, {"x"})}}));
  s.Delta(
      DOM(false, {}, {{"ORSet-1", DOS(false, {}, {"y", "z"})}}, {{"LWWRegister-1", DLWW("one")}}));
  EXPECT_TRUE(Same(
      s.Cmd(2, {Up(UMAdd("ORSet-2")), Up(UMUpdate("LWWRegister-2", USet("two")))}),
      V{Reply(
          2,
          OM({{"LWWRegister-1", LWW("one")},
              {"LWWRegister-2", LWW("two")},
              {"ORSet-1", OS({"x", "y", "z"})},
              {"ORSet-2", OS({})},
              {"PNCounter-1", PN(0)}}),
          DOM(false, {}, {}, {{"LWWRegister-2", DLWW("two")}, {"ORSet-2", DOS(false, {}, {})}}))}));
  EXPECT_TRUE(Same(
      s.Cmd(3,
            {Up(UMUpdate("PNCounter-1", UChange(42))), Up(UMUpdate("LWWRegister-1", USet("ONE")))}),
      V{Reply(3,
              OM({{"LWWRegister-1", LWW("ONE")},
                  {"LWWRegister-2", LWW("two")},
                  {"ORSet-1", OS({"x", "y", "z"})},
                  {"ORSet-2", OS({})},
                  {"PNCounter-1", PN(42)}}),
              DOM(false, {}, {{"LWWRegister-1", DLWW("ONE")}, {"PNCounter-1", DPN(42)}}, {}))}));
  s.Delta(DOM(false, {"LWWRegister-2"}, {},
              {{"ORMap-1", DOM(false, {}, {}, {{"PNCounter-1", DPN(123)}})}}));
  s.Delta(DOM(false, {"ORSet-1"},
              {{"ORSet-2", DOS(false, {}, {"a", "b", "c"})},
               {"ORMap-1", DOM(false, {}, {}, {{"LWWRegister-1", DLWW("ABC")}})}},
              {}));
  EXPECT_TRUE(Same(
      s.Cmd(4, {Up(UMUpdate("ORMap-1", UMUpdate("PNCounter-1", UChange(-456))))}),
      V{Reply(
          4,
          OM({{"LWWRegister-1", LWW("ONE")},
              {"ORMap-1", OM({{"LWWRegister-1", LWW("ABC")}, {"PNCounter-1", PN(-333)}})},
              {"ORSet-2", OS({"a", "b", "c"})},
              {"PNCounter-1", PN(42)}}),
          DOM(false, {}, {{"ORMap-1", DOM(false, {}, {{"PNCounter-1", DPN(-456)}}, {})}}, {}))}));
  s.Delta(DOM(true, {}, {}, {{"GSet-1", DGS({"1", "2", "3"})}}));
  EXPECT_TRUE(Same(s.Cmd(5, {Up(UMRemove("PNCounter-1")), Up(UMRemove("LWWRegister-1")),
                             Up(UMUpdate("GSet-1", UGAdd("2"))), Up(UMUpdate("GSet-1", UGAdd("4"))),
                             Up(UMUpdate("GSet-1", UGAdd("6")))}),
                   V{Reply(5, OM({{"GSet-1", GS({"1", "2", "3", "4", "6"})}}),
                           DOM(false, {}, {{"GSet-1", DGS({"4", "6"})}}, {}))}));
  EXPECT_TRUE(
      Same(s.Cmd(6, {Up(UMClear()), Up(UMAdd("GCounter-1"))}),
           V{Reply(6, OM({{"GCounter-1", GC(0)}}), DOM(true, {}, {}, {{"GCounter-1", DGC(0)}}))}));
  s.Delta(DOM(false, {"GSet-1"}, {}, {{"GCounter-1", DGC(42)}}));
  EXPECT_TRUE(Same(
      s.Cmd(7, {Up(UMUpdate("GCounter-1", UInc(7)))}),
      V{Reply(7, OM({{"GCounter-1", GC(49)}}), DOM(false, {}, {{"GCounter-1", DGC(7)}}, {}))}));
}

TEST(CrdtModelCatalogTest, C58_ORMapDelete) {
  Stream s("ORMap-1");
  EXPECT_TRUE(
      Same(s.Cmd(1, {Up(UMAdd("Flag-1"))}),
           V{Reply(1, OM({{"Flag-1", FL(false)}}), DOM(false, {}, {}, {{"Flag-1", DFL(false)}}))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UMUpdate("Flag-1", UEnable())), Del()}),
                   V{DeleteReply(2, OM({{"Flag-1", FL(true)}}))}));
}

// ------------------------------------------------------------------ Vote C60-C67

TEST(CrdtModelCatalogTest, C60_C61_VoteStateChanges) {
  Stream s("Vote-1");
  EXPECT_TRUE(Same(s.Cmd(1, {}), V{Reply(1, VO(false, 0, 1))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UVote(true))}), V{Reply(2, VO(true, 1, 1), DVO(true))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UVote(true))}), V{Reply(3, VO(true, 1, 1))}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UVote(false))}), V{Reply(4, VO(false, 0, 1), DVO(false))}));
  EXPECT_TRUE(Same(s.Cmd(5, {Up(UVote(false))}), V{Reply(5, VO(false, 0, 1))}));
}

TEST(CrdtModelCatalogTest, C62_C63_C64_C65_VoteReplicated) {
  Stream init("Vote-1", DVO(true, 2, 3));
  EXPECT_TRUE(Same(init.Cmd(1, {}), V{Reply(1, VO(true, 2, 3))}));
  EXPECT_TRUE(Same(init.Cmd(2, {Up(UVote(false))}), V{Reply(2, VO(false, 1, 3), DVO(false))}));
  Stream replicated("Vote-2");
  replicated.Delta(DVO(false, 3, 5));
  EXPECT_TRUE(Same(replicated.Cmd(1, {}), V{Reply(1, VO(false, 3, 5))}));
  EXPECT_TRUE(Same(replicated.Cmd(2, {Up(UVote(true))}), V{Reply(2, VO(true, 4, 5), DVO(true))}));
  Stream mix("Vote-3");
  mix.Delta(DVO(false, 2, 4));
  EXPECT_TRUE(Same(mix.Cmd(1, {Up(UVote(true))}), V{Reply(1, VO(true, 3, 4), DVO(true))}));
  mix.Delta(DVO(true, 5, 7));
  mix.Delta(DVO(true, 4, 6));
  EXPECT_TRUE(Same(mix.Cmd(2, {Up(UVote(false))}), V{Reply(2, VO(false, 3, 6), DVO(false))}));
  EXPECT_TRUE(Same(mix.Cmd(3, {Del()}), V{DeleteReply(3, VO(false, 3, 6))}));
}

// ------------------------------------------------------------------ C68-C82

TEST(CrdtModelCatalogTest, C68_C69_Forwards) {
  Stream s("GCounter-1");
  s.Cmd(1, {Up(UInc(42))});
  CrdtStreamOut fwd;
  fwd.mutable_reply()->set_command_id(2);
  auto* forward = fwd.mutable_reply()->mutable_client_action()->mutable_forward();
  forward->set_service_name(kCrdtTwoService);
  forward->set_command_name("Call");
  tck::Request two;
  two.set_id("X-1");
  *forward->mutable_payload() = PackAny(two);
  EXPECT_TRUE(Same(s.Cmd(2, {Fwd("X-1")}), V{fwd}));
  EXPECT_TRUE(Same(s.Cmd(3, {}), V{Reply(3, GC(42))}));

  Stream p("PNCounter-1");
  CrdtStreamOut fwd_delta = fwd;
  fwd_delta.mutable_reply()->set_command_id(1);
  *fwd_delta.mutable_reply()->mutable_state_action()->mutable_update() = DPN(-42);
  EXPECT_TRUE(Same(p.Cmd(1, {Up(UChange(-42)), Fwd("X-1")}), V{fwd_delta}));
}

TEST(CrdtModelCatalogTest, C70_C71_C72_C73_SideEffects) {
  Stream g("GSet-1");
  g.Cmd(1, {Up(UGAdd("one"))});
  CrdtStreamOut fx = Reply(2, GS({"one"}));
  *fx.mutable_reply()->add_side_effects() = TwoEffect("X-1", false);
  EXPECT_TRUE(Same(g.Cmd(2, {Fx("X-1")}), V{fx}));

  Stream o("ORSet-1");
  CrdtStreamOut sync = Reply(1, OS({}));
  *sync.mutable_reply()->add_side_effects() = TwoEffect("X-1", true);
  EXPECT_TRUE(Same(o.Cmd(1, {Fx("X-1", true)}), V{sync}));

  Stream l("LWWRegister-1");
  auto got = l.Cmd(1, {Fx("B-1"), Fwd("A-1")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].reply().client_action().has_forward());
  EXPECT_EQ(got[0].reply().side_effects_size(), 1);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      got[0].reply().state_action().update(), DLWW("")));

  Stream f("Flag-1");
  CrdtStreamOut many = Reply(1, FL(false));
  for (const char* id : {"1", "2", "3"})
    *many.mutable_reply()->add_side_effects() = TwoEffect(id, false);
  EXPECT_TRUE(Same(f.Cmd(1, {Fx("1"), Fx("2"), Fx("3")}), V{many}));
}

TEST(CrdtModelCatalogTest, C74_SideEffectsAndStateChanges) {
  Stream m("ORMap-1");
  CrdtStreamOut want =
      Reply(1, OM({{"GSet-1", GS({"a", "b", "c"})}, {"PNCounter-1", PN(0)}}),
            DOM(false, {}, {}, {{"GSet-1", DGS({"a", "b", "c"})}, {"PNCounter-1", DPN(0)}}));
  for (const char* id : {"1", "2", "3"})
    *want.mutable_reply()->add_side_effects() = TwoEffect(id, false);
  EXPECT_TRUE(Same(m.Cmd(1, {Up(UMAdd("PNCounter-1")), Up(UMUpdate("GSet-1", UGAdd("a"))),
                             Up(UMUpdate("GSet-1", UGAdd("b"))), Up(UMUpdate("GSet-1", UGAdd("c"))),
                             Fx("1"), Fx("2"), Fx("3")}),
                   V{want}));
}

CrdtStreamOut FailureReply(int64_t id, const std::string& description) {
  CrdtStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* f = out.mutable_reply()->mutable_client_action()->mutable_failure();
  f->set_command_id(id);
  f->set_description(description);
  return out;
}

TEST(CrdtModelCatalogTest, C75_C76_Failures) {
  Stream g("GCounter-1");
  EXPECT_TRUE(Same(g.Cmd(1, {FailA("expected failure")}), V{FailureReply(1, "expected failure")}));
  Stream p("PNCounter-1");
  p.Cmd(1, {Up(UChange(42))});
  EXPECT_TRUE(Same(p.Cmd(2, {FailA("expected failure")}), V{FailureReply(2, "expected failure")}));
  EXPECT_TRUE(Same(p.Cmd(3, {}), V{Reply(3, PN(42))}));
  // A failing command that also changed the value is rolled back and sends no delta.
  EXPECT_TRUE(Same(p.Cmd(4, {Up(UChange(5)), Fx("x"), FailA("boom")}), V{FailureReply(4, "boom")}));
  EXPECT_TRUE(Same(p.Cmd(5, {}), V{Reply(5, PN(42))}));
}

CrdtStreamOut StreamedReply(int64_t id, std::optional<tck::State> state,
                            std::optional<CrdtDelta> delta = std::nullopt) {
  CrdtStreamOut out = Reply(id, std::move(state), std::move(delta));
  out.mutable_reply()->set_streamed(true);
  return out;
}

TEST(CrdtModelCatalogTest, C77_StreamedResponses) {
  Stream s("GCounter-1");
  EXPECT_TRUE(Same(s.Streamed(1, {}), V{StreamedReply(1, GC(0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UInc(1))}), V{Reply(2, GC(1), DGC(1)), Streamed(1, GC(1))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UInc(2))}), V{Reply(3, GC(3), DGC(2)), Streamed(1, GC(3))}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UInc(3))}), V{Reply(4, GC(6), DGC(3)), Streamed(1, GC(6))}));
  // Replicated changes are streamed too.
  EXPECT_TRUE(Same(s.Delta(DGC(4)), V{Streamed(1, GC(10))}));
}

TEST(CrdtModelCatalogTest, C78_StreamEndingAction) {
  Stream s("GCounter-1");
  tck::StreamedRequest request;
  *request.mutable_end_state() = GC(3);
  EXPECT_TRUE(Same(s.Streamed(1, request), V{StreamedReply(1, GC(0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UInc(1))}), V{Reply(2, GC(1), DGC(1)), Streamed(1, GC(1))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UInc(2))}), V{Reply(3, GC(3), DGC(2)), Streamed(1, GC(3), true)}));
  EXPECT_TRUE(Same(s.Cmd(4, {Up(UInc(3))}), V{Reply(4, GC(6), DGC(3))}));
}

CrdtStreamOut Cancelled(int64_t id, std::optional<CrdtDelta> delta) {
  CrdtStreamOut out;
  out.mutable_stream_cancelled_response()->set_command_id(id);
  if (delta) {
    *out.mutable_stream_cancelled_response()->mutable_state_action()->mutable_update() = *delta;
  }
  return out;
}

TEST(CrdtModelCatalogTest, C79_StreamCancellation) {
  Stream s("PNCounter-1");
  tck::StreamedRequest request;
  *request.mutable_cancel_update() = UChange(-42);
  EXPECT_TRUE(Same(s.Streamed(1, request), V{StreamedReply(1, PN(0))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UChange(10))}), V{Reply(2, PN(10), DPN(10)), Streamed(1, PN(10))}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UChange(20))}), V{Reply(3, PN(30), DPN(20)), Streamed(1, PN(30))}));
  EXPECT_TRUE(Same(s.Cancel(1), V{Cancelled(1, DPN(-42))}));
  EXPECT_TRUE(Same(s.Cmd(4, {}), V{Reply(4, PN(-12))}));
  EXPECT_TRUE(Same(s.Cmd(5, {Up(UChange(30))}), V{Reply(5, PN(18), DPN(30))}));
  // A second cancellation of the same id only gets an empty response.
  EXPECT_TRUE(Same(s.Cancel(1), V{Cancelled(1, std::nullopt)}));
}

TEST(CrdtModelCatalogTest, C80_EmptyStreamedResponses) {
  Stream s("PNCounter-1");
  s.Cmd(1, {Up(UChange(10))});
  tck::StreamedRequest request;
  *request.mutable_cancel_update() = UChange(-42);
  request.set_empty(true);
  EXPECT_TRUE(Same(s.Streamed(2, request), V{StreamedReply(2, std::nullopt)}));
  // An empty stream emits nothing on changes.
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UChange(1))}), V{Reply(3, PN(11), DPN(1))}));
  EXPECT_TRUE(Same(s.Cancel(2), V{Cancelled(2, DPN(-42))}));
  EXPECT_TRUE(Same(s.Cmd(4, {}), V{Reply(4, PN(-31))}));
}

TEST(CrdtModelCatalogTest, C81_StreamedSideEffects) {
  Stream s("GSet-1");
  tck::StreamedRequest request;
  auto* one = request.add_effects();
  one->set_id("one");
  auto* two = request.add_effects();
  two->set_id("two");
  two->set_synchronous(true);
  EXPECT_TRUE(Same(s.Streamed(1, request), V{StreamedReply(1, GS({}))}));
  CrdtStreamOut a = Streamed(1, GS({"a"}));
  *a.mutable_streamed_message()->add_side_effects() = TwoEffect("one", false);
  *a.mutable_streamed_message()->add_side_effects() = TwoEffect("two", true);
  EXPECT_TRUE(Same(s.Cmd(2, {Up(UGAdd("a"))}), V{Reply(2, GS({"a"}), DGS({"a"})), a}));
  CrdtStreamOut ab = Streamed(1, GS({"a", "b"}));
  *ab.mutable_streamed_message()->add_side_effects() = TwoEffect("one", false);
  *ab.mutable_streamed_message()->add_side_effects() = TwoEffect("two", true);
  EXPECT_TRUE(Same(s.Cmd(3, {Up(UGAdd("b"))}), V{Reply(3, GS({"a", "b"}), DGS({"b"})), ab}));
}

TEST(CrdtModelCatalogTest, C82_WriteConsistency) {
  Stream s("GCounter-1");
  EXPECT_TRUE(Same(s.Cmd(1, {Up(WithWc(UInc(1), tck::LOCAL))}), V{Reply(1, GC(1), DGC(1))}));
  EXPECT_TRUE(Same(s.Cmd(2, {Up(WithWc(UInc(2), tck::MAJORITY))}),
                   V{Reply(2, GC(3), DGC(2), cloudstate::crdt::MAJORITY)}));
  EXPECT_TRUE(Same(s.Cmd(3, {Up(WithWc(UInc(3), tck::ALL))}),
                   V{Reply(3, GC(6), DGC(3), cloudstate::crdt::ALL)}));
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

Faults With(const char* name) {
  Faults f;
  f.Enable(name);
  return f;
}

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

TEST(CrdtModelFaultTest, DeltaLostBreaksC4) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtDeltaLost));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(UInc(42))}), V{Reply(1, GC(42), DGC(42))}));
}

TEST(CrdtModelFaultTest, ORSetRemoveWinsBreaksC28) {
  Stream s("ORSet-1", DOS(false, {}, {"a", "c"}), With(fault::kCrdtORSetRemoveWins));
  EXPECT_FALSE(
      Same(s.Cmd(1, {Up(UORemove("c")), Up(UORemove("d")), Up(UOAdd("b")), Up(UOAdd("c"))}),
           V{Reply(1, OS({"a", "b", "c"}), DOS(false, {}, {"b"}))}));
}

TEST(CrdtModelFaultTest, LwwClockIgnoredBreaksC40) {
  Stream s("LWWRegister-1", std::nullopt, With(fault::kCrdtLwwClockIgnored));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(USetClock("A", tck::REVERSE, 0))}),
                    V{Reply(1, LWW("A"), DLWW("A", cloudstate::crdt::REVERSE, 0))}));
}

TEST(CrdtModelFaultTest, GCounterNotAggregatedBreaksC4) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtGCounterNotAggregated));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(UInc(1)), Up(UInc(2)), Up(UInc(3))}), V{Reply(1, GC(6), DGC(6))}));
}

TEST(CrdtModelFaultTest, FlagDeltaAlwaysBreaksC48) {
  Stream s("Flag-1", std::nullopt, With(fault::kCrdtFlagDeltaAlways));
  s.Delta(DFL(true));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(UEnable())}), V{Reply(1, FL(true))}));
}

TEST(CrdtModelFaultTest, VoteFullDeltaBreaksC61) {
  Stream s("Vote-1", std::nullopt, With(fault::kCrdtVoteFullDelta));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(UVote(true))}), V{Reply(1, VO(true, 1, 1), DVO(true))}));
}

TEST(CrdtModelFaultTest, WriteConsistencyDroppedBreaksC82) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtWriteConsistencyDropped));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(WithWc(UInc(2), tck::MAJORITY))}),
                    V{Reply(1, GC(2), DGC(2), cloudstate::crdt::MAJORITY)}));
}

TEST(CrdtModelFaultTest, StreamCancelIgnoredBreaksC79) {
  Stream s("PNCounter-1", std::nullopt, With(fault::kCrdtStreamCancelIgnored));
  tck::StreamedRequest request;
  *request.mutable_cancel_update() = UChange(-42);
  s.Streamed(1, request);
  EXPECT_FALSE(Same(s.Cancel(1), V{Cancelled(1, DPN(-42))}));
}

TEST(CrdtModelFaultTest, DeleteNotSentBreaksC9) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtDeleteNotSent));
  EXPECT_FALSE(Same(s.Cmd(1, {Del()}), V{DeleteReply(1, GC(0))}));
}

TEST(CrdtModelFaultTest, ReplicatedDeltaIgnoredBreaksC6) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtReplicatedDeltaIgnored));
  s.Delta(DGC(42));
  EXPECT_FALSE(Same(s.Cmd(1, {Up(UInc(123))}), V{Reply(1, GC(165), DGC(123))}));
}

TEST(CrdtModelFaultTest, StreamNotEndedBreaksC78) {
  Stream s("GCounter-1", std::nullopt, With(fault::kCrdtStreamNotEnded));
  tck::StreamedRequest request;
  *request.mutable_end_state() = GC(1);
  s.Streamed(1, request);
  EXPECT_FALSE(Same(s.Cmd(2, {Up(UInc(1))}), V{Reply(2, GC(1), DGC(1)), Streamed(1, GC(1), true)}));
}

}  // namespace
}  // namespace cloudstate::reference_function
