#pragma once
// Sans-IO core of cluster membership and shard ownership on etcd. It keeps a view of the
// cluster's keys (fed from an etcd snapshot plus watch events and from its own requests'
// responses), decides which shards this node should own (rendezvous hashing over the live
// members), and asks its driver to send the etcd transactions that acquire and release them.
// No I/O, no clock, no threads: the driver (ClusterNode) or a test feeds every input, including
// the time. The keys layout and the hand-over protocol are described in cluster/README.md.
//
// Safety rule: this node serves a shard only while
//   - etcd recorded it as the shard's owner under its current lease (create-if-absent Txn),
//   - it has not started to release that record, and
//   - its lease deadline, measured from the *sending* time of the last acknowledged keep-alive,
//     has not passed; etcd can only expire the lease later than that.
// Another node can only acquire the shard after the record is deleted (released, or expired with
// the lease), so two nodes never serve one shard. The record's create revision is the fencing
// token: it grows with every change of owner.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace cloudstate::cluster {

// Where the cluster lives in etcd. Keys: <prefix>/members/<node id> and <prefix>/shards/<NNNNN>.
struct ClusterLayout {
  std::string prefix = "/cloudstate/default";
  int num_shards = 64;

  std::string MemberKey(std::string_view node_id) const;
  std::string ShardKey(int shard) const;
  std::string MembersPrefix() const;
  std::string ShardsPrefix() const;
  // The node id of a member key, or nullopt for any other key.
  std::optional<std::string> ParseMemberKey(std::string_view key) const;
  // The shard of a shard key (0 <= shard < num_shards), or nullopt for any other key.
  std::optional<int> ParseShardKey(std::string_view key) const;
};

// The value of a member key (JSON: {"address": "...", "leaving": false}).
struct MemberInfo {
  std::string address;
  // Set during a graceful leave: the member keeps its lease but is no longer assigned shards.
  bool leaving = false;
};
std::string EncodeMemberInfo(const MemberInfo& info);
std::optional<MemberInfo> DecodeMemberInfo(std::string_view value);

// A key as etcd reports it (mvccpb.KeyValue).
struct KeyRecord {
  std::string key;
  std::string value;
  int64_t lease = 0;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

struct WatchEvent {
  bool deleted = false;
  // For a deletion: the key and mod_revision (the revision of the delete).
  KeyRecord kv;
};

// A request the driver sends to etcd, then answers with OnResponse(id, ...).
struct EtcdRequest {
  enum class Kind {
    // Put(key, value, lease): register or update this member.
    kPutMember,
    // Txn: if create_revision(key) == 0 then Put(key, value, lease) else Range(key).
    kAcquireShard,
    // Txn: if mod_revision(key) == expected_mod_revision then Delete(key) else Range(key).
    kReleaseShard,
    // LeaseRevoke(lease): the last step of a graceful leave.
    kRevokeLease,
  };
  uint64_t id = 0;
  Kind kind = Kind::kPutMember;
  int shard = -1;
  std::string key;
  std::string value;
  int64_t lease = 0;
  int64_t expected_mod_revision = 0;
};

struct EtcdResponse {
  // False when the outcome is unknown (RPC error, timeout): the request may or may not have run.
  bool ok = false;
  // Txn: whether the comparison held.
  bool succeeded = false;
  // Header revision: for a successful acquire, the revision of the put (the fencing token); for a
  // successful release, the revision of the delete.
  int64_t revision = 0;
  // Txn whose comparison failed: the key as read in the failure branch (nullopt: absent).
  std::optional<KeyRecord> current;
};

// A change in what this node serves, reported before any request that depends on it.
struct OwnershipChange {
  int shard = 0;
  bool serving = false;
  // The fencing token while serving (the shard record's create revision); 0 when stopped.
  int64_t token = 0;
};

class MembershipCore {
 public:
  // lease_margin is subtracted from every lease deadline, to allow for clock-rate differences
  // between this node and etcd.
  MembershipCore(ClusterLayout layout, std::string node_id, MemberInfo self,
                 absl::Duration lease_margin = absl::Milliseconds(200));

