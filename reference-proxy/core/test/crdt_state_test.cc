// crdt_state: merging the function's deltas for all eight types, and the deltas the proxy sends
// back (full state at init, diffs on change), per protocol §4.5.

#include "cloudstate/proxy_core/crdt_state.h"

#include "gtest/gtest.h"

#include "core_test_util.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::crdt::CrdtClock;
using cloudstate::crdt::CrdtDelta;
using testing::AnyOf;

google::protobuf::Any S(const std::string& s) { return AnyOf("p.cloudstate.io/string", s); }

void Apply(const CrdtDelta& d, std::optional<CrdtValue>* v, int64_t now = 1000) {
  absl::Status s = ApplyCrdtDelta(d, v, now);
  ASSERT_TRUE(s.ok()) << s;
}

CrdtDelta GCounter(uint64_t inc) {
  CrdtDelta d;
  d.mutable_gcounter()->set_increment(inc);
  return d;
}
CrdtDelta PNCounter(int64_t change) {
  CrdtDelta d;
  d.mutable_pncounter()->set_change(change);
  return d;
}

std::vector<std::string> Values(
    const google::protobuf::RepeatedPtrField<google::protobuf::Any>& r) {
  std::vector<std::string> out;
  for (const auto& a : r) {
    out.push_back(a.value());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CrdtStateTest, GCounter) {
  std::optional<CrdtValue> v;
  Apply(GCounter(3), &v);
  CrdtValue before = *v;
  Apply(GCounter(4), &v);
  EXPECT_EQ(std::get<GCounterValue>(v->v).value, 7u);
  EXPECT_EQ(FullStateDelta(*v).gcounter().increment(), 7u);
  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok());
  ASSERT_TRUE(diff->has_value());
  EXPECT_EQ((*diff)->gcounter().increment(), 4u);
  EXPECT_FALSE(CrdtDiff(*v, before).ok());  // a GCounter cannot go down
  auto same = CrdtDiff(*v, *v);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->has_value());
}

TEST(CrdtStateTest, PNCounter) {
  std::optional<CrdtValue> v;
  Apply(PNCounter(5), &v);
  CrdtValue before = *v;
  Apply(PNCounter(-7), &v);
  EXPECT_EQ(std::get<PNCounterValue>(v->v).value, -2);
  EXPECT_EQ(FullStateDelta(*v).pncounter().change(), -2);
  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_EQ((*diff)->pncounter().change(), -7);
}

TEST(CrdtStateTest, GSet) {
  std::optional<CrdtValue> v;
  CrdtDelta d;
  *d.mutable_gset()->add_added() = S("a");
  *d.mutable_gset()->add_added() = S("b");
  Apply(d, &v);
  CrdtValue before = *v;
  d.Clear();
  *d.mutable_gset()->add_added() = S("a");
  *d.mutable_gset()->add_added() = S("c");
  Apply(d, &v);
  EXPECT_EQ(std::get<GSetValue>(v->v).elements.size(), 3u);
  EXPECT_EQ(Values(FullStateDelta(*v).gset().added()), (std::vector<std::string>{"a", "b", "c"}));
  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_EQ(Values((*diff)->gset().added()), (std::vector<std::string>{"c"}));
}

