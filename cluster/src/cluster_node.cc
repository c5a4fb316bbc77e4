#include "cloudstate/cluster/cluster_node.h"

#include <chrono>
#include <utility>

#include "spdlog/spdlog.h"

namespace cloudstate::cluster {

namespace {

KeyRecord ToRecord(const mvccpb::KeyValue& kv) {
  return KeyRecord{.key = kv.key(),
                   .value = kv.value(),
                   .lease = kv.lease(),
                   .create_revision = kv.create_revision(),
                   .mod_revision = kv.mod_revision()};
}

const absl::Duration kRetryBackoff = absl::Milliseconds(250);

}  // namespace

absl::Time ClusterNode::MonotonicNow() {
  return absl::UnixEpoch() + absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
}

ClusterNode::ClusterNode(ClusterNodeOptions options)
    : options_(std::move(options)),
      client_(options_.etcd_endpoint),
      core_(options_.layout, options_.node_id, MemberInfo{.address = options_.advertised_address},
            options_.lease_margin) {}

absl::StatusOr<std::unique_ptr<ClusterNode>> ClusterNode::Start(ClusterNodeOptions options) {
  if (options.node_id.empty() || options.node_id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("cluster node id must be non-empty and contain no '/'");
  }
  if (options.layout.num_shards < 1) {
    return absl::InvalidArgumentError("cluster needs at least one shard");
  }
  std::unique_ptr<ClusterNode> node(new ClusterNode(std::move(options)));
  const absl::Time sent = MonotonicNow();
  auto grant = node->client_.LeaseGrant(node->options_.lease_ttl);
  if (!grant.ok()) {
    return grant.status();
  }
  {
    absl::MutexLock lock(&node->mu_);
    node->core_.OnLeaseGranted(grant->id(), sent, absl::Seconds(grant->ttl()));
    node->keepalive_lease_ = grant->id();
  }
  spdlog::info("cluster: node {} registering with lease {:x} (ttl {} s) at {}",
               node->options_.node_id, grant->id(), grant->ttl(), node->client_.endpoint());
  node->threads_.emplace_back([n = node.get()] { n->LoopThread(); });
  node->threads_.emplace_back([n = node.get()] { n->RpcThread(); });
  node->threads_.emplace_back([n = node.get()] { n->KeepAliveThread(); });
  node->threads_.emplace_back([n = node.get()] { n->WatchThread(); });
  return node;
}

ClusterNode::~ClusterNode() {
  if (!stopped_.load()) {
    Abandon();
  }
}

void ClusterNode::Post(std::function<void(MembershipCore&)> input) {
  absl::MutexLock lock(&mu_);
  inputs_.push_back(std::move(input));
}

bool ClusterNode::WaitFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
  return !stopping_;
}

void ClusterNode::RequestLeaseLocked() {
  if (grant_pending_) {
    return;
  }
  grant_pending_ = true;
  jobs_.push_back(Job{.grant = true, .request = {.lease = std::exchange(lost_lease_, 0)}});
}

void ClusterNode::LoopThread() {
  // The deadline check runs at least this often even without inputs.
  const absl::Duration tick =
      std::max(absl::Milliseconds(20), std::min(absl::Milliseconds(250), options_.lease_ttl / 8));
  auto has_work = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !inputs_.empty(); };
  while (true) {
    std::vector<OwnershipChange> changes;
    std::vector<EtcdRequest> requests;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&has_work), tick);
      if (stopping_) {
        return;
      }
      while (!inputs_.empty()) {
        auto input = std::move(inputs_.front());
        inputs_.pop_front();
        input(core_);
      }
      core_.Tick(MonotonicNow());
      const int64_t lease = core_.lease_id();
      if (lease != keepalive_lease_ && keepalive_lease_ != 0) {
        if (!core_.Left()) {
          spdlog::warn("cluster: node {} lost lease {:x}", options_.node_id, keepalive_lease_);
          lost_lease_ = keepalive_lease_;
        }
      }
      keepalive_lease_ = lease;
      if (core_.NeedsLease()) {
        RequestLeaseLocked();
      }
      changes = core_.TakeChanges();
      requests = core_.TakeRequests();
    }
    // Reports first: a shard is known stopped before its release can reach etcd.
    for (const OwnershipChange& change : changes) {
      spdlog::debug("cluster: node {} {} shard {} (token {})", options_.node_id,
                    change.serving ? "serves" : "stopped serving", change.shard, change.token);
      if (options_.on_change) {
        options_.on_change(options_.node_id, change);
      }
    }
    if (!requests.empty()) {
      absl::MutexLock lock(&mu_);
      for (EtcdRequest& request : requests) {
        jobs_.push_back(Job{.request = std::move(request)});
      }
    }
  }
}

