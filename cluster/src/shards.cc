#include "cloudstate/cluster/shards.h"

namespace cloudstate::cluster {

uint64_t Fnv1a64(std::string_view data) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

int ShardOf(std::string_view entity_type, std::string_view entity_id, int num_shards) {
  if (num_shards <= 1) {
    return 0;
  }
  uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view part) {
    for (unsigned char c : part) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
  };
  mix(entity_type);
  mix("\n");
  mix(entity_id);
  return static_cast<int>(hash % static_cast<uint64_t>(num_shards));
}

uint64_t RendezvousScore(std::string_view member, int shard) {
  return SplitMix64(Fnv1a64(member) +
                    0x9E3779B97F4A7C15ULL * (static_cast<uint64_t>(shard) + 1ULL));
}

std::optional<std::string> RendezvousOwner(int shard, const std::vector<std::string>& members) {
  const std::string* best = nullptr;
  uint64_t best_score = 0;
  for (const std::string& m : members) {
    const uint64_t score = RendezvousScore(m, shard);
    if (best == nullptr || score > best_score || (score == best_score && m < *best)) {
      best = &m;
      best_score = score;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return *best;
}

}  // namespace cloudstate::cluster
