// Unit tests of the sans-IO CRDT data types: local bookkeeping (one delta per batch) and applying
// deltas from the proxy, following the per-type cases of the TCK catalog (C3-C67).
#include "cloudstate/sdk/crdt_types.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {
namespace {

using cloudstate::crdt::CrdtDelta;
using google::protobuf::Any;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Any S(std::string_view s) { return PackPrimitiveString(s); }

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<Any>& anys) {
  std::vector<std::string> out;
  for (const Any& any : anys) {
    out.push_back(PrimitiveString(any).value_or("<not a string>"));
  }
  return out;
}

std::vector<std::string> Strings(const std::vector<Any>& anys) {
  std::vector<std::string> out;
  for (const Any& any : anys) {
    out.push_back(PrimitiveString(any).value_or("<not a string>"));
  }
  return out;
}

// Returns the pending delta and resets it, like the stream core does per command.
std::optional<CrdtDelta> Take(Crdt& crdt) {
  if (!crdt.HasDelta()) {
    return std::nullopt;
  }
  CrdtDelta delta = crdt.Delta();
  crdt.ResetDelta();
  return delta;
}

CrdtDelta GSetDelta(std::vector<std::string> added) {
  CrdtDelta delta;
  delta.mutable_gset();
  for (const auto& s : added) {
    *delta.mutable_gset()->add_added() = S(s);
  }
  return delta;
}

CrdtDelta ORSetDelta(bool cleared, std::vector<std::string> removed,
                     std::vector<std::string> added) {
  CrdtDelta delta;
  auto* orset = delta.mutable_orset();
  orset->set_cleared(cleared);
  for (const auto& s : removed) {
    *orset->add_removed() = S(s);
  }
  for (const auto& s : added) {
    *orset->add_added() = S(s);
  }
  return delta;
}

CrdtDelta LwwDelta(std::string value) {
  CrdtDelta delta;
  *delta.mutable_lwwregister()->mutable_value() = S(value);
  return delta;
}

CrdtDelta VoteDelta(bool self, int votes_for, int voters) {
  CrdtDelta delta;
  delta.mutable_vote()->set_self_vote(self);
  delta.mutable_vote()->set_votes_for(votes_for);
  delta.mutable_vote()->set_total_voters(voters);
  return delta;
}

TEST(CrdtKindTest, NamesAndDeltaKinds) {
  EXPECT_EQ(CrdtKindName(CrdtKind::kLWWRegister), "LWWRegister");
  EXPECT_EQ(KindOfDelta(CrdtDelta()), std::nullopt);
  EXPECT_EQ(KindOfDelta(GSetDelta({})), CrdtKind::kGSet);
  EXPECT_FALSE(CrdtFromDelta(CrdtDelta()).ok());
  for (CrdtKind kind :
       {CrdtKind::kGCounter, CrdtKind::kPNCounter, CrdtKind::kGSet, CrdtKind::kORSet,
        CrdtKind::kLWWRegister, CrdtKind::kFlag, CrdtKind::kORMap, CrdtKind::kVote}) {
    auto value = NewCrdt(kind);
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(value->kind(), kind);
    EXPECT_FALSE(value->HasDelta()) << CrdtKindName(kind);
    auto copy = CrdtFromDelta(value->StateAsDelta());
    ASSERT_TRUE(copy.ok()) << copy.status();
    EXPECT_EQ((*copy)->kind(), kind);
  }
}

TEST(CrdtKindTest, WrongDeltaTypeIsRejected) {
  GCounter counter;
  absl::Status status = counter.ApplyDelta(GSetDelta({"a"}));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("GSet delta for a GCounter"));
  EXPECT_EQ(counter.value(), 0u);
}

// C3, C4: increments aggregate into one delta per batch; no delta without a change.
TEST(GCounterTest, IncrementsAggregate) {
  GCounter counter;
  EXPECT_EQ(Take(counter), std::nullopt);
  counter.Increment(42);
  auto d1 = Take(counter);
  ASSERT_TRUE(d1.has_value());
  EXPECT_EQ(d1->gcounter().increment(), 42u);
  counter.Increment(1);
  counter.Increment(2);
  counter.Increment(3);
  EXPECT_EQ(counter.value(), 48u);
  EXPECT_EQ(Take(counter)->gcounter().increment(), 6u);
  counter.Increment(0);
  EXPECT_FALSE(counter.HasDelta());
}

