// Membership and shard ownership against a real etcd 3.4 server: three nodes join and spread the
// shards; a node that stops renewing its lease loses its shards when etcd expires the lease; a
// revoked lease moves shards; a graceful leave hands every shard over. Throughout, an independent
// watch of the shard keys checks that etcd never records a second owner over a first one, and an
// ownership board checks that no two nodes report serving one shard at the same time.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include <gtest/gtest.h>

#include "cloudstate/cluster/cluster_node.h"
#include "cloudstate/cluster/etcd_client.h"
#include "cloudstate/cluster/shards.h"
#include "etcd_server.h"

namespace cloudstate::cluster {
namespace {

using testing::EtcdServer;
using testing::Scaled;

constexpr int kShards = 16;

// One etcd per test process, stopped by the environment's TearDown (never leaked: a leaked
// server would outlive the test).
std::unique_ptr<EtcdServer>& ServerSlot() {
  static std::unique_ptr<EtcdServer> server;
  return server;
}

EtcdServer& Server() {
  if (!ServerSlot()) {
    ServerSlot() = std::make_unique<EtcdServer>();
  }
  return *ServerSlot();
}

class EtcdEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { ServerSlot().reset(); }
};

const auto* const kEtcdEnvironment = ::testing::AddGlobalTestEnvironment(new EtcdEnvironment());

// What each node reports serving, with the safety checks applied on every report.
class OwnershipBoard {
 public:
  void OnChange(const std::string& node, const OwnershipChange& change) {
    absl::MutexLock lock(&mu_);
    if (change.serving) {
      auto current = serving_.find(change.shard);
      if (current != serving_.end() && current->second != node) {
        overlaps_.push_back("shard " + std::to_string(change.shard) + ": " + node +
                            " started while " + current->second + " serves");
      }
      if (change.token <= last_token_[change.shard]) {
        token_errors_.push_back("shard " + std::to_string(change.shard) + ": token " +
                                std::to_string(change.token) + " after " +
                                std::to_string(last_token_[change.shard]));
      }
      last_token_[change.shard] = change.token;
      serving_[change.shard] = node;
      tokens_[change.shard] = change.token;
    } else {
      auto current = serving_.find(change.shard);
      if (current != serving_.end() && current->second == node) {
        serving_.erase(current);
      }
    }
  }

  // Waits (on reports, not on a clock) until exactly `expected` is served.
  bool AwaitServing(const std::map<int, std::string>& expected, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return serving_ == expected; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  // Waits (on reports) until `done(serving, tokens)` holds.
  bool Await(const std::function<bool(const std::map<int, std::string>&,
                                      const std::map<int, int64_t>&)>& done,
             absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(serving_, tokens_); };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  std::map<int, std::string> serving() {
    absl::MutexLock lock(&mu_);
    return serving_;
  }
  std::map<int, int64_t> tokens() {
    absl::MutexLock lock(&mu_);
    return tokens_;
  }
  std::vector<std::string> overlaps() {
    absl::MutexLock lock(&mu_);
    return overlaps_;
  }
  std::vector<std::string> token_errors() {
    absl::MutexLock lock(&mu_);
    return token_errors_;
  }

 private:
  absl::Mutex mu_;
  std::map<int, std::string> serving_ ABSL_GUARDED_BY(mu_);
  std::map<int, int64_t> tokens_ ABSL_GUARDED_BY(mu_);
  std::map<int, int64_t> last_token_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> overlaps_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> token_errors_ ABSL_GUARDED_BY(mu_);
};

// An independent watch of <prefix>/shards/ from a given revision, recording every event.
class ShardHistory {
 public:
  ShardHistory(EtcdClient& client, const std::string& shards_prefix, int64_t start_revision) {
    auto watch = client.OpenWatch(shards_prefix, PrefixRangeEnd(shards_prefix), start_revision);
    EXPECT_TRUE(watch.ok()) << watch.status();
    if (!watch.ok()) {
      return;
    }
    stream_ = std::move(*watch);
    reader_ = std::thread([this] {
      etcdserverpb::WatchResponse response;
      while (stream_->Read(response)) {
        absl::MutexLock lock(&mu_);
        for (const auto& event : response.events()) {
          events_.push_back(event);
        }
      }
    });
  }
  ~ShardHistory() {
    if (stream_) {
      stream_->Cancel();
      reader_.join();
      stream_->Finish();
    }
  }