  // ---- inputs ----
  // A new lease was granted; the request was sent at `sent_at` and etcd granted `ttl`.
  void OnLeaseGranted(int64_t lease_id, absl::Time sent_at, absl::Duration ttl);
  // A keep-alive sent at `sent_at` was acknowledged with `ttl` (ttl <= 0: the lease is gone).
  void OnKeepAliveAck(int64_t lease_id, absl::Time sent_at, absl::Duration ttl);
  // The lease is gone or cannot be trusted any more: stop serving everything; a new lease is
  // needed (NeedsLease()). The driver should stop renewing (and best-effort revoke) the old one.
  void OnLeaseLost();
  // A full read of the cluster prefix at `revision`; the watch then starts at revision + 1.
  void OnSnapshot(int64_t revision, const std::vector<KeyRecord>& kvs);
  void OnEvent(const WatchEvent& event);
  void OnResponse(uint64_t request_id, const EtcdResponse& response);
  // Drops everything when the lease deadline has passed.
  void Tick(absl::Time now);
  // Starts a graceful leave: mark the member leaving, release every shard, then revoke the lease.
  void Leave();

  // ---- outputs ----
  std::vector<EtcdRequest> TakeRequests();
  std::vector<OwnershipChange> TakeChanges();

  // ---- state ----
  bool Serves(int shard, absl::Time now) const;
  // The fencing token of a served shard.
  std::optional<int64_t> FencingToken(int shard, absl::Time now) const;
  std::vector<int> ServedShards(absl::Time now) const;
  // The owner etcd records for a shard, as far as this node's view goes.
  std::optional<std::string> RecordedOwner(int shard) const;
  // Members with a live key that are not leaving, sorted.
  std::vector<std::string> LiveMembers() const;
  // The member this node's view assigns the shard to (rendezvous over LiveMembers()).
  std::optional<std::string> DesiredOwner(int shard) const;
  bool NeedsLease() const { return lease_id_ == 0 && !left_; }
  int64_t lease_id() const { return lease_id_; }
  // Its own member key is in the view under the current lease.
  bool Joined() const;
  // The graceful leave has finished (the lease revoke was acknowledged).
  bool Left() const { return left_; }
  bool Leaving() const { return leaving_; }
  const std::string& node_id() const { return node_id_; }
  const ClusterLayout& layout() const { return layout_; }

 private:
  struct Entry {
    // Revision of the latest change applied to this key (a put or a delete).
    int64_t revision = 0;
    std::optional<KeyRecord> record;
  };

  // Applies a put (record set) or delete at `revision` if newer than what the view holds.
  void Apply(const std::string& key, int64_t revision, std::optional<KeyRecord> record);
  void Reconcile();
  void StopServing(int shard);
  void DropAll();
  uint64_t NextId() { return ++last_id_; }
  const KeyRecord* ShardRecord(int shard) const;

  ClusterLayout layout_;
  std::string node_id_;
  MemberInfo self_;
  absl::Duration lease_margin_;

  int64_t lease_id_ = 0;
  absl::Time deadline_ = absl::InfinitePast();
  bool leaving_ = false;
  bool left_ = false;
  bool have_snapshot_ = false;

  // key -> latest known state
  std::map<std::string, Entry> view_;
  // shard -> fencing token, while serving
  std::map<int, int64_t> held_;
  // shard -> create revision of an own record this node stopped serving; never served again
  std::map<int, int64_t> abandoned_;
  // shard -> id of the acquire/release in flight
  std::map<int, uint64_t> in_flight_;
  std::map<uint64_t, EtcdRequest> pending_;
  // The member value last put under the current lease (nullopt: not yet, or a put in flight).
  std::optional<MemberInfo> member_put_;
  bool member_put_in_flight_ = false;
  bool revoke_in_flight_ = false;

  uint64_t last_id_ = 0;
  std::vector<EtcdRequest> requests_;
  std::vector<OwnershipChange> changes_;
};

}  // namespace cloudstate::cluster