// C7: replicated deltas add without creating local deltas.
TEST(GCounterTest, MixOfLocalAndReplicated) {
  GCounter counter;
  counter.Increment(1);
  EXPECT_EQ(Take(counter)->gcounter().increment(), 1u);
  CrdtDelta d;
  d.mutable_gcounter()->set_increment(2);
  ASSERT_TRUE(counter.ApplyDelta(d).ok());
  d.mutable_gcounter()->set_increment(3);
  ASSERT_TRUE(counter.ApplyDelta(d).ok());
  EXPECT_EQ(counter.value(), 6u);
  EXPECT_FALSE(counter.HasDelta());
  counter.Increment(4);
  EXPECT_EQ(counter.value(), 10u);
  EXPECT_EQ(Take(counter)->gcounter().increment(), 4u);
}

// C12-C15
TEST(PNCounterTest, ChangesAggregateAndCancel) {
  PNCounter counter;
  counter.Increment(1);
  counter.Decrement(2);
  counter.Increment(3);
  EXPECT_EQ(counter.value(), 2);
  EXPECT_EQ(Take(counter)->pncounter().change(), 2);
  counter.Decrement(4);
  counter.Increment(5);
  counter.Decrement(6);
  EXPECT_EQ(counter.value(), -3);
  EXPECT_EQ(Take(counter)->pncounter().change(), -5);
  counter.Increment(7);
  counter.Decrement(7);
  EXPECT_EQ(Take(counter), std::nullopt);
  CrdtDelta d;
  d.mutable_pncounter()->set_change(-42);
  ASSERT_TRUE(counter.ApplyDelta(d).ok());
  EXPECT_EQ(counter.value(), -45);
  EXPECT_FALSE(counter.HasDelta());
}

// C20, C23: only elements new to the set are sent.
TEST(GSetTest, OnlyNewElements) {
  GSet set;
  EXPECT_TRUE(set.Add(S("a")));
  EXPECT_TRUE(set.Add(S("b")));
  EXPECT_THAT(Strings(Take(set)->gset().added()), ElementsAre("a", "b"));
  EXPECT_FALSE(set.Add(S("b")));
  EXPECT_TRUE(set.Add(S("c")));
  EXPECT_THAT(Strings(Take(set)->gset().added()), ElementsAre("c"));
  EXPECT_FALSE(set.Add(S("c")));
  EXPECT_FALSE(set.Add(S("a")));
  EXPECT_EQ(Take(set), std::nullopt);
  ASSERT_TRUE(set.ApplyDelta(GSetDelta({"d", "a"})).ok());
  EXPECT_FALSE(set.HasDelta());
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("a", "b", "c", "d"));
  EXPECT_FALSE(set.Add(S("d")));
}

// C28, step by step.
TEST(ORSetTest, CatalogC28StateChanges) {
  ORSet set;
  set.Add(S("a"));
  set.Add(S("b"));
  auto d = Take(set);
  EXPECT_FALSE(d->orset().cleared());
  EXPECT_THAT(Strings(d->orset().added()), ElementsAre("a", "b"));
  EXPECT_THAT(Strings(d->orset().removed()), IsEmpty());

  set.Add(S("b"));
  set.Add(S("c"));
  EXPECT_THAT(Strings(Take(set)->orset().added()), ElementsAre("c"));

  set.Add(S("c"));
  set.Add(S("a"));
  EXPECT_EQ(Take(set), std::nullopt);

  set.Remove(S("b"));
  set.Remove(S("d"));
  d = Take(set);
  EXPECT_THAT(Strings(d->orset().removed()), ElementsAre("b"));
  EXPECT_THAT(Strings(d->orset().added()), IsEmpty());
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("a", "c"));

  // Remove-then-add of c cancels out.
  set.Remove(S("c"));
  set.Remove(S("d"));
  set.Add(S("b"));
  set.Add(S("c"));
  d = Take(set);
  EXPECT_THAT(Strings(d->orset().removed()), IsEmpty());
  EXPECT_THAT(Strings(d->orset().added()), ElementsAre("b"));
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("a", "b", "c"));

  set.Clear();
  d = Take(set);
  EXPECT_TRUE(d->orset().cleared());
  EXPECT_THAT(Strings(d->orset().added()), IsEmpty());
  EXPECT_EQ(set.size(), 0u);

  set.Add(S("a"));
  set.Clear();
  set.Add(S("x"));
  d = Take(set);
  EXPECT_TRUE(d->orset().cleared());
  EXPECT_THAT(Strings(d->orset().removed()), IsEmpty());
  EXPECT_THAT(Strings(d->orset().added()), ElementsAre("x"));
  EXPECT_THAT(Strings(set.Elements()), ElementsAre("x"));
}

