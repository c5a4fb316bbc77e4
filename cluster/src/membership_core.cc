#include "cloudstate/cluster/membership_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

#include "cloudstate/cluster/shards.h"

namespace cloudstate::cluster {

std::string ClusterLayout::MembersPrefix() const { return prefix + "/members/"; }
std::string ClusterLayout::ShardsPrefix() const { return prefix + "/shards/"; }

std::string ClusterLayout::MemberKey(std::string_view node_id) const {
  return MembersPrefix() + std::string(node_id);
}

std::string ClusterLayout::ShardKey(int shard) const {
  return ShardsPrefix() + absl::StrFormat("%05d", shard);
}

std::optional<std::string> ClusterLayout::ParseMemberKey(std::string_view key) const {
  const std::string members = MembersPrefix();
  if (!key.starts_with(members) || key.size() == members.size()) {
    return std::nullopt;
  }
  return std::string(key.substr(members.size()));
}

std::optional<int> ClusterLayout::ParseShardKey(std::string_view key) const {
  const std::string shards = ShardsPrefix();
  if (!key.starts_with(shards)) {
    return std::nullopt;
  }
  std::string_view digits = key.substr(shards.size());
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int shard = 0;
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &shard) || shard < 0 ||
      shard >= num_shards) {
    return std::nullopt;
  }
  return shard;
}

std::string EncodeMemberInfo(const MemberInfo& info) {
  return nlohmann::json{{"address", info.address}, {"leaving", info.leaving}}.dump();
}

std::optional<MemberInfo> DecodeMemberInfo(std::string_view value) {
  // Values written by other (maybe newer or broken) nodes: never throw, unknown fields ignored.
  nlohmann::json json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return std::nullopt;
  }
  MemberInfo info;
  auto address = json.find("address");
  if (address == json.end() || !address->is_string()) {
    return std::nullopt;
  }
  info.address = address->get<std::string>();
  auto leaving = json.find("leaving");
  if (leaving != json.end()) {
    if (!leaving->is_boolean()) {
      return std::nullopt;
    }
    info.leaving = leaving->get<bool>();
  }
  return info;
}

MembershipCore::MembershipCore(ClusterLayout layout, std::string node_id, MemberInfo self,
                               absl::Duration lease_margin)
    : layout_(std::move(layout)),
      node_id_(std::move(node_id)),
      self_(std::move(self)),
      lease_margin_(lease_margin) {}

void MembershipCore::OnLeaseGranted(int64_t lease_id, absl::Time sent_at, absl::Duration ttl) {
  if (left_ || lease_id == 0) {
    return;
  }
  if (lease_id_ != 0) {
    DropAll();
  }
  lease_id_ = lease_id;
  deadline_ = sent_at + ttl - lease_margin_;
  member_put_.reset();
  member_put_in_flight_ = false;
  revoke_in_flight_ = false;
  Reconcile();
}

void MembershipCore::OnKeepAliveAck(int64_t lease_id, absl::Time sent_at, absl::Duration ttl) {
  if (lease_id == 0 || lease_id != lease_id_) {
    return;
  }
  if (ttl <= absl::ZeroDuration()) {
    OnLeaseLost();
    return;
  }
  deadline_ = std::max(deadline_, sent_at + ttl - lease_margin_);
}

void MembershipCore::OnLeaseLost() {
  if (lease_id_ == 0) {
    return;
  }
  DropAll();
  lease_id_ = 0;
  deadline_ = absl::InfinitePast();
  member_put_.reset();
  member_put_in_flight_ = false;
  revoke_in_flight_ = false;
  // A leaving node whose lease ended has left: its keys go with the lease.
  if (leaving_) {
    left_ = true;
  }
}

void MembershipCore::DropAll() {
  while (!held_.empty()) {
    StopServing(held_.begin()->first);
  }
  in_flight_.clear();
}

void MembershipCore::StopServing(int shard) {
  auto it = held_.find(shard);
  if (it == held_.end()) {
    return;
  }
  abandoned_[shard] = it->second;
  held_.erase(it);
  changes_.push_back(OwnershipChange{.shard = shard, .serving = false, .token = 0});
}

void MembershipCore::Apply(const std::string& key, int64_t revision,
                           std::optional<KeyRecord> record) {
  if (!layout_.ParseMemberKey(key) && !layout_.ParseShardKey(key)) {
    return;
  }
  Entry& entry = view_[key];
  if (entry.revision >= revision) {
    return;
  }
  entry.revision = revision;
  entry.record = std::move(record);
}