TEST(CrdtStateTest, ORSetClearedThenRemovedThenAdded) {
  std::optional<CrdtValue> v;
  CrdtDelta d;
  for (const char* e : {"a", "b", "c", "d"}) {
    *d.mutable_orset()->add_added() = S(e);
  }
  Apply(d, &v);
  CrdtValue four = *v;
  d.Clear();
  *d.mutable_orset()->add_removed() = S("b");
  *d.mutable_orset()->add_added() = S("e");
  Apply(d, &v);
  EXPECT_EQ(Values(FullStateDelta(*v).orset().added()),
            (std::vector<std::string>{"a", "c", "d", "e"}));
  auto diff = CrdtDiff(four, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_FALSE((*diff)->orset().cleared());
  EXPECT_EQ(Values((*diff)->orset().removed()), (std::vector<std::string>{"b"}));
  EXPECT_EQ(Values((*diff)->orset().added()), (std::vector<std::string>{"e"}));

  // cleared is applied first, then removed, then added.
  d.Clear();
  d.mutable_orset()->set_cleared(true);
  *d.mutable_orset()->add_added() = S("z");
  CrdtValue before_clear = *v;
  Apply(d, &v);
  EXPECT_EQ(Values(FullStateDelta(*v).orset().added()), (std::vector<std::string>{"z"}));
  // Most elements went away: cleared + full added is the smaller diff.
  diff = CrdtDiff(before_clear, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_TRUE((*diff)->orset().cleared());
  EXPECT_EQ(Values((*diff)->orset().added()), (std::vector<std::string>{"z"}));
  EXPECT_EQ((*diff)->orset().removed_size(), 0);

  // Empty set => cleared=true.
  d.Clear();
  d.mutable_orset()->set_cleared(true);
  CrdtValue before_empty = *v;
  Apply(d, &v);
  diff = CrdtDiff(before_empty, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_TRUE((*diff)->orset().cleared());
  EXPECT_EQ((*diff)->orset().added_size(), 0);
}

TEST(CrdtStateTest, LWWRegisterClocks) {
  std::optional<CrdtValue> v;
  CrdtDelta d;
  *d.mutable_lwwregister()->mutable_value() = S("one");
  Apply(d, &v, 1000);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, 1000);
  CrdtValue before = *v;
  // DEFAULT: max(now, current + 1) -- the clock never goes backwards.
  *d.mutable_lwwregister()->mutable_value() = S("two");
  Apply(d, &v, 500);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, 1001);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).value.value(), "two");
  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_EQ((*diff)->lwwregister().value().value(), "two");
  EXPECT_EQ((*diff)->lwwregister().custom_clock_value(), 0);  // the clock is never sent

  // REVERSE: min(-now, current - 1).
  d.mutable_lwwregister()->set_clock(CrdtClock::REVERSE);
  Apply(d, &v, 2000);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, -2000);
  // CUSTOM: as given.
  d.mutable_lwwregister()->set_clock(CrdtClock::CUSTOM);
  d.mutable_lwwregister()->set_custom_clock_value(42);
  Apply(d, &v);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, 42);
  // CUSTOM_AUTO_INCREMENT: the given value, or current + 1 when it is not larger.
  d.mutable_lwwregister()->set_clock(CrdtClock::CUSTOM_AUTO_INCREMENT);
  d.mutable_lwwregister()->set_custom_clock_value(10);
  Apply(d, &v);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, 43);
  d.mutable_lwwregister()->set_custom_clock_value(100);
  Apply(d, &v);
  EXPECT_EQ(std::get<LWWRegisterValue>(v->v).clock, 100);
  EXPECT_EQ(FullStateDelta(*v).lwwregister().value().value(), "two");
}

TEST(CrdtStateTest, FlagCannotBeSwitchedOff) {
  std::optional<CrdtValue> v;
  CrdtDelta off;
  off.mutable_flag()->set_value(false);
  Apply(off, &v);  // false when off: no-op
  EXPECT_FALSE(std::get<FlagValue>(v->v).value);
  CrdtValue before = *v;
  CrdtDelta on;
  on.mutable_flag()->set_value(true);
  Apply(on, &v);
  EXPECT_TRUE(std::get<FlagValue>(v->v).value);
  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_TRUE((*diff)->flag().value());
  absl::Status s = ApplyCrdtDelta(off, &v, 0);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::get<FlagValue>(v->v).value);  // unchanged
}