TEST(ORSetTest, AddThenRemoveCancels) {
  ORSet set;
  set.Add(S("a"));
  set.Remove(S("a"));
  EXPECT_EQ(Take(set), std::nullopt);
}

// C31 (parts): replicated clear/remove/add and the following local deltas.
TEST(ORSetTest, CatalogC31Mix) {
  ORSet set;
  set.Add(S("a"));
  Take(set);
  ASSERT_TRUE(set.ApplyDelta(ORSetDelta(false, {}, {"a", "b"})).ok());
  ASSERT_TRUE(set.ApplyDelta(ORSetDelta(false, {}, {"c", "d"})).ok());
  ASSERT_TRUE(set.ApplyDelta(ORSetDelta(false, {"b", "d"}, {})).ok());
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("a", "c"));
  EXPECT_FALSE(set.HasDelta());
  set.Add(S("c"));
  set.Add(S("d"));
  set.Add(S("e"));
  EXPECT_THAT(Strings(Take(set)->orset().added()), UnorderedElementsAre("d", "e"));
  ASSERT_TRUE(set.ApplyDelta(ORSetDelta(false, {"a", "c"}, {"f"})).ok());
  set.Add(S("g"));
  set.Remove(S("a"));
  set.Remove(S("d"));
  auto d = Take(set);
  EXPECT_THAT(Strings(d->orset().removed()), ElementsAre("d"));
  EXPECT_THAT(Strings(d->orset().added()), ElementsAre("g"));
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("e", "f", "g"));
  ASSERT_TRUE(set.ApplyDelta(ORSetDelta(true, {}, {"x", "y", "z"})).ok());
  EXPECT_THAT(Strings(set.Elements()), UnorderedElementsAre("x", "y", "z"));
  set.Add(S("q"));
  set.Add(S("x"));
  set.Remove(S("z"));
  d = Take(set);
  EXPECT_THAT(Strings(d->orset().removed()), ElementsAre("z"));
  EXPECT_THAT(Strings(d->orset().added()), ElementsAre("q"));
}

// C35-C40
TEST(LWWRegisterTest, InitialValueIsAnnounced) {
  LWWRegister reg(S(""));
  auto d = Take(reg);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(PrimitiveString(d->lwwregister().value()), "");
  EXPECT_EQ(d->lwwregister().clock(), cloudstate::crdt::DEFAULT);
  EXPECT_EQ(d->lwwregister().custom_clock_value(), 0);
  EXPECT_TRUE(d->lwwregister().has_value());
}

TEST(LWWRegisterTest, ReplicatedValueDiscardsPendingInitialDelta) {
  LWWRegister reg(S(""));
  ASSERT_TRUE(reg.ApplyDelta(LwwDelta("one")).ok());
  EXPECT_EQ(Take(reg), std::nullopt);
  EXPECT_EQ(PrimitiveString(reg.value()), "one");
  auto from_init = CrdtFromDelta(LwwDelta("one"));
  ASSERT_TRUE(from_init.ok());
  EXPECT_FALSE((*from_init)->HasDelta());
}