  // Every change of owner went through a deletion: each PUT created the key (version 1), and
  // puts and deletes of a key alternate.
  std::vector<std::string> Violations() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    std::map<std::string, bool> present;
    for (const auto& event : events_) {
      const std::string& key = event.kv().key();
      if (event.type() == mvccpb::Event::PUT) {
        if (event.kv().version() != 1 || present[key]) {
          out.push_back(key + " overwritten at revision " +
                        std::to_string(event.kv().mod_revision()) + " by " + event.kv().value());
        }
        present[key] = true;
      } else {
        present[key] = false;
      }
    }
    return out;
  }
  size_t size() {
    absl::MutexLock lock(&mu_);
    return events_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<mvccpb::Event> events_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<EtcdClient::WatchStream> stream_;
  std::thread reader_;
};

std::map<int, std::string> Expected(const std::vector<std::string>& members) {
  std::map<int, std::string> out;
  for (int shard = 0; shard < kShards; ++shard) {
    out[shard] = *RendezvousOwner(shard, members);
  }
  return out;
}

class ClusterIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Server().Available()) {
      GTEST_SKIP() << "no etcd: set CS_ETCD_ENDPOINT (ci/etcd.sh) or install etcd-server";
    }
    client_ = std::make_unique<EtcdClient>(Server().endpoint());
    ASSERT_TRUE(client_->WaitReady(Scaled(absl::Seconds(60))).ok());
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    layout_.prefix = std::string("/cs-test/") + info->name();
    layout_.num_shards = kShards;
    ASSERT_TRUE(client_->DeletePrefix(layout_.prefix + "/").ok());
    auto start = client_->RangePrefix(layout_.prefix + "/");
    ASSERT_TRUE(start.ok());
    history_ = std::make_unique<ShardHistory>(*client_, layout_.ShardsPrefix(),
                                              start->header().revision() + 1);
  }

  void TearDown() override {
    nodes_.clear();
    if (history_) {
      EXPECT_TRUE(history_->Violations().empty())
          << "etcd recorded a second owner: " << history_->Violations().front();
    }
    history_.reset();
  }

  ClusterNode& StartNode(const std::string& id, absl::Duration ttl) {
    ClusterNodeOptions options{
        .etcd_endpoint = Server().endpoint(),
        .layout = layout_,
        .node_id = id,
        .advertised_address = "127.0.0.1:0",
        .lease_ttl = ttl,
        .on_change = [this](const std::string& node, const OwnershipChange& change) {
          board_.OnChange(node, change);
        }};
    auto node = ClusterNode::Start(std::move(options));
    EXPECT_TRUE(node.ok()) << node.status();
    nodes_[id] = std::move(*node);
    return *nodes_[id];
  }

  // Etcd's records agree with what the nodes report.
  void ExpectEtcdRecords(const std::map<int, std::string>& expected) {
    auto range = client_->RangePrefix(layout_.ShardsPrefix());
    ASSERT_TRUE(range.ok());
    std::map<int, std::string> recorded;
    std::map<int, int64_t> tokens;
    for (const auto& kv : range->kvs()) {
      auto shard = layout_.ParseShardKey(kv.key());
      ASSERT_TRUE(shard.has_value()) << kv.key();
      recorded[*shard] = kv.value();
      tokens[*shard] = kv.create_revision();
    }
    EXPECT_EQ(recorded, expected);
    EXPECT_EQ(tokens, board_.tokens());
    for (const auto& [shard, owner] : expected) {
      EXPECT_EQ(nodes_.at(owner)->FencingToken(shard), std::optional(tokens[shard]))
          << "shard " << shard;
    }
  }

  // n2's lease TTL may differ: only the node whose expiry is tested gets a short one, so that a
  // loaded machine cannot make the others miss a renewal.
  void StartThree(absl::Duration ttl, absl::Duration n2_ttl) {
    for (const char* id : {"n1", "n2", "n3"}) {
      StartNode(id, std::string(id) == "n2" ? n2_ttl : ttl);
    }
    ASSERT_TRUE(board_.AwaitServing(Expected({"n1", "n2", "n3"}), Scaled(absl::Seconds(30))))
        << "shards not spread over three members";
  }

  std::unique_ptr<EtcdClient> client_;
  ClusterLayout layout_;
  OwnershipBoard board_;
  std::unique_ptr<ShardHistory> history_;
  std::map<std::string, std::unique_ptr<ClusterNode>> nodes_;
};

