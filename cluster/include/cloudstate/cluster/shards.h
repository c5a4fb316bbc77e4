#pragma once
// Stable placement functions of the cluster: which shard an entity key falls into, and which live
// member owns a shard. Both are pure and documented in cluster/README.md, because every node (and
// any future node version) must compute the same answers from the same inputs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudstate::cluster {

// 64-bit FNV-1a over the bytes of `data` (offset basis 14695981039346656037, prime 1099511628211).
uint64_t Fnv1a64(std::string_view data);

// The shard of an entity: FNV-1a 64 of "<entity type>\n<entity id>" modulo `num_shards`
// (num_shards >= 1). The separator keeps ("a", "b\nc") and ("a\nb", "c") apart only when
// entity types never contain a newline, which holds for protobuf service names.
int ShardOf(std::string_view entity_type, std::string_view entity_id, int num_shards);

// Rendezvous (highest random weight) score of `member` for `shard`: a splitmix64 finalizer applied
// to FNV-1a 64 of the member id plus (shard + 1) times the golden-ratio constant.
uint64_t RendezvousScore(std::string_view member, int shard);

// The member with the highest score for `shard`; ties (practically never) go to the smaller id.
// Independent of the order of `members`; nullopt when there are none. When a member joins, only
// the shards it wins move (to it); when one leaves, only its shards move.
std::optional<std::string> RendezvousOwner(int shard, const std::vector<std::string>& members);

}  // namespace cloudstate::cluster