TEST(LWWRegisterTest, ValueOrClockChangesSendDeltas) {
  LWWRegister reg(S(""));
  Take(reg);
  reg.Set(S("one"));
  EXPECT_EQ(PrimitiveString(Take(reg)->lwwregister().value()), "one");
  reg.Set(S("one"));
  EXPECT_EQ(Take(reg), std::nullopt);
  reg.Set(S("A"), cloudstate::crdt::REVERSE, 99);  // custom value ignored for REVERSE
  auto d = Take(reg);
  EXPECT_EQ(d->lwwregister().clock(), cloudstate::crdt::REVERSE);
  EXPECT_EQ(d->lwwregister().custom_clock_value(), 0);
  reg.Set(S("A"), cloudstate::crdt::CUSTOM, 123);
  d = Take(reg);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->lwwregister().clock(), cloudstate::crdt::CUSTOM);
  EXPECT_EQ(d->lwwregister().custom_clock_value(), 123);
  reg.Set(S("A"), cloudstate::crdt::CUSTOM_AUTO_INCREMENT, 456);
  d = Take(reg);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(PrimitiveString(d->lwwregister().value()), "A");
  EXPECT_EQ(d->lwwregister().clock(), cloudstate::crdt::CUSTOM_AUTO_INCREMENT);
  EXPECT_EQ(d->lwwregister().custom_clock_value(), 456);
  reg.Set(S("A"), cloudstate::crdt::CUSTOM_AUTO_INCREMENT, 456);
  EXPECT_EQ(Take(reg), std::nullopt);
}

// C45, C48
TEST(FlagTest, DeltaOnlyWhenSwitchingOn) {
  Flag flag;
  EXPECT_FALSE(flag.enabled());
  flag.Enable();
  EXPECT_TRUE(Take(flag)->flag().value());
  flag.Enable();
  EXPECT_EQ(Take(flag), std::nullopt);

  Flag replicated;
  CrdtDelta d;
  d.mutable_flag()->set_value(false);
  ASSERT_TRUE(replicated.ApplyDelta(d).ok());
  EXPECT_FALSE(replicated.enabled());
  d.mutable_flag()->set_value(true);
  ASSERT_TRUE(replicated.ApplyDelta(d).ok());
  replicated.Enable();
  EXPECT_EQ(Take(replicated), std::nullopt);
  d.mutable_flag()->set_value(false);
  ASSERT_TRUE(replicated.ApplyDelta(d).ok());
  EXPECT_TRUE(replicated.enabled());
}

// C60-C65
TEST(VoteTest, OnlySelfVoteChangesAreSent) {
  Vote vote;
  EXPECT_EQ(vote.self_vote(), false);
  EXPECT_EQ(vote.votes_for(), 0);
  EXPECT_EQ(vote.total_voters(), 1);
  vote.SetSelfVote(true);
  EXPECT_EQ(vote.votes_for(), 1);
  auto d = Take(vote);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->vote().self_vote());
  EXPECT_EQ(d->vote().votes_for(), 0);
  EXPECT_EQ(d->vote().total_voters(), 0);
  vote.SetSelfVote(true);
  EXPECT_EQ(Take(vote), std::nullopt);
  vote.SetSelfVote(false);
  EXPECT_FALSE(Take(vote)->vote().self_vote());
  vote.SetSelfVote(false);
  EXPECT_EQ(Take(vote), std::nullopt);
  vote.SetSelfVote(true);
  vote.SetSelfVote(false);
  EXPECT_EQ(Take(vote), std::nullopt);
}

TEST(VoteTest, ReplicatedTallyIsAbsolute) {
  Vote vote;
  ASSERT_TRUE(vote.ApplyDelta(VoteDelta(false, 2, 4)).ok());
  vote.SetSelfVote(true);
  EXPECT_EQ(vote.votes_for(), 3);
  EXPECT_EQ(vote.total_voters(), 4);
  Take(vote);
  ASSERT_TRUE(vote.ApplyDelta(VoteDelta(true, 5, 7)).ok());
  ASSERT_TRUE(vote.ApplyDelta(VoteDelta(true, 4, 6)).ok());
  vote.SetSelfVote(false);
  EXPECT_EQ(vote.votes_for(), 3);
  EXPECT_EQ(vote.total_voters(), 6);
  EXPECT_FALSE(Take(vote)->vote().self_vote());
  EXPECT_TRUE(vote.Majority() == false);
}

// C53 step by step (the map part of the catalog, with the TCK model's value types).
class ORMapTest : public ::testing::Test {
 protected:
  static std::unique_ptr<Crdt> Make(std::string_view key) {
    if (key.starts_with("PNCounter")) return std::make_unique<PNCounter>();
    if (key.starts_with("GCounter")) return std::make_unique<GCounter>();
    if (key.starts_with("ORSet")) return std::make_unique<ORSet>();
    if (key.starts_with("LWWRegister")) return std::make_unique<LWWRegister>(S(""));
    if (key.starts_with("Flag")) return std::make_unique<Flag>();
    return nullptr;
  }
  Crdt* Get(std::string_view key) {
    return map_.GetOrCreate(S(key), [key] { return Make(key); });
  }
  static std::vector<std::string> Keys(
      const google::protobuf::RepeatedPtrField<cloudstate::crdt::ORMapEntryDelta>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) {
      out.push_back(*PrimitiveString(e.key()));
    }
    return out;
  }
  ORMap map_;
};

