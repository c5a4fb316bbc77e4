// The sans-IO membership core against a model of etcd (keys, revisions, leases that expire on
// the server's clock, one ordered watch log) in which every message can be delayed arbitrarily
// and nodes can pause, crash, join, leave and lose their lease. RapidCheck explores interleavings;
// after every step at most one node serves each shard, and the one serving it is the owner etcd
// records with the same fencing token.
#include "cloudstate/cluster/membership_core.h"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cloudstate/cluster/shards.h"

namespace cloudstate::cluster {
namespace {

constexpr int kShards = 8;
const absl::Duration kTtl = absl::Seconds(2);

ClusterLayout Layout() { return ClusterLayout{.prefix = "/t", .num_shards = kShards}; }

// etcd as far as the core can observe it.
class ModelEtcd {
 public:
  int64_t revision() const { return revision_; }
  const std::vector<WatchEvent>& log() const { return log_; }

  int64_t Grant(absl::Time now) {
    const int64_t id = ++last_lease_;
    leases_[id] = now + kTtl;
    return id;
  }
  bool LeaseAlive(int64_t id) const { return leases_.count(id) != 0; }
  // A keep-alive reaching the server at `now`: the TTL it answers (zero when the lease is gone).
  absl::Duration KeepAlive(int64_t id, absl::Time now) {
    auto it = leases_.find(id);
    if (it == leases_.end()) {
      return absl::ZeroDuration();
    }
    it->second = now + kTtl;
    return kTtl;
  }
  void Expire(absl::Time now) {
    std::vector<int64_t> expired;
    for (const auto& [id, expiry] : leases_) {
      if (expiry <= now) {
        expired.push_back(id);
      }
    }
    for (int64_t id : expired) {
      for (const auto& [key, record] : kv_) {
        if (record.lease == id && key.starts_with(Layout().ShardsPrefix())) {
          ++expired_owner_leases_;
          break;
        }
      }
      Revoke(id);
    }
  }
  int expired_owner_leases() const { return expired_owner_leases_; }
  // Revoking deletes every attached key in one revision.
  void Revoke(int64_t id) {
    leases_.erase(id);
    std::vector<std::string> keys;
    for (const auto& [key, record] : kv_) {
      if (record.lease == id) {
        keys.push_back(key);
      }
    }
    if (keys.empty()) {
      return;
    }
    ++revision_;
    for (const auto& key : keys) {
      kv_.erase(key);
      log_.push_back(WatchEvent{.deleted = true, .kv = {.key = key, .mod_revision = revision_}});
    }
  }
  std::vector<KeyRecord> All() const {
    std::vector<KeyRecord> out;
    for (const auto& [key, record] : kv_) {
      out.push_back(record);
    }
    return out;
  }
  const KeyRecord* Get(const std::string& key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? nullptr : &it->second;
  }

  EtcdResponse Execute(const EtcdRequest& request) {
    EtcdResponse response;
    switch (request.kind) {
      case EtcdRequest::Kind::kPutMember:
        if (!LeaseAlive(request.lease)) {
          return response;  // etcd: "requested lease not found"
        }
        Put(request.key, request.value, request.lease);
        response.ok = response.succeeded = true;
        break;
      case EtcdRequest::Kind::kAcquireShard:
        if (const KeyRecord* current = Get(request.key)) {
          response.ok = true;
          response.current = *current;
        } else {
          if (!LeaseAlive(request.lease)) {
            return response;
          }
          Put(request.key, request.value, request.lease);
          response.ok = response.succeeded = true;
        }
        break;
      case EtcdRequest::Kind::kReleaseShard: {
        const KeyRecord* current = Get(request.key);
        response.ok = true;
        if (current != nullptr && current->mod_revision == request.expected_mod_revision) {
          ++revision_;
          kv_.erase(request.key);
          log_.push_back(
              WatchEvent{.deleted = true, .kv = {.key = request.key, .mod_revision = revision_}});
          response.succeeded = true;
        } else if (current != nullptr) {
          response.current = *current;
        }
        break;
      }
      case EtcdRequest::Kind::kRevokeLease:
        Revoke(request.lease);
        response.ok = response.succeeded = true;
        break;
    }
    response.revision = revision_;
    return response;
  }