void MembershipCore::OnSnapshot(int64_t revision, const std::vector<KeyRecord>& kvs) {
  // Everything not in the snapshot was absent at `revision`, unless the view knows a later state.
  for (auto& [key, entry] : view_) {
    if (entry.revision <= revision) {
      entry.revision = revision;
      entry.record.reset();
    }
  }
  for (const KeyRecord& kv : kvs) {
    if (!layout_.ParseMemberKey(kv.key) && !layout_.ParseShardKey(kv.key)) {
      continue;
    }
    Entry& entry = view_[kv.key];
    if (entry.revision <= revision) {
      entry.revision = revision;
      entry.record = kv;
    }
  }
  have_snapshot_ = true;
  Reconcile();
}

void MembershipCore::OnEvent(const WatchEvent& event) {
  if (event.deleted) {
    const bool own_member = event.kv.key == layout_.MemberKey(node_id_);
    const bool registered = own_member && Joined();
    Apply(event.kv.key, event.kv.mod_revision, std::nullopt);
    if (registered && !Joined()) {
      // Only the end of the lease (or an operator) deletes this node's member key: stop now
      // instead of at the next keep-alive, and register again under a new lease.
      OnLeaseLost();
    }
  } else {
    Apply(event.kv.key, event.kv.mod_revision, event.kv);
  }
  Reconcile();
}

void MembershipCore::OnResponse(uint64_t request_id, const EtcdResponse& response) {
  auto it = pending_.find(request_id);
  if (it == pending_.end()) {
    return;
  }
  const EtcdRequest request = std::move(it->second);
  pending_.erase(it);
  switch (request.kind) {
    case EtcdRequest::Kind::kPutMember:
      if (request.lease == lease_id_ && member_put_in_flight_) {
        member_put_in_flight_ = false;
        if (response.ok) {
          member_put_ = DecodeMemberInfo(request.value);
          Apply(request.key, response.revision,
                KeyRecord{.key = request.key,
                          .value = request.value,
                          .lease = request.lease,
                          .create_revision = response.revision,
                          .mod_revision = response.revision});
        }
      }
      break;
    case EtcdRequest::Kind::kAcquireShard:
    case EtcdRequest::Kind::kReleaseShard: {
      auto flight = in_flight_.find(request.shard);
      if (flight != in_flight_.end() && flight->second == request_id) {
        in_flight_.erase(flight);
      }
      if (!response.ok) {
        // Unknown outcome: the watch will tell. An own record this node stopped serving stays
        // abandoned, so it is released again rather than served on a guess.
        break;
      }
      if (response.succeeded && request.kind == EtcdRequest::Kind::kAcquireShard) {
        Apply(request.key, response.revision,
              KeyRecord{.key = request.key,
                        .value = request.value,
                        .lease = request.lease,
                        .create_revision = response.revision,
                        .mod_revision = response.revision});
      } else if (response.succeeded) {
        Apply(request.key, response.revision, std::nullopt);
      } else {
        // As of the response's revision the key is exactly what the failure branch read.
        Apply(request.key, response.revision, response.current);
      }
      break;
    }
    case EtcdRequest::Kind::kRevokeLease:
      if (request.lease == lease_id_ && revoke_in_flight_) {
        revoke_in_flight_ = false;
        if (response.ok) {
          DropAll();
          lease_id_ = 0;
          deadline_ = absl::InfinitePast();
          left_ = true;
        }
      }
      break;
  }
  Reconcile();
}

void MembershipCore::Tick(absl::Time now) {
  if (lease_id_ != 0 && now >= deadline_) {
    OnLeaseLost();
  }
}

void MembershipCore::Leave() {
  if (leaving_) {
    return;
  }
  leaving_ = true;
  if (lease_id_ == 0) {
    left_ = true;
    return;
  }
  Reconcile();
}

const KeyRecord* MembershipCore::ShardRecord(int shard) const {
  auto it = view_.find(layout_.ShardKey(shard));
  if (it == view_.end() || !it->second.record) {
    return nullptr;
  }
  return &*it->second.record;
}

bool MembershipCore::Joined() const {
  if (lease_id_ == 0) {
    return false;
  }
  auto it = view_.find(layout_.MemberKey(node_id_));
  return it != view_.end() && it->second.record && it->second.record->lease == lease_id_;
}

std::vector<std::string> MembershipCore::LiveMembers() const {
  std::vector<std::string> members;
  const std::string prefix = layout_.MembersPrefix();
  for (auto it = view_.lower_bound(prefix); it != view_.end() && it->first.starts_with(prefix);
       ++it) {
    if (!it->second.record) {
      continue;
    }
    std::optional<MemberInfo> info = DecodeMemberInfo(it->second.record->value);
    if (info && !info->leaving) {
      members.push_back(it->first.substr(prefix.size()));
    }
  }
  return members;
}