TEST_F(ORMapTest, CatalogC53StateChanges) {
  // 1) new empty values still send an initial delta
  Get("PNCounter-1");
  Get("ORSet-1");
  auto d = Take(map_);
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(Keys(d->ormap().added()), ElementsAre("PNCounter-1", "ORSet-1"));
  EXPECT_TRUE(d->ormap().added(0).delta().has_pncounter());
  EXPECT_EQ(d->ormap().added(0).delta().pncounter().change(), 0);
  EXPECT_TRUE(d->ormap().added(1).delta().has_orset());
  EXPECT_EQ(d->ormap().added(1).delta().orset().added_size(), 0);
  // 2)
  Get("ORSet-1");
  static_cast<LWWRegister*>(Get("LWWRegister-1"))->Set(S("zero"));
  d = Take(map_);
  EXPECT_THAT(Keys(d->ormap().added()), ElementsAre("LWWRegister-1"));
  EXPECT_EQ(PrimitiveString(d->ormap().added(0).delta().lwwregister().value()), "zero");
  EXPECT_THAT(Keys(d->ormap().updated()), IsEmpty());
  // 3)
  static_cast<PNCounter*>(Get("PNCounter-1"))->Increment(42);
  static_cast<LWWRegister*>(Get("LWWRegister-1"))->Set(S("one"));
  d = Take(map_);
  EXPECT_THAT(Keys(d->ormap().updated()), UnorderedElementsAre("PNCounter-1", "LWWRegister-1"));
  EXPECT_THAT(Keys(d->ormap().added()), IsEmpty());
  // 4)
  auto* orset = static_cast<ORSet*>(Get("ORSet-1"));
  orset->Add(S("a"));
  orset->Add(S("b"));
  orset->Add(S("c"));
  d = Take(map_);
  ASSERT_EQ(d->ormap().updated_size(), 1);
  EXPECT_THAT(Strings(d->ormap().updated(0).delta().orset().added()), ElementsAre("a", "b", "c"));
  // 5)
  orset->Remove(S("b"));
  orset->Add(S("d"));
  static_cast<PNCounter*>(Get("PNCounter-1"))->Decrement(123);
  static_cast<LWWRegister*>(Get("LWWRegister-1"))->Set(S("two"));
  d = Take(map_);
  EXPECT_EQ(d->ormap().updated_size(), 3);
  EXPECT_EQ(static_cast<PNCounter*>(Get("PNCounter-1"))->value(), -81);
  // 6)
  EXPECT_TRUE(map_.Remove(S("ORSet-1")));
  d = Take(map_);
  EXPECT_THAT(Strings(d->ormap().removed()), ElementsAre("ORSet-1"));
  // 7)
  map_.Remove(S("LWWRegister-1"));
  static_cast<Flag*>(Get("Flag-1"))->Enable();
  d = Take(map_);
  EXPECT_THAT(Strings(d->ormap().removed()), ElementsAre("LWWRegister-1"));
  EXPECT_THAT(Keys(d->ormap().added()), ElementsAre("Flag-1"));
  EXPECT_TRUE(d->ormap().added(0).delta().flag().value());
  // 8)
  map_.Clear();
  d = Take(map_);
  EXPECT_TRUE(d->ormap().cleared());
  EXPECT_EQ(d->ormap().added_size() + d->ormap().updated_size() + d->ormap().removed_size(), 0);
  // 9)
  Get("PNCounter-2");
  map_.Clear();
  static_cast<GCounter*>(Get("GCounter-1"))->Increment(123);
  d = Take(map_);
  EXPECT_TRUE(d->ormap().cleared());
  EXPECT_THAT(Keys(d->ormap().added()), ElementsAre("GCounter-1"));
  EXPECT_EQ(d->ormap().added(0).delta().gcounter().increment(), 123u);
  EXPECT_EQ(map_.size(), 1u);
}