 private:
  void Put(const std::string& key, const std::string& value, int64_t lease) {
    ++revision_;
    KeyRecord& record = kv_[key];
    const bool fresh = record.create_revision == 0;
    record = KeyRecord{.key = key,
                       .value = value,
                       .lease = lease,
                       .create_revision = fresh ? revision_ : record.create_revision,
                       .mod_revision = revision_};
    log_.push_back(WatchEvent{.deleted = false, .kv = record});
  }

  int expired_owner_leases_ = 0;
  int64_t revision_ = 1;
  int64_t last_lease_ = 1000;
  std::map<int64_t, absl::Time> leases_;
  std::map<std::string, KeyRecord> kv_;
  std::vector<WatchEvent> log_;
};

struct ModelNode {
  std::unique_ptr<MembershipCore> core;
  // A crashed node takes no more steps; its core still answers Serves(), as a paused process
  // would on resuming, so the safety check covers pauses too.
  bool crashed = false;
  size_t watch_cursor = 0;
  std::deque<EtcdRequest> outbox;
  std::deque<std::pair<uint64_t, EtcdResponse>> inbox;
  std::deque<absl::Time> keepalives_sent;
  // (lease, sent at, ttl) acknowledgements on their way back
  std::deque<std::tuple<int64_t, absl::Time, absl::Duration>> keepalive_acks;
};

class Cluster {
 public:
  absl::Time now() const { return now_; }
  ModelEtcd& etcd() { return etcd_; }
  std::vector<ModelNode>& nodes() { return nodes_; }

  void Join() {
    ModelNode node;
    const std::string id = "n" + std::to_string(nodes_.size());
    node.core = std::make_unique<MembershipCore>(Layout(), id, MemberInfo{.address = id + ":1"});
    node.core->OnLeaseGranted(etcd_.Grant(now_), now_, kTtl);
    node.core->OnSnapshot(etcd_.revision(), etcd_.All());
    node.watch_cursor = etcd_.log().size();
    nodes_.push_back(std::move(node));
    Collect();
  }

  void Step(int kind, size_t n, int amount) {
    if (kind == 0) {
      Advance(absl::Milliseconds(100) * amount);
      return;
    }
    if (kind == 1) {
      if (nodes_.size() < 5) {
        Join();
      }
      return;
    }
    if (nodes_.empty()) {
      return;
    }
    ModelNode& node = nodes_[n % nodes_.size()];
    switch (kind) {
      case 2:  // a request reaches etcd (even from a crashed node: it was already sent)
        if (!node.outbox.empty()) {
          auto request = node.outbox.front();
          node.outbox.pop_front();
          auto response = etcd_.Execute(request);
          if (!node.crashed) {
            node.inbox.emplace_back(request.id, response);
          }
        }
        break;
      case 3:  // a response reaches the node, or is lost (the RPC fails with an unknown outcome)
        if (!node.crashed && !node.inbox.empty()) {
          auto [id, response] = node.inbox.front();
          node.inbox.pop_front();
          node.core->OnResponse(id, amount % 5 == 0 ? EtcdResponse{.ok = false} : response);
        }
        break;
      case 4:  // a watch event reaches the node
        if (!node.crashed && node.watch_cursor < etcd_.log().size()) {
          node.core->OnEvent(etcd_.log()[node.watch_cursor++]);
        }
        break;
      case 5:  // the node sends a keep-alive
        if (!node.crashed && node.core->lease_id() != 0) {
          node.keepalives_sent.push_back(now_);
        }
        break;
      case 6:  // etcd receives it
        if (!node.keepalives_sent.empty()) {
          const absl::Time sent = node.keepalives_sent.front();
          node.keepalives_sent.pop_front();
          const int64_t lease = node.core->lease_id();
          node.keepalive_acks.emplace_back(lease, sent, etcd_.KeepAlive(lease, now_));
        }
        break;
      case 7:  // the acknowledgement reaches the node
        if (!node.crashed && !node.keepalive_acks.empty()) {
          auto [lease, sent, ttl] = node.keepalive_acks.front();
          node.keepalive_acks.pop_front();
          node.core->OnKeepAliveAck(lease, sent, ttl);
        }
        break;
      case 8:  // a node without a lease gets a new one
        if (!node.crashed && node.core->NeedsLease()) {
          node.keepalives_sent.clear();
          node.keepalive_acks.clear();
          node.core->OnLeaseGranted(etcd_.Grant(now_), now_, kTtl);
        }
        break;
      case 9:
        if (amount % 3 == 0) {
          node.crashed = true;
        } else if (!node.crashed) {
          node.core->Leave();
        }
        break;
      default:
        break;
    }
    Collect();
  }

