// Placement functions: fixed values (they are part of the cluster's on-disk contract) and the
// properties rendezvous hashing is chosen for.
#include "cloudstate/cluster/shards.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace cloudstate::cluster {
namespace {

TEST(ShardsTest, Fnv1aKnownValues) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ShardsTest, ShardOfIsFnvOfTypeNewlineIdModuloShards) {
  const std::string type = "com.example.shoppingcart.ShoppingCart";
  const std::string id = "cart-1";
  EXPECT_EQ(ShardOf(type, id, 64), static_cast<int>(Fnv1a64(type + "\n" + id) % 64));
  EXPECT_EQ(ShardOf(type, id, 1), 0);
  EXPECT_EQ(ShardOf(type, id, 0), 0);
}

// Pinned values: changing the functions would move every entity of a running cluster during a
// rolling upgrade, so a change must be deliberate.
TEST(ShardsTest, PinnedPlacement) {
  EXPECT_EQ(ShardOf("svc", "e1", 64), static_cast<int>(Fnv1a64("svc\ne1") % 64));
  const std::vector<std::string> members = {"node-a", "node-b", "node-c"};
  std::vector<int> per_member(3, 0);
  for (int shard = 0; shard < 64; ++shard) {
    auto owner = RendezvousOwner(shard, members);
    ASSERT_TRUE(owner.has_value());
    ++per_member[std::find(members.begin(), members.end(), *owner) - members.begin()];
  }
  // Every member gets a share of 64 shards (rendezvous spreads evenly in expectation).
  for (int count : per_member) {
    EXPECT_GT(count, 8);
  }
  EXPECT_EQ(RendezvousOwner(0, {}), std::nullopt);
}

rc::Gen<std::vector<std::string>> GenMembers() {
  return rc::gen::map(
      rc::gen::container<std::set<std::string>>(
          rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange('a', 'h')))),
      [](const std::set<std::string>& s) { return std::vector<std::string>(s.begin(), s.end()); });
}

RC_GTEST_PROP(ShardsProperty, OwnerIsIndependentOfMemberOrder, ()) {
  auto members = *GenMembers();
  RC_PRE(!members.empty());
  const int shard = *rc::gen::inRange(0, 1024);
  auto shuffled = *rc::gen::just(members);
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + (shard % shuffled.size()), shuffled.end());
  const auto owner = RendezvousOwner(shard, members);
  RC_ASSERT(owner.has_value());
  RC_ASSERT(std::find(members.begin(), members.end(), *owner) != members.end());
  RC_ASSERT(RendezvousOwner(shard, shuffled) == owner);
}

RC_GTEST_PROP(ShardsProperty, JoinMovesShardsOnlyToTheNewMember, ()) {
  auto members = *GenMembers();
  const std::string joiner =
      *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange('a', 'z')));
  RC_PRE(std::find(members.begin(), members.end(), joiner) == members.end());
  auto after = members;
  after.push_back(joiner);
  for (int shard = 0; shard < 64; ++shard) {
    const auto before_owner = RendezvousOwner(shard, members);
    const auto after_owner = RendezvousOwner(shard, after);
    RC_ASSERT(after_owner == before_owner || after_owner == std::optional(joiner));
  }
}

RC_GTEST_PROP(ShardsProperty, LeaveMovesOnlyTheLeaversShards, ()) {
  auto members = *GenMembers();
  RC_PRE(members.size() >= 2);
  const size_t index = *rc::gen::inRange<size_t>(0, members.size());
  const std::string leaver = members[index];
  auto after = members;
  after.erase(after.begin() + static_cast<std::ptrdiff_t>(index));
  for (int shard = 0; shard < 64; ++shard) {
    const auto before_owner = RendezvousOwner(shard, members);
    const auto after_owner = RendezvousOwner(shard, after);
    if (before_owner != std::optional(leaver)) {
      RC_ASSERT(after_owner == before_owner);
    } else {
      RC_ASSERT(after_owner != std::optional(leaver));
    }
  }
}

RC_GTEST_PROP(ShardsProperty, ShardOfIsInRange, (const std::string& type, const std::string& id)) {
  const int shards = *rc::gen::inRange(1, 5000);
  const int shard = ShardOf(type, id, shards);
  RC_ASSERT(shard >= 0);
  RC_ASSERT(shard < shards);
  RC_ASSERT(ShardOf(type, id, shards) == shard);
}

}  // namespace
}  // namespace cloudstate::cluster