TEST_F(ORMapTest, NoOpsSendNothing) {
  Get("GCounter-1");
  Take(map_);
  Get("GCounter-1");
  EXPECT_FALSE(map_.Remove(S("absent")));
  static_cast<GCounter*>(Get("GCounter-1"))->Increment(0);
  EXPECT_EQ(Take(map_), std::nullopt);
  // Added then removed in the same batch: never seen by the proxy.
  Get("Flag-9");
  map_.Remove(S("Flag-9"));
  EXPECT_EQ(Take(map_), std::nullopt);
}

// C56 (parts): replicated map deltas, nested maps, merge into existing keys.
TEST_F(ORMapTest, ReplicatedDeltasApplyInOrder) {
  Get("GCounter-1");
  Take(map_);
  CrdtDelta d;
  auto* ormap = d.mutable_ormap();
  auto* nested_entry = ormap->add_added();
  *nested_entry->mutable_key() = S("ORMap-1");
  auto* inner = nested_entry->mutable_delta()->mutable_ormap()->add_added();
  *inner->mutable_key() = S("PNCounter-1");
  inner->mutable_delta()->mutable_pncounter()->set_change(123);
  auto* merge = ormap->add_added();
  *merge->mutable_key() = S("GCounter-1");
  merge->mutable_delta()->mutable_gcounter()->set_increment(42);
  auto* absent = ormap->add_updated();
  *absent->mutable_key() = S("absent");
  absent->mutable_delta()->mutable_gcounter()->set_increment(1);
  ASSERT_TRUE(map_.ApplyDelta(d).ok());
  EXPECT_FALSE(map_.HasDelta());
  EXPECT_EQ(static_cast<GCounter*>(map_.Get(S("GCounter-1")))->value(), 42u);
  auto* nested = dynamic_cast<ORMap*>(map_.Get(S("ORMap-1")));
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(static_cast<PNCounter*>(nested->Get(S("PNCounter-1")))->value(), 123);
  EXPECT_FALSE(map_.Contains(S("absent")));

  // A local change inside the nested map is an `updated` entry with a nested map delta.
  static_cast<PNCounter*>(nested->Get(S("PNCounter-1")))->Decrement(456);
  auto local = Take(map_);
  ASSERT_EQ(local->ormap().updated_size(), 1);
  const auto& nested_delta = local->ormap().updated(0).delta().ormap();
  ASSERT_EQ(nested_delta.updated_size(), 1);
  EXPECT_EQ(nested_delta.updated(0).delta().pncounter().change(), -456);

  CrdtDelta clear;
  clear.mutable_ormap()->set_cleared(true);
  auto* gset = clear.mutable_ormap()->add_added();
  *gset->mutable_key() = S("GSet-1");
  *gset->mutable_delta() = GSetDelta({"1", "2", "3"});
  ASSERT_TRUE(map_.ApplyDelta(clear).ok());
  EXPECT_THAT(Strings(map_.Keys()), ElementsAre("GSet-1"));

  CrdtDelta wrong;
  auto* bad = wrong.mutable_ormap()->add_updated();
  *bad->mutable_key() = S("GSet-1");
  bad->mutable_delta()->mutable_flag()->set_value(true);
  EXPECT_FALSE(map_.ApplyDelta(wrong).ok());
}

TEST(CloneTest, RestoreRollsBackValueAndPendingChanges) {
  ORMap map;
  auto* counter = map.GetOrCreateAs<GCounter>(S("c"));
  ASSERT_NE(counter, nullptr);
  counter->Increment(5);
  std::unique_ptr<Crdt> snapshot = map.Clone();
  map.GetOrCreateAs<GCounter>(S("c"))->Increment(7);
  map.Remove(S("c"));
  map.GetOrCreateAs<Flag>(S("f"))->Enable();
  map.RestoreFrom(*snapshot);
  EXPECT_FALSE(map.Contains(S("f")));
  EXPECT_EQ(map.GetOrCreateAs<GCounter>(S("c"))->value(), 5u);
  auto d = Take(map);
  ASSERT_EQ(d->ormap().added_size(), 1);
  EXPECT_EQ(d->ormap().added(0).delta().gcounter().increment(), 5u);
  EXPECT_EQ(map.GetOrCreateAs<Flag>(S("c")), nullptr);  // wrong type
}

}  // namespace
}  // namespace cloudstate::sdk