std::optional<std::string> MembershipCore::DesiredOwner(int shard) const {
  return RendezvousOwner(shard, LiveMembers());
}

std::optional<std::string> MembershipCore::RecordedOwner(int shard) const {
  const KeyRecord* record = ShardRecord(shard);
  if (record == nullptr) {
    return std::nullopt;
  }
  return record->value;
}

void MembershipCore::Reconcile() {
  if (lease_id_ == 0 || left_) {
    return;
  }
  MemberInfo wanted_member = self_;
  wanted_member.leaving = leaving_;
  if (!member_put_in_flight_ && (!member_put_ || member_put_->leaving != leaving_)) {
    EtcdRequest put{.id = NextId(),
                    .kind = EtcdRequest::Kind::kPutMember,
                    .key = layout_.MemberKey(node_id_),
                    .value = EncodeMemberInfo(wanted_member),
                    .lease = lease_id_};
    pending_[put.id] = put;
    requests_.push_back(std::move(put));
    member_put_in_flight_ = true;
  }
  if (!have_snapshot_) {
    return;
  }
  const bool joined = Joined();
  const std::vector<std::string> live = LiveMembers();
  int own_records = 0;
  for (int shard = 0; shard < layout_.num_shards; ++shard) {
    const KeyRecord* record = ShardRecord(shard);
    const bool ours = record != nullptr && record->value == node_id_ && record->lease == lease_id_;
    auto held = held_.find(shard);
    if (held != held_.end() && (!ours || record->create_revision != held->second)) {
      StopServing(shard);
    }
    if (ours) {
      ++own_records;
    }
    if (in_flight_.count(shard) != 0) {
      continue;
    }
    const bool wanted =
        joined && !leaving_ && RendezvousOwner(shard, live) == std::optional(node_id_);
    if (ours) {
      auto abandoned = abandoned_.find(shard);
      const bool was_abandoned =
          abandoned != abandoned_.end() && abandoned->second == record->create_revision;
      if (wanted && !was_abandoned) {
        if (held_.count(shard) == 0) {
          held_[shard] = record->create_revision;
          changes_.push_back(
              OwnershipChange{.shard = shard, .serving = true, .token = record->create_revision});
        }
        continue;
      }
      // Stop serving first (reported in changes_, which the driver delivers before requests).
      StopServing(shard);
      abandoned_[shard] = record->create_revision;
      EtcdRequest release{.id = NextId(),
                          .kind = EtcdRequest::Kind::kReleaseShard,
                          .shard = shard,
                          .key = layout_.ShardKey(shard),
                          .expected_mod_revision = record->mod_revision};
      in_flight_[shard] = release.id;
      pending_[release.id] = release;
      requests_.push_back(std::move(release));
    } else if (record == nullptr && wanted) {
      EtcdRequest acquire{.id = NextId(),
                          .kind = EtcdRequest::Kind::kAcquireShard,
                          .shard = shard,
                          .key = layout_.ShardKey(shard),
                          .value = node_id_,
                          .lease = lease_id_};
      in_flight_[shard] = acquire.id;
      pending_[acquire.id] = acquire;
      requests_.push_back(std::move(acquire));
    }
  }
  if (leaving_ && own_records == 0 && in_flight_.empty() && !revoke_in_flight_ && member_put_ &&
      member_put_->leaving) {
    EtcdRequest revoke{.id = NextId(), .kind = EtcdRequest::Kind::kRevokeLease, .lease = lease_id_};
    pending_[revoke.id] = revoke;
    requests_.push_back(std::move(revoke));
    revoke_in_flight_ = true;
  }
}

std::vector<EtcdRequest> MembershipCore::TakeRequests() { return std::exchange(requests_, {}); }

std::vector<OwnershipChange> MembershipCore::TakeChanges() { return std::exchange(changes_, {}); }

bool MembershipCore::Serves(int shard, absl::Time now) const {
  return lease_id_ != 0 && now < deadline_ && held_.count(shard) != 0;
}

std::optional<int64_t> MembershipCore::FencingToken(int shard, absl::Time now) const {
  if (!Serves(shard, now)) {
    return std::nullopt;
  }
  return held_.at(shard);
}

std::vector<int> MembershipCore::ServedShards(absl::Time now) const {
  std::vector<int> shards;
  if (lease_id_ == 0 || now >= deadline_) {
    return shards;
  }
  for (const auto& [shard, token] : held_) {
    shards.push_back(shard);
  }
  return shards;
}

}  // namespace cloudstate::cluster