TEST(CrdtStateTest, ORMapNestedValues) {
  std::optional<CrdtValue> v;
  CrdtDelta d;
  auto* added = d.mutable_ormap()->add_added();
  *added->mutable_key() = S("k1");
  *added->mutable_delta() = GCounter(2);
  added = d.mutable_ormap()->add_added();
  *added->mutable_key() = S("k2");
  *added->mutable_delta() = PNCounter(-1);
  Apply(d, &v);
  CrdtValue before = *v;

  d.Clear();
  auto* updated = d.mutable_ormap()->add_updated();
  *updated->mutable_key() = S("k1");
  *updated->mutable_delta() = GCounter(3);
  updated = d.mutable_ormap()->add_updated();  // missing key: ignored
  *updated->mutable_key() = S("missing");
  *updated->mutable_delta() = GCounter(1);
  updated = d.mutable_ormap()->add_updated();  // type mismatch: ignored
  *updated->mutable_key() = S("k2");
  *updated->mutable_delta() = GCounter(1);
  *d.mutable_ormap()->add_removed() = S("k2");
  added = d.mutable_ormap()->add_added();
  *added->mutable_key() = S("k3");
  added->mutable_delta()->mutable_flag()->set_value(true);
  Apply(d, &v);

  const auto& entries = std::get<ORMapValue>(v->v).entries;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(std::get<GCounterValue>(entries.at(AnyKey(S("k1"))).second->v).value, 5u);
  EXPECT_TRUE(std::get<FlagValue>(entries.at(AnyKey(S("k3"))).second->v).value);

  CrdtDelta full = FullStateDelta(*v);
  ASSERT_EQ(full.ormap().added_size(), 2);

  auto diff = CrdtDiff(before, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  const auto& m = (*diff)->ormap();
  ASSERT_EQ(m.removed_size(), 1);
  EXPECT_EQ(m.removed(0).value(), "k2");
  ASSERT_EQ(m.updated_size(), 1);
  EXPECT_EQ(m.updated(0).key().value(), "k1");
  EXPECT_EQ(m.updated(0).delta().gcounter().increment(), 3u);
  ASSERT_EQ(m.added_size(), 1);
  EXPECT_EQ(m.added(0).key().value(), "k3");

  // A nested value that changed incompatibly is removed and re-added.
  CrdtValue replaced = *v;
  std::get<ORMapValue>(replaced.v).entries[AnyKey(S("k1"))].second =
      std::make_shared<CrdtValue>(CrdtValue{PNCounterValue{9}});
  diff = CrdtDiff(*v, replaced);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_EQ((*diff)->ormap().removed_size(), 1);
  ASSERT_EQ((*diff)->ormap().added_size(), 1);
  EXPECT_EQ((*diff)->ormap().added(0).delta().pncounter().change(), 9);

  // Cleared map => cleared=true.
  d.Clear();
  d.mutable_ormap()->set_cleared(true);
  CrdtValue before_clear = *v;
  Apply(d, &v);
  EXPECT_TRUE(std::get<ORMapValue>(v->v).entries.empty());
  diff = CrdtDiff(before_clear, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_TRUE((*diff)->ormap().cleared());
}

TEST(CrdtStateTest, VoteIsFullStateOnSingleNode) {
  std::optional<CrdtValue> v;
  CrdtDelta d;
  d.mutable_vote()->set_self_vote(true);
  d.mutable_vote()->set_votes_for(17);  // ignored: the proxy counts
  Apply(d, &v);
  CrdtDelta full = FullStateDelta(*v);
  EXPECT_TRUE(full.vote().self_vote());
  EXPECT_EQ(full.vote().votes_for(), 1);
  EXPECT_EQ(full.vote().total_voters(), 1);
  CrdtValue yes = *v;
  d.mutable_vote()->set_self_vote(false);
  Apply(d, &v);
  auto diff = CrdtDiff(yes, *v);
  ASSERT_TRUE(diff.ok() && diff->has_value());
  EXPECT_FALSE((*diff)->vote().self_vote());
  EXPECT_EQ((*diff)->vote().votes_for(), 0);
  EXPECT_EQ((*diff)->vote().total_voters(), 1);
}

TEST(CrdtStateTest, TypeMismatchAndEmptyDeltaAreRejected) {
  std::optional<CrdtValue> v;
  EXPECT_EQ(ApplyCrdtDelta(CrdtDelta(), &v, 0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(v.has_value());
  Apply(GCounter(1), &v);
  absl::Status s = ApplyCrdtDelta(PNCounter(1), &v, 0);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::get<GCounterValue>(v->v).value, 1u);
  EXPECT_FALSE(CrdtDiff(CrdtValue{GCounterValue{}}, CrdtValue{PNCounterValue{}}).ok());
}

TEST(CrdtStateTest, AnyKeyDistinguishesTypeUrls) {
  EXPECT_NE(AnyKey(AnyOf("a", "x")), AnyKey(AnyOf("b", "x")));
  EXPECT_EQ(AnyKey(S("x")), AnyKey(S("x")));
}

}  // namespace
}  // namespace cloudstate::proxy