  void Advance(absl::Duration d) {
    now_ += d;
    etcd_.Expire(now_);
    for (auto& node : nodes_) {
      if (!node.crashed) {
        node.core->Tick(now_);
      }
    }
    Collect();
  }

  // Moves requests out of the cores and checks that ownership changes only report served
  // shards that etcd records for the node.
  void Collect() {
    for (auto& node : nodes_) {
      for (auto& request : node.core->TakeRequests()) {
        node.outbox.push_back(std::move(request));
      }
      node.core->TakeChanges();
    }
  }

  // Safety: a serving node is the recorded owner under its lease with the same token.
  void CheckSafety() const {
    for (int shard = 0; shard < kShards; ++shard) {
      int serving = 0;
      for (const auto& node : nodes_) {
        if (!node.core->Serves(shard, now_)) {
          continue;
        }
        ++serving;
        const KeyRecord* record = etcd_.Get(Layout().ShardKey(shard));
        RC_ASSERT(record != nullptr);
        RC_ASSERT(record->value == node.core->node_id());
        RC_ASSERT(record->lease == node.core->lease_id());
        RC_ASSERT(node.core->FencingToken(shard, now_) == std::optional(record->create_revision));
      }
      RC_ASSERT(serving <= 1);
    }
  }

  bool AnyServing() const {
    for (const auto& node : nodes_) {
      if (!node.core->ServedShards(now_).empty()) {
        return true;
      }
    }
    return false;
  }
  int expired_owner_leases() const { return etcd_.expired_owner_leases(); }

  bool Active(const ModelNode& node) const {
    return !node.crashed && !node.core->Left() && !node.core->Leaving();
  }

  // No more faults: deliver everything, keep live leases alive, let time pass so that crashed
  // nodes' leases expire, until nothing changes.
  void Settle() {
    for (int round = 0; round < 40; ++round) {
      for (auto& node : nodes_) {
        if (node.crashed || node.core->Left()) {
          continue;
        }
        if (node.core->NeedsLease()) {
          node.core->OnLeaseGranted(etcd_.Grant(now_), now_, kTtl);
        }
        node.keepalives_sent.clear();
        node.keepalive_acks.clear();
        const int64_t lease = node.core->lease_id();
        if (lease != 0) {
          node.core->OnKeepAliveAck(lease, now_, etcd_.KeepAlive(lease, now_));
        }
      }
      Collect();
      for (bool moved = true; moved;) {
        moved = false;
        for (size_t i = 0; i < nodes_.size(); ++i) {
          ModelNode& node = nodes_[i];
          while (
              !node.outbox.empty() ||
              (!node.crashed && (!node.inbox.empty() || node.watch_cursor < etcd_.log().size()))) {
            moved = true;
            Step(2, i, 0);
            Step(3, i, 1);
            Step(4, i, 0);
          }
        }
        CheckSafety();
      }
      Advance(kTtl / 4);
      CheckSafety();
    }
    RenewAll();
  }