TEST(EtcdClientTest, KvTxnLeaseAndWatchRoundTrip) {
  if (!Server().Available()) {
    GTEST_SKIP() << "no etcd";
  }
  EtcdClient client(Server().endpoint());
  ASSERT_TRUE(client.WaitReady(Scaled(absl::Seconds(60))).ok());
  const std::string prefix = "/cs-test/client/";
  ASSERT_TRUE(client.DeletePrefix(prefix).ok());
  auto put = client.Put(prefix + "a", "1");
  ASSERT_TRUE(put.ok()) << put.status();
  auto watch = client.OpenWatch(prefix, PrefixRangeEnd(prefix), put->header().revision());
  ASSERT_TRUE(watch.ok()) << watch.status();

  // Create-if-absent fails on an existing key and reads it in the failure branch.
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key(prefix + "a");
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_create_revision(0);
  txn.add_success()->mutable_request_put()->set_key(prefix + "a");
  txn.add_failure()->mutable_request_range()->set_key(prefix + "a");
  auto result = client.Txn(txn);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->succeeded());
  ASSERT_EQ(result->responses(0).response_range().kvs_size(), 1);
  EXPECT_EQ(result->responses(0).response_range().kvs(0).value(), "1");

  auto lease = client.LeaseGrant(absl::Seconds(30));
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(lease->ttl(), 30);
  ASSERT_TRUE(client.Put(prefix + "b", "2", lease->id()).ok());
  auto keepalive = client.OpenKeepAlive();
  ASSERT_TRUE(keepalive->Send(lease->id()));
  etcdserverpb::LeaseKeepAliveResponse ack;
  ASSERT_TRUE(keepalive->Read(ack));
  EXPECT_EQ(ack.id(), lease->id());
  EXPECT_EQ(ack.ttl(), 30);
  ASSERT_TRUE(client.LeaseRevoke(lease->id()).ok());
  auto ttl = client.LeaseTimeToLive(lease->id());
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, -1);
  // A keep-alive of a revoked lease answers TTL 0.
  ASSERT_TRUE(keepalive->Send(lease->id()));
  ASSERT_TRUE(keepalive->Read(ack));
  EXPECT_LE(ack.ttl(), 0);
  keepalive->Cancel();
  keepalive->Finish();

  // The watch saw: put a, put b (with the lease), delete b (revocation).
  std::vector<mvccpb::Event> events;
  etcdserverpb::WatchResponse response;
  while (events.size() < 3 && (*watch)->Read(response)) {
    for (const auto& e : response.events()) {
      events.push_back(e);
    }
  }
  (*watch)->Cancel();
  (*watch)->Finish();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv().key(), prefix + "a");
  EXPECT_EQ(events[1].kv().lease(), lease->id());
  EXPECT_EQ(events[2].type(), mvccpb::Event::DELETE);
  EXPECT_EQ(events[2].kv().key(), prefix + "b");
  EXPECT_GT(events[2].kv().mod_revision(), events[1].kv().mod_revision());
}

TEST_F(ClusterIntegrationTest, ThreeMembersSpreadTheShards) {
  StartThree(absl::Seconds(10), absl::Seconds(10));
  const auto expected = Expected({"n1", "n2", "n3"});
  ExpectEtcdRecords(expected);
  auto members = client_->RangePrefix(layout_.MembersPrefix());
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->kvs_size(), 3);
  for (const auto& kv : members->kvs()) {
    auto info = DecodeMemberInfo(kv.value());
    ASSERT_TRUE(info.has_value()) << kv.value();
    EXPECT_EQ(info->address, "127.0.0.1:0");
    EXPECT_FALSE(info->leaving);
    EXPECT_EQ(kv.lease(), nodes_.at(*layout_.ParseMemberKey(kv.key()))->lease_id());
  }
  for (const auto& [id, node] : nodes_) {
    EXPECT_TRUE(node->Joined()) << id;
    EXPECT_FALSE(node->ServedShards().empty()) << id << " got no shard";
  }
  EXPECT_TRUE(board_.overlaps().empty()) << board_.overlaps().front();
  EXPECT_TRUE(board_.token_errors().empty()) << board_.token_errors().front();
}

