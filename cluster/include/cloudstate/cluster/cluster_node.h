#pragma once
// Runs a MembershipCore against a real etcd: grants and keeps alive the node's lease, reads and
// watches the cluster prefix, and sends the core's transactions. Three threads:
//   loop       feeds inputs to the core, reports ownership changes, ticks the lease deadline;
//   rpc        sends the core's requests in order (and lease grants), posts the responses;
//   keepalive  renews the lease every TTL/3 over one LeaseKeepAlive stream;
//   watch      snapshot + watch of the prefix, restarted on any stream failure.
// Ownership changes are reported (on_change, on the loop thread) before any request that depends
// on them is sent, so a "stopped serving" report always precedes the release of that shard.
// Serves()/FencingToken() answer from the core with the current monotonic time, so they are
// exact even if the loop thread is late.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "cloudstate/cluster/etcd_client.h"
#include "cloudstate/cluster/membership_core.h"

namespace cloudstate::cluster {

struct ClusterNodeOptions {
  // host:port of etcd's client URL (plain text, loopback by default).
  std::string etcd_endpoint = "127.0.0.1:2379";
  ClusterLayout layout;
  std::string node_id;
  // Address other nodes reach this one at (stored in the member key).
  std::string advertised_address;
  // Lease TTL (whole seconds at etcd; at least 2 s there).
  absl::Duration lease_ttl = absl::Seconds(10);
  absl::Duration lease_margin = absl::Milliseconds(200);
  // Called on the loop thread for every change in what this node serves; must not block long and
  // must not call Leave() or the destructor.
  std::function<void(const std::string& node_id, const OwnershipChange&)> on_change;
};

class ClusterNode {
 public:
  // Grants the lease and starts the threads; the node then joins and acquires its shards
  // asynchronously (Joined(), ServedShards(), on_change).
  static absl::StatusOr<std::unique_ptr<ClusterNode>> Start(ClusterNodeOptions options);
  ~ClusterNode();

  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Graceful leave: marks the member leaving, releases every shard (each reported stopped first),
  // revokes the lease, then stops. Returns once done, or DeadlineExceeded after `timeout` (the
  // node then stops anyway and its lease expires on its own).
  absl::Status Leave(absl::Duration timeout);
  // Stops at once without releasing anything, as a crash would (every served shard is reported
  // stopped first); etcd deletes the node's keys when its lease expires.
  void Abandon();

  bool Serves(int shard) const;
  std::optional<int64_t> FencingToken(int shard) const;
  std::vector<int> ServedShards() const;
  bool Joined() const;
  int64_t lease_id() const;
  std::vector<std::string> LiveMembers() const;
  const std::string& node_id() const { return options_.node_id; }

  // The node's monotonic clock as an absl::Time (the time base of the core).
  static absl::Time MonotonicNow();

 private:
  explicit ClusterNode(ClusterNodeOptions options);

  void Post(std::function<void(MembershipCore&)> input);
  void LoopThread();
  void RpcThread();
  void KeepAliveThread();
  void WatchThread();
  void Stop();
  // Waits up to `d` unless stopping; false when stopping.
  bool WaitFor(absl::Duration d);
  EtcdResponse Execute(const EtcdRequest& request);
  void RequestLeaseLocked();

  ClusterNodeOptions options_;
  EtcdClient client_;

  mutable absl::Mutex mu_;
  MembershipCore core_ ABSL_GUARDED_BY(mu_);
  std::deque<std::function<void(MembershipCore&)>> inputs_ ABSL_GUARDED_BY(mu_);
  // A core request, or (grant) a new lease after revoking request.lease if not 0.
  struct Job {
    bool grant = false;
    EtcdRequest request;
  };
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  bool grant_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The lease the keep-alive thread renews (0: none).
  int64_t keepalive_lease_ ABSL_GUARDED_BY(mu_) = 0;
  // A lease the core stopped trusting; revoked (best effort) before the next grant so that its
  // keys go at once instead of at its expiry.
  int64_t lost_lease_ ABSL_GUARDED_BY(mu_) = 0;

  // Streams currently open, so that Stop() can cancel their blocking reads.
  absl::Mutex streams_mu_;
  EtcdClient::KeepAliveStream* keepalive_stream_ ABSL_GUARDED_BY(streams_mu_) = nullptr;
  EtcdClient::WatchStream* watch_stream_ ABSL_GUARDED_BY(streams_mu_) = nullptr;

  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

}  // namespace cloudstate::cluster