  // Every running node renews its lease now.
  void RenewAll() {
    for (auto& node : nodes_) {
      const int64_t lease = node.core->lease_id();
      if (!node.crashed && lease != 0) {
        node.core->OnKeepAliveAck(lease, now_, etcd_.KeepAlive(lease, now_));
      }
    }
  }

 private:
  absl::Time now_ = absl::UnixEpoch() + absl::Hours(1);
  ModelEtcd etcd_;
  std::vector<ModelNode> nodes_;
};

TEST(MembershipCoreTest, SingleNodeOwnsEveryShard) {
  Cluster cluster;
  cluster.Join();
  cluster.Settle();
  const auto& core = *cluster.nodes()[0].core;
  EXPECT_TRUE(core.Joined());
  EXPECT_EQ(core.ServedShards(cluster.now()).size(), static_cast<size_t>(kShards));
  for (int shard = 0; shard < kShards; ++shard) {
    const KeyRecord* record = cluster.etcd().Get(Layout().ShardKey(shard));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(core.FencingToken(shard, cluster.now()), record->create_revision);
  }
}

TEST(MembershipCoreTest, JoinSpreadsAndLeaveHandsOver) {
  Cluster cluster;
  for (int i = 0; i < 3; ++i) {
    cluster.Join();
  }
  cluster.Settle();
  const std::vector<std::string> all = {"n0", "n1", "n2"};
  for (int shard = 0; shard < kShards; ++shard) {
    const auto owner = RendezvousOwner(shard, all);
    const KeyRecord* record = cluster.etcd().Get(Layout().ShardKey(shard));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->value, *owner);
    EXPECT_TRUE(cluster.nodes()[owner->back() - '0'].core->Serves(shard, cluster.now()));
  }
  std::map<int, int64_t> tokens;
  for (int shard = 0; shard < kShards; ++shard) {
    tokens[shard] = cluster.etcd().Get(Layout().ShardKey(shard))->create_revision;
  }
  cluster.nodes()[1].core->Leave();
  cluster.Collect();
  cluster.Settle();
  EXPECT_TRUE(cluster.nodes()[1].core->Left());
  EXPECT_EQ(cluster.etcd().Get(Layout().MemberKey("n1")), nullptr);
  const std::vector<std::string> rest = {"n0", "n2"};
  for (int shard = 0; shard < kShards; ++shard) {
    const KeyRecord* record = cluster.etcd().Get(Layout().ShardKey(shard));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->value, *RendezvousOwner(shard, rest));
    if (RendezvousOwner(shard, all) == "n1") {
      // Moved: a new owner means a new, larger fencing token.
      EXPECT_GT(record->create_revision, tokens[shard]);
    } else {
      EXPECT_EQ(record->create_revision, tokens[shard]);
    }
  }
}

TEST(MembershipCoreTest, LeaseDeadlineStopsServingBeforeEtcdExpires) {
  Cluster cluster;
  cluster.Join();
  cluster.Settle();
  auto& core = *cluster.nodes()[0].core;
  ASSERT_FALSE(core.ServedShards(cluster.now()).empty());
  // No keep-alive for a whole TTL: the node stops serving (deadline minus margin) while etcd
  // still holds the records.
  cluster.nodes()[0].crashed = true;
  const absl::Time last_renewal = cluster.now();
  cluster.Advance(kTtl - absl::Milliseconds(100));
  EXPECT_TRUE(core.ServedShards(cluster.now()).empty());
  EXPECT_NE(cluster.etcd().Get(Layout().ShardKey(0)), nullptr);
  cluster.Advance(absl::Milliseconds(100));
  EXPECT_EQ(cluster.now(), last_renewal + kTtl);
  EXPECT_EQ(cluster.etcd().Get(Layout().ShardKey(0)), nullptr);
}