void ClusterNode::RpcThread() {
  auto has_job = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !jobs_.empty(); };
  while (true) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_job));
      if (stopping_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job.grant) {
      if (job.request.lease != 0) {
        // The core already stopped serving everything under it; its keys may go now.
        client_.LeaseRevoke(job.request.lease).IgnoreError();
      }
      const absl::Time sent = MonotonicNow();
      auto grant = client_.LeaseGrant(options_.lease_ttl);
      if (!grant.ok()) {
        spdlog::warn("cluster: node {}: {}", options_.node_id, grant.status().ToString());
        if (!WaitFor(kRetryBackoff)) {
          return;
        }
        absl::MutexLock lock(&mu_);
        grant_pending_ = false;
        continue;
      }
      spdlog::info("cluster: node {} re-registering with lease {:x}", options_.node_id,
                   grant->id());
      const int64_t id = grant->id();
      const absl::Duration ttl = absl::Seconds(grant->ttl());
      absl::MutexLock lock(&mu_);
      grant_pending_ = false;
      inputs_.push_back(
          [id, sent, ttl](MembershipCore& core) { core.OnLeaseGranted(id, sent, ttl); });
      continue;
    }
    const uint64_t id = job.request.id;
    EtcdResponse response = Execute(job.request);
    if (!response.ok && !WaitFor(kRetryBackoff)) {
      return;
    }
    Post([id, response = std::move(response)](MembershipCore& core) {
      core.OnResponse(id, response);
    });
  }
}

EtcdResponse ClusterNode::Execute(const EtcdRequest& request) {
  EtcdResponse out;
  switch (request.kind) {
    case EtcdRequest::Kind::kPutMember: {
      auto put = client_.Put(request.key, request.value, request.lease);
      if (!put.ok()) {
        spdlog::warn("cluster: node {}: {}", options_.node_id, put.status().ToString());
        return out;
      }
      out.ok = out.succeeded = true;
      out.revision = put->header().revision();
      return out;
    }
    case EtcdRequest::Kind::kAcquireShard:
    case EtcdRequest::Kind::kReleaseShard: {
      const bool acquire = request.kind == EtcdRequest::Kind::kAcquireShard;
      etcdserverpb::TxnRequest txn;
      auto* compare = txn.add_compare();
      compare->set_key(request.key);
      compare->set_result(etcdserverpb::Compare::EQUAL);
      if (acquire) {
        // Absent key: create revision 0.
        compare->set_target(etcdserverpb::Compare::CREATE);
        compare->set_create_revision(0);
        auto* put = txn.add_success()->mutable_request_put();
        put->set_key(request.key);
        put->set_value(request.value);
        put->set_lease(request.lease);
      } else {
        compare->set_target(etcdserverpb::Compare::MOD);
        compare->set_mod_revision(request.expected_mod_revision);
        txn.add_success()->mutable_request_delete_range()->set_key(request.key);
      }
      txn.add_failure()->mutable_request_range()->set_key(request.key);
      auto response = client_.Txn(txn);
      if (!response.ok()) {
        spdlog::warn("cluster: node {} {} shard {}: {}", options_.node_id,
                     acquire ? "acquiring" : "releasing", request.shard,
                     response.status().ToString());
        return out;
      }
      out.ok = true;
      out.succeeded = response->succeeded();
      out.revision = response->header().revision();
      if (!out.succeeded && response->responses_size() > 0 &&
          response->responses(0).has_response_range() &&
          response->responses(0).response_range().kvs_size() > 0) {
        out.current = ToRecord(response->responses(0).response_range().kvs(0));
      }
      if (out.succeeded) {
        spdlog::info("cluster: node {} {} shard {} at revision {}", options_.node_id,
                     acquire ? "acquired" : "released", request.shard, out.revision);
      }
      return out;
    }
    case EtcdRequest::Kind::kRevokeLease: {
      absl::Status status = client_.LeaseRevoke(request.lease);
      // An unknown lease has already ended: the leave is complete either way.
      if (status.ok() || absl::IsNotFound(status)) {
        out.ok = out.succeeded = true;
      } else {
        spdlog::warn("cluster: node {}: {}", options_.node_id, status.ToString());
      }
      return out;
    }
  }
  return out;
}

void ClusterNode::KeepAliveThread() {
  const absl::Duration period = options_.lease_ttl / 3;
  while (!stopped_.load()) {
    std::unique_ptr<EtcdClient::KeepAliveStream> stream = client_.OpenKeepAlive();
    {
      absl::MutexLock lock(&streams_mu_);
      if (stopped_.load()) {
        return;
      }
      keepalive_stream_ = stream.get();
    }
    while (true) {
      int64_t lease = 0;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) {
          break;
        }
        lease = keepalive_lease_;
      }
      if (lease == 0) {
        // Waiting for a new grant; the loop thread asks for it.
        if (!WaitFor(period / 4)) {
          break;
        }
        continue;
      }
      const absl::Time sent = MonotonicNow();
      etcdserverpb::LeaseKeepAliveResponse response;
      if (!stream->Send(lease) || !stream->Read(response)) {
        break;
      }
      const absl::Duration ttl = absl::Seconds(response.ttl());
      const int64_t id = response.id();
      Post([id, sent, ttl](MembershipCore& core) { core.OnKeepAliveAck(id, sent, ttl); });
      if (!WaitFor(period)) {
        break;
      }
    }
    {
      absl::MutexLock lock(&streams_mu_);
      keepalive_stream_ = nullptr;
    }
    stream->Cancel();
    stream->Finish();
    if (!WaitFor(kRetryBackoff)) {
      return;
    }
  }
}

