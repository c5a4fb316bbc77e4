// CrdtSharedState: the kept CRDT value shared by entities with the same persistence id, the
// version of each change and who is told about it.

#include "shell/crdt_shared_state.h"

#include <memory>
#include <optional>
#include <vector>

#include "gtest/gtest.h"

namespace cloudstate::proxy {
namespace {

struct Member {};
using Shared = CrdtSharedState<Member>;

cloudstate::crdt::CrdtDelta Increment(uint64_t n) {
  cloudstate::crdt::CrdtDelta delta;
  delta.mutable_gcounter()->set_increment(n);
  return delta;
}

uint64_t Counter(const CrdtSlot& slot) { return std::get<GCounterValue>(slot.value->v).value; }

TEST(CrdtSharedStateTest, AChangeIsKeptVersionedAndPassedToTheOtherLiveMembersOnly) {
  Shared shared;
  auto a = std::make_shared<Member>();
  auto b = std::make_shared<Member>();
  auto [initial, v0] = shared.Join(a);
  EXPECT_FALSE(initial.value.has_value());
  EXPECT_EQ(v0, 0u);
  shared.Join(b);

  uint64_t version = 0;
  std::vector<std::shared_ptr<Member>> others;
  ASSERT_TRUE(shared.Apply(a.get(), Increment(3), 0, &version, &others).ok());
  EXPECT_EQ(version, 1u);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0], b);

  // A member joining now starts from the change: it is at version 1.
  auto c = std::make_shared<Member>();
  auto [kept, v1] = shared.Join(c);
  EXPECT_EQ(v1, 1u);
  EXPECT_EQ(Counter(kept), 3u);

  // A member that is gone is forgotten.
  b.reset();
  others.clear();
  ASSERT_TRUE(shared.Apply(c.get(), Increment(2), 0, &version, &others).ok());
  EXPECT_EQ(version, 2u);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0], a);
  EXPECT_EQ(Counter(shared.Join(a).first), 5u);
}

TEST(CrdtSharedStateTest, ADeleteIsKeptAndLaterChangesAreIgnored) {
  Shared shared;
  auto a = std::make_shared<Member>();
  shared.Join(a);
  uint64_t version = 0;
  std::vector<std::shared_ptr<Member>> others;
  ASSERT_TRUE(shared.Apply(a.get(), Increment(1), 0, &version, &others).ok());
  ASSERT_TRUE(shared.Apply(a.get(), std::nullopt, 0, &version, &others).ok());
  EXPECT_EQ(version, 2u);
  version = 0;
  ASSERT_TRUE(shared.Apply(a.get(), Increment(1), 0, &version, &others).ok());
  EXPECT_EQ(version, 0u);  // not a change
  const CrdtSlot kept = shared.Join(a).first;
  EXPECT_TRUE(kept.deleted);
  EXPECT_FALSE(kept.value.has_value());
}

TEST(CrdtSharedStateTest, ADeltaThatDoesNotFitIsRefusedAndNotPassedOn) {
  Shared shared;
  auto a = std::make_shared<Member>();
  auto b = std::make_shared<Member>();
  shared.Join(a);
  shared.Join(b);
  uint64_t version = 0;
  std::vector<std::shared_ptr<Member>> others;
  ASSERT_TRUE(shared.Apply(a.get(), Increment(1), 0, &version, &others).ok());
  others.clear();
  cloudstate::crdt::CrdtDelta flag;
  flag.mutable_flag()->set_value(true);
  EXPECT_FALSE(shared.Apply(b.get(), flag, 0, &version, &others).ok());
  EXPECT_TRUE(others.empty());
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(Counter(shared.Join(a).first), 1u);
}

}  // namespace
}  // namespace cloudstate::proxy