TEST(MembershipCoreTest, IgnoresForeignAndMalformedKeys) {
  MembershipCore core(Layout(), "n0", MemberInfo{.address = "a"});
  const absl::Time now = absl::UnixEpoch();
  core.OnLeaseGranted(7, now, kTtl);
  core.OnSnapshot(5, {KeyRecord{.key = "/t/members/x", .value = "not json", .mod_revision = 3},
                      KeyRecord{.key = "/t/shards/abc", .value = "x", .mod_revision = 4},
                      KeyRecord{.key = "/t/shards/99999", .value = "x", .mod_revision = 4},
                      KeyRecord{.key = "/other", .value = "x", .mod_revision = 4}});
  EXPECT_TRUE(core.LiveMembers().empty());
  EXPECT_EQ(DecodeMemberInfo("{\"address\": 3}"), std::nullopt);
  EXPECT_EQ(DecodeMemberInfo("[]"), std::nullopt);
  auto info = DecodeMemberInfo(EncodeMemberInfo(MemberInfo{.address = "h:1", .leaving = true}));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->address, "h:1");
  EXPECT_TRUE(info->leaving);
  EXPECT_EQ(Layout().ParseShardKey(Layout().ShardKey(7)), std::optional(7));
  EXPECT_EQ(Layout().ParseMemberKey(Layout().MemberKey("n9")), std::optional<std::string>("n9"));
}

RC_GTEST_PROP(MembershipCoreProperty, AtMostOneOwnerInAnyInterleaving, ()) {
  Cluster cluster;
  const int initial = *rc::gen::inRange(1, 4);
  for (int i = 0; i < initial; ++i) {
    cluster.Join();
  }
  if (*rc::gen::arbitrary<bool>()) {
    // Start from a settled cluster whose shards are all served.
    cluster.Settle();
  }
  // Weighted steps: deliveries are frequent, faults rare.
  const size_t count = *rc::gen::inRange<size_t>(0, 400);
  const auto steps = *rc::gen::container<std::vector<std::tuple<int, size_t, int>>>(
      count,
      rc::gen::tuple(
          rc::gen::weightedElement<int>(
              {{3, 0}, {1, 1}, {12, 2}, {12, 3}, {12, 4}, {4, 5}, {4, 6}, {4, 7}, {2, 8}, {1, 9}}),
          rc::gen::inRange<size_t>(0, 5), rc::gen::inRange(1, 12)));
  int served_steps = 0;
  for (const auto& [kind, node, amount] : steps) {
    cluster.Step(kind, node, amount);
    cluster.CheckSafety();
    served_steps += cluster.AnyServing() ? 1 : 0;
  }
  // How much of the random phase had shards served, and how many lease expiries hit an owner.
  RC_CLASSIFY(served_steps > 0, "shards served during faults");
  RC_CLASSIFY(cluster.expired_owner_leases() > 0, "an owner's lease expired");
  cluster.Settle();
  // Liveness once faults stop: every shard is served by its rendezvous owner among the active
  // members, with the token etcd records.
  std::vector<std::string> active;
  for (const auto& node : cluster.nodes()) {
    RC_ASSERT(!node.core->Leaving() || node.crashed || node.core->Left());
    if (cluster.Active(node)) {
      active.push_back(node.core->node_id());
    }
  }
  for (int shard = 0; shard < kShards; ++shard) {
    const auto owner = RendezvousOwner(shard, active);
    const KeyRecord* record = cluster.etcd().Get(Layout().ShardKey(shard));
    if (!owner) {
      RC_ASSERT(record == nullptr);
      continue;
    }
    RC_ASSERT(record != nullptr);
    RC_ASSERT(record->value == *owner);
    for (const auto& node : cluster.nodes()) {
      if (node.core->node_id() == *owner) {
        RC_ASSERT(node.core->Serves(shard, cluster.now()));
      }
    }
  }
}

}  // namespace
}  // namespace cloudstate::cluster