void ClusterNode::WatchThread() {
  const std::string prefix = options_.layout.prefix + "/";
  while (!stopped_.load()) {
    auto snapshot = client_.RangePrefix(prefix);
    if (!snapshot.ok()) {
      spdlog::warn("cluster: node {}: {}", options_.node_id, snapshot.status().ToString());
      if (!WaitFor(kRetryBackoff)) {
        return;
      }
      continue;
    }
    const int64_t revision = snapshot->header().revision();
    std::vector<KeyRecord> records;
    for (const auto& kv : snapshot->kvs()) {
      records.push_back(ToRecord(kv));
    }
    Post([revision, records = std::move(records)](MembershipCore& core) {
      core.OnSnapshot(revision, records);
    });
    auto watch = client_.OpenWatch(prefix, PrefixRangeEnd(prefix), revision + 1);
    if (!watch.ok()) {
      spdlog::warn("cluster: node {}: {}", options_.node_id, watch.status().ToString());
      if (!WaitFor(kRetryBackoff)) {
        return;
      }
      continue;
    }
    {
      absl::MutexLock lock(&streams_mu_);
      if (stopped_.load()) {
        (*watch)->Cancel();
        (*watch)->Finish();
        return;
      }
      watch_stream_ = watch->get();
    }
    etcdserverpb::WatchResponse response;
    while ((*watch)->Read(response)) {
      if (response.canceled()) {
        spdlog::warn("cluster: node {}: watch canceled ({}), re-reading the prefix",
                     options_.node_id, response.cancel_reason());
        break;
      }
      if (response.events_size() == 0) {
        continue;
      }
      std::vector<WatchEvent> events;
      for (const auto& event : response.events()) {
        events.push_back(WatchEvent{.deleted = event.type() == mvccpb::Event::DELETE,
                                    .kv = ToRecord(event.kv())});
      }
      Post([events = std::move(events)](MembershipCore& core) {
        for (const WatchEvent& event : events) {
          core.OnEvent(event);
        }
      });
    }
    {
      absl::MutexLock lock(&streams_mu_);
      watch_stream_ = nullptr;
    }
    (*watch)->Cancel();
    (*watch)->Finish();
    if (!WaitFor(kRetryBackoff)) {
      return;
    }
  }
}

void ClusterNode::Stop() {
  {
    absl::MutexLock lock(&streams_mu_);
    if (stopped_.exchange(true)) {
      return;
    }
    if (keepalive_stream_ != nullptr) {
      keepalive_stream_->Cancel();
    }
    if (watch_stream_ != nullptr) {
      watch_stream_->Cancel();
    }
  }
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

absl::Status ClusterNode::Leave(absl::Duration timeout) {
  Post([](MembershipCore& core) { core.Leave(); });
  bool left = false;
  {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || core_.Left(); };
    left = mu_.AwaitWithTimeout(absl::Condition(&done), timeout) && core_.Left();
  }
  if (!left) {
    Abandon();
    return absl::DeadlineExceededError("cluster: graceful leave did not finish in time");
  }
  Stop();
  spdlog::info("cluster: node {} left", options_.node_id);
  return absl::OkStatus();
}

void ClusterNode::Abandon() {
  Stop();
  std::vector<OwnershipChange> changes;
  {
    absl::MutexLock lock(&mu_);
    core_.OnLeaseLost();
    changes = core_.TakeChanges();
  }
  for (const OwnershipChange& change : changes) {
    if (options_.on_change) {
      options_.on_change(options_.node_id, change);
    }
  }
}

bool ClusterNode::Serves(int shard) const {
  absl::MutexLock lock(&mu_);
  return core_.Serves(shard, MonotonicNow());
}

std::optional<int64_t> ClusterNode::FencingToken(int shard) const {
  absl::MutexLock lock(&mu_);
  return core_.FencingToken(shard, MonotonicNow());
}

std::vector<int> ClusterNode::ServedShards() const {
  absl::MutexLock lock(&mu_);
  return core_.ServedShards(MonotonicNow());
}

bool ClusterNode::Joined() const {
  absl::MutexLock lock(&mu_);
  return core_.Joined();
}

int64_t ClusterNode::lease_id() const {
  absl::MutexLock lock(&mu_);
  return core_.lease_id();
}

std::vector<std::string> ClusterNode::LiveMembers() const {
  absl::MutexLock lock(&mu_);
  return core_.LiveMembers();
}

}  // namespace cloudstate::cluster