// The subject is lease expiry, so n2's TTL is short (2 s, etcd's minimum).
TEST_F(ClusterIntegrationTest, ExpiredLeaseMovesShards) {
  StartThree(absl::Seconds(10), absl::Seconds(2));
  const auto before = board_.tokens();
  const auto expected_before = Expected({"n1", "n2", "n3"});
  // n2 stops as if killed: no release, no more keep-alives; etcd expires its lease.
  nodes_.at("n2")->Abandon();
  const auto expected = Expected({"n1", "n3"});
  ASSERT_TRUE(board_.AwaitServing(expected, Scaled(absl::Seconds(30))))
      << "n2's shards did not move after its lease expired";
  ExpectEtcdRecords(expected);
  const auto after = board_.tokens();
  for (const auto& [shard, owner] : expected_before) {
    if (owner == "n2") {
      EXPECT_GT(after.at(shard), before.at(shard)) << "moved shard " << shard << " kept its token";
    } else {
      EXPECT_EQ(after.at(shard), before.at(shard)) << "shard " << shard << " moved needlessly";
    }
  }
  EXPECT_TRUE(board_.overlaps().empty()) << board_.overlaps().front();
  EXPECT_TRUE(board_.token_errors().empty()) << board_.token_errors().front();
}

TEST_F(ClusterIntegrationTest, RevokedLeaseMovesShardsAndTheNodeRejoins) {
  StartThree(absl::Seconds(10), absl::Seconds(10));
  const auto before = board_.tokens();
  const auto assigned = Expected({"n1", "n2", "n3"});
  const int64_t old_lease = nodes_.at("n2")->lease_id();
  ASSERT_TRUE(client_->LeaseRevoke(old_lease).ok());
  // n2 learns from the watch and its keep-alive that the lease is gone, stops serving, takes a
  // new lease and rejoins; its shards come back to it with new tokens. (A third party revoking a
  // lease is not something a node can see coming, so reports may overlap briefly here; the
  // fencing tokens below and etcd's history are what protect the data.)
  const bool rejoined = board_.Await(
      [&](const std::map<int, std::string>& serving, const std::map<int, int64_t>& tokens) {
        if (serving != assigned) {
          return false;
        }
        for (const auto& [shard, owner] : assigned) {
          if (owner == "n2" && tokens.at(shard) <= before.at(shard)) {
            return false;
          }
        }
        return true;
      },
      Scaled(absl::Seconds(30)));
  ASSERT_TRUE(rejoined) << "n2 did not re-acquire its shards under a new lease";
  EXPECT_NE(nodes_.at("n2")->lease_id(), old_lease);
  ExpectEtcdRecords(assigned);
  EXPECT_TRUE(board_.token_errors().empty()) << board_.token_errors().front();
}

TEST_F(ClusterIntegrationTest, GracefulLeaveHandsShardsOver) {
  StartThree(absl::Seconds(10), absl::Seconds(10));
  const auto before = board_.tokens();
  ASSERT_TRUE(nodes_.at("n2")->Leave(Scaled(absl::Seconds(30))).ok());
  const auto expected = Expected({"n1", "n3"});
  ASSERT_TRUE(board_.AwaitServing(expected, Scaled(absl::Seconds(30))));
  ExpectEtcdRecords(expected);
  auto member = client_->RangePrefix(layout_.MemberKey("n2"));
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->kvs_size(), 0) << "n2's member key outlived its leave";
  const auto after = board_.tokens();
  for (const auto& [shard, owner] : Expected({"n1", "n2", "n3"})) {
    if (owner == "n2") {
      EXPECT_GT(after.at(shard), before.at(shard));
    } else {
      EXPECT_EQ(after.at(shard), before.at(shard));
    }
  }
  // A hand-over never overlaps: the leaver stops before it releases, the taker starts after.
  EXPECT_TRUE(board_.overlaps().empty()) << board_.overlaps().front();
  EXPECT_TRUE(board_.token_errors().empty()) << board_.token_errors().front();
}

}  // namespace
}  // namespace cloudstate::cluster
