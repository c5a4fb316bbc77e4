#include "cloudstate/sdk/crdt_types.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cloudstate::sdk {

using cloudstate::crdt::CrdtDelta;
using google::protobuf::Any;

namespace {

absl::Status WrongType(CrdtKind expected, const CrdtDelta& delta) {
  std::optional<CrdtKind> got = KindOfDelta(delta);
  return absl::InvalidArgumentError(
      absl::StrCat("received a ", std::string(got ? CrdtKindName(*got) : "empty"), " delta for a ",
                   std::string(CrdtKindName(expected)), " value"));
}

template <typename T>
void RestoreSame(T* self, const Crdt& other) {
  const T* typed = dynamic_cast<const T*>(&other);
  if (typed != nullptr && typed != self) {
    *self = *typed;
  }
}

}  // namespace

std::string_view CrdtKindName(CrdtKind kind) {
  switch (kind) {
    case CrdtKind::kGCounter:
      return "GCounter";
    case CrdtKind::kPNCounter:
      return "PNCounter";
    case CrdtKind::kGSet:
      return "GSet";
    case CrdtKind::kORSet:
      return "ORSet";
    case CrdtKind::kLWWRegister:
      return "LWWRegister";
    case CrdtKind::kFlag:
      return "Flag";
    case CrdtKind::kORMap:
      return "ORMap";
    case CrdtKind::kVote:
      return "Vote";
  }
  return "unknown";
}

std::optional<CrdtKind> KindOfDelta(const CrdtDelta& delta) {
  switch (delta.delta_case()) {
    case CrdtDelta::kGcounter:
      return CrdtKind::kGCounter;
    case CrdtDelta::kPncounter:
      return CrdtKind::kPNCounter;
    case CrdtDelta::kGset:
      return CrdtKind::kGSet;
    case CrdtDelta::kOrset:
      return CrdtKind::kORSet;
    case CrdtDelta::kLwwregister:
      return CrdtKind::kLWWRegister;
    case CrdtDelta::kFlag:
      return CrdtKind::kFlag;
    case CrdtDelta::kOrmap:
      return CrdtKind::kORMap;
    case CrdtDelta::kVote:
      return CrdtKind::kVote;
    case CrdtDelta::DELTA_NOT_SET:
      break;
  }
  return std::nullopt;
}

std::string AnyKey(const Any& any) {
  std::string key;
  key.reserve(any.type_url().size() + 1 + any.value().size());
  key.append(any.type_url());
  key.push_back('\0');
  key.append(any.value());
  return key;
}

std::unique_ptr<Crdt> NewCrdt(CrdtKind kind) {
  switch (kind) {
    case CrdtKind::kGCounter:
      return std::make_unique<GCounter>();
    case CrdtKind::kPNCounter:
      return std::make_unique<PNCounter>();
    case CrdtKind::kGSet:
      return std::make_unique<GSet>();
    case CrdtKind::kORSet:
      return std::make_unique<ORSet>();
    case CrdtKind::kLWWRegister:
      return std::make_unique<LWWRegister>();
    case CrdtKind::kFlag:
      return std::make_unique<Flag>();
    case CrdtKind::kORMap:
      return std::make_unique<ORMap>();
    case CrdtKind::kVote:
      return std::make_unique<Vote>();
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<Crdt>> CrdtFromDelta(const CrdtDelta& delta) {
  std::optional<CrdtKind> kind = KindOfDelta(delta);
  if (!kind) {
    return absl::InvalidArgumentError("received an empty CrdtDelta (no type set)");
  }
  std::unique_ptr<Crdt> value = NewCrdt(*kind);
  absl::Status status = value->ApplyDelta(delta);
  if (!status.ok()) {
    return status;
  }
  value->ResetDelta();
  return value;
}

// ---------------------------------------------------------------------------------------------
// Counters

uint64_t GCounter::Increment(uint64_t by) {
  value_ += by;
  pending_ += by;
  return value_;
}

CrdtDelta GCounter::Delta() const {
  CrdtDelta delta;
  delta.mutable_gcounter()->set_increment(pending_);
  return delta;
}

CrdtDelta GCounter::StateAsDelta() const {
  CrdtDelta delta;
  delta.mutable_gcounter()->set_increment(value_);
  return delta;
}

absl::Status GCounter::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_gcounter()) {
    return WrongType(kind(), delta);
  }
  value_ += delta.gcounter().increment();
  return absl::OkStatus();
}

void GCounter::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

int64_t PNCounter::Increment(int64_t by) {
  // Wrap-around arithmetic: the proxy's counters are unbounded, ours are 64-bit like the wire.
  value_ = static_cast<int64_t>(static_cast<uint64_t>(value_) + static_cast<uint64_t>(by));
  pending_ = static_cast<int64_t>(static_cast<uint64_t>(pending_) + static_cast<uint64_t>(by));
  return value_;
}

CrdtDelta PNCounter::Delta() const {
  CrdtDelta delta;
  delta.mutable_pncounter()->set_change(pending_);
  return delta;
}

CrdtDelta PNCounter::StateAsDelta() const {
  CrdtDelta delta;
  delta.mutable_pncounter()->set_change(value_);
  return delta;
}

absl::Status PNCounter::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_pncounter()) {
    return WrongType(kind(), delta);
  }
  value_ = static_cast<int64_t>(static_cast<uint64_t>(value_) +
                                static_cast<uint64_t>(delta.pncounter().change()));
  return absl::OkStatus();
}

void PNCounter::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// AnySet

bool AnySet::Contains(const Any& element) const { return elements_.contains(AnyKey(element)); }

bool AnySet::Insert(const Any& element) {
  return elements_.try_emplace(AnyKey(element), next_seq_++, element).second;
}

bool AnySet::Erase(const Any& element) { return elements_.erase(AnyKey(element)) > 0; }

void AnySet::Clear() { elements_.clear(); }

std::vector<Any> AnySet::Elements() const {
  std::vector<Any> out;
  out.reserve(elements_.size());
  for (const auto& [key, entry] : elements_) {
    out.push_back(entry.second);
  }
  return out;
}

std::vector<Any> AnySet::InInsertionOrder() const {
  std::vector<const std::pair<uint64_t, Any>*> ordered;
  ordered.reserve(elements_.size());
  for (const auto& [key, entry] : elements_) {
    ordered.push_back(&entry);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::vector<Any> out;
  out.reserve(ordered.size());
  for (const auto* entry : ordered) {
    out.push_back(entry->second);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GSet

bool GSet::Add(const Any& element) {
  if (!value_.Insert(element)) {
    return false;
  }
  added_.Insert(element);
  return true;
}

CrdtDelta GSet::Delta() const {
  CrdtDelta delta;
  auto* gset = delta.mutable_gset();
  for (Any& element : added_.InInsertionOrder()) {
    *gset->add_added() = std::move(element);
  }
  return delta;
}

CrdtDelta GSet::StateAsDelta() const {
  CrdtDelta delta;
  auto* gset = delta.mutable_gset();
  for (Any& element : value_.Elements()) {
    *gset->add_added() = std::move(element);
  }
  return delta;
}

absl::Status GSet::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_gset()) {
    return WrongType(kind(), delta);
  }
  for (const Any& element : delta.gset().added()) {
    value_.Insert(element);
  }
  return absl::OkStatus();
}

void GSet::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// ORSet

bool ORSet::Add(const Any& element) {
  if (!value_.Insert(element)) {
    return false;
  }
  // Removing and re-adding within one batch is no change at all for the proxy.
  if (!removed_.Erase(element)) {
    added_.Insert(element);
  }
  return true;
}

bool ORSet::Remove(const Any& element) {
  if (!value_.Erase(element)) {
    return false;
  }
  if (!added_.Erase(element)) {
    removed_.Insert(element);
  }
  return true;
}

void ORSet::Clear() {
  value_.Clear();
  added_.Clear();
  removed_.Clear();
  cleared_ = true;
}

CrdtDelta ORSet::Delta() const {
  CrdtDelta delta;
  auto* orset = delta.mutable_orset();
  orset->set_cleared(cleared_);
  for (Any& element : removed_.InInsertionOrder()) {
    *orset->add_removed() = std::move(element);
  }
  for (Any& element : added_.InInsertionOrder()) {
    *orset->add_added() = std::move(element);
  }
  return delta;
}

void ORSet::ResetDelta() {
  cleared_ = false;
  added_.Clear();
  removed_.Clear();
}

CrdtDelta ORSet::StateAsDelta() const {
  CrdtDelta delta;
  auto* orset = delta.mutable_orset();
  for (Any& element : value_.Elements()) {
    *orset->add_added() = std::move(element);
  }
  return delta;
}

absl::Status ORSet::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_orset()) {
    return WrongType(kind(), delta);
  }
  if (delta.orset().cleared()) {
    value_.Clear();
  }
  for (const Any& element : delta.orset().removed()) {
    value_.Erase(element);
  }
  for (const Any& element : delta.orset().added()) {
    value_.Insert(element);
  }
  return absl::OkStatus();
}

void ORSet::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// LWWRegister

LWWRegister::LWWRegister(Any initial_value) : value_(std::move(initial_value)), pending_(true) {}

void LWWRegister::Set(const Any& value, cloudstate::crdt::CrdtClock clock,
                      int64_t custom_clock_value) {
  const bool custom =
      clock == cloudstate::crdt::CUSTOM || clock == cloudstate::crdt::CUSTOM_AUTO_INCREMENT;
  if (!custom) {
    custom_clock_value = 0;  // meaningless for the other clocks, so never sent
  }
  if (AnyKey(value) == AnyKey(value_) && clock == clock_ &&
      custom_clock_value == custom_clock_value_) {
    return;
  }
  value_ = value;
  clock_ = clock;
  custom_clock_value_ = custom_clock_value;
  pending_ = true;
}

CrdtDelta LWWRegister::Delta() const {
  CrdtDelta delta;
  auto* lww = delta.mutable_lwwregister();
  *lww->mutable_value() = value_;
  lww->set_clock(clock_);
  lww->set_custom_clock_value(custom_clock_value_);
  return delta;
}

CrdtDelta LWWRegister::StateAsDelta() const {
  CrdtDelta delta;
  *delta.mutable_lwwregister()->mutable_value() = value_;
  return delta;
}

CrdtDelta LWWRegister::CreationDelta() const { return Delta(); }

absl::Status LWWRegister::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_lwwregister()) {
    return WrongType(kind(), delta);
  }
  value_ = delta.lwwregister().value();
  // The replicated value wins over anything not yet sent (e.g. the announced initial value).
  pending_ = false;
  return absl::OkStatus();
}

void LWWRegister::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// Flag

void Flag::Enable() {
  if (!value_) {
    value_ = true;
    pending_ = true;
  }
}

CrdtDelta Flag::Delta() const {
  CrdtDelta delta;
  delta.mutable_flag()->set_value(value_);
  return delta;
}

CrdtDelta Flag::StateAsDelta() const { return Delta(); }

absl::Status Flag::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_flag()) {
    return WrongType(kind(), delta);
  }
  // A flag never switches off again.
  value_ = value_ || delta.flag().value();
  return absl::OkStatus();
}

void Flag::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// Vote

void Vote::SetSelfVote(bool vote) {
  if (vote == self_vote_) {
    return;
  }
  self_vote_ = vote;
  votes_for_ += vote ? 1 : -1;
}

CrdtDelta Vote::Delta() const {
  CrdtDelta delta;
  delta.mutable_vote()->set_self_vote(self_vote_);
  return delta;
}

CrdtDelta Vote::StateAsDelta() const {
  CrdtDelta delta;
  auto* vote = delta.mutable_vote();
  vote->set_self_vote(self_vote_);
  vote->set_votes_for(votes_for_);
  vote->set_total_voters(total_voters_);
  return delta;
}

CrdtDelta Vote::CreationDelta() const { return Delta(); }

absl::Status Vote::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_vote()) {
    return WrongType(kind(), delta);
  }
  // The proxy always sends the whole tally.
  self_vote_ = delta.vote().self_vote();
  votes_for_ = delta.vote().votes_for();
  total_voters_ = delta.vote().total_voters();
  acknowledged_vote_ = self_vote_;
  return absl::OkStatus();
}

void Vote::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

// ---------------------------------------------------------------------------------------------
// ORMap

ORMap::ORMap(const ORMap& other) { *this = other; }

ORMap& ORMap::operator=(const ORMap& other) {
  if (this == &other) {
    return *this;
  }
  entries_.clear();
  for (const auto& [key, entry] : other.entries_) {
    entries_.emplace(key, Entry{entry.key, entry.value->Clone(), entry.seq});
  }
  next_seq_ = other.next_seq_;
  cleared_ = other.cleared_;
  removed_ = other.removed_;
  added_ = other.added_;
  return *this;
}

bool ORMap::Contains(const Any& key) const { return entries_.contains(AnyKey(key)); }

Crdt* ORMap::Get(const Any& key) {
  auto it = entries_.find(AnyKey(key));
  return it == entries_.end() ? nullptr : it->second.value.get();
}

const Crdt* ORMap::Get(const Any& key) const {
  auto it = entries_.find(AnyKey(key));
  return it == entries_.end() ? nullptr : it->second.value.get();
}

Crdt* ORMap::GetOrCreate(const Any& key, const std::function<std::unique_ptr<Crdt>()>& make) {
  std::string id = AnyKey(key);
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    return it->second.value.get();
  }
  std::unique_ptr<Crdt> value = make();
  if (value == nullptr) {
    return nullptr;
  }
  uint64_t seq = next_seq_++;
  added_[id] = seq;
  Crdt* raw = value.get();
  entries_.emplace(std::move(id), Entry{key, std::move(value), seq});
  return raw;
}

bool ORMap::Remove(const Any& key) {
  std::string id = AnyKey(key);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return false;
  }
  entries_.erase(it);
  // A key created in this batch was never seen by the proxy, unless it replaced a removed one
  // (then `removed_` already lists it).
  if (added_.erase(id) == 0) {
    removed_.Insert(key);
  }
  return true;
}

void ORMap::Clear() {
  entries_.clear();
  added_.clear();
  removed_.Clear();
  cleared_ = true;
}

std::vector<Any> ORMap::Keys() const {
  std::vector<Any> keys;
  keys.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    keys.push_back(entry.key);
  }
  return keys;
}

std::vector<const ORMap::Entry*> ORMap::InInsertionOrder() const {
  std::vector<const Entry*> ordered;
  ordered.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    ordered.push_back(&entry);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const Entry* a, const Entry* b) { return a->seq < b->seq; });
  return ordered;
}

bool ORMap::HasDelta() const {
  if (cleared_ || !removed_.empty() || !added_.empty()) {
    return true;
  }
  for (const auto& [id, entry] : entries_) {
    if (entry.value->HasDelta()) {
      return true;
    }
  }
  return false;
}

CrdtDelta ORMap::Delta() const {
  CrdtDelta delta;
  auto* ormap = delta.mutable_ormap();
  ormap->set_cleared(cleared_);
  for (Any& key : removed_.InInsertionOrder()) {
    *ormap->add_removed() = std::move(key);
  }
  for (const Entry* entry : InInsertionOrder()) {
    const std::string id = AnyKey(entry->key);
    if (added_.contains(id)) {
      auto* added = ormap->add_added();
      *added->mutable_key() = entry->key;
      *added->mutable_delta() = entry->value->CreationDelta();
    } else if (entry->value->HasDelta()) {
      auto* updated = ormap->add_updated();
      *updated->mutable_key() = entry->key;
      *updated->mutable_delta() = entry->value->Delta();
    }
  }
  return delta;
}

void ORMap::ResetDelta() {
  cleared_ = false;
  removed_.Clear();
  added_.clear();
  for (auto& [id, entry] : entries_) {
    entry.value->ResetDelta();
  }
}

CrdtDelta ORMap::StateAsDelta() const {
  CrdtDelta delta;
  auto* ormap = delta.mutable_ormap();
  for (const auto& [id, entry] : entries_) {
    auto* added = ormap->add_added();
    *added->mutable_key() = entry.key;
    *added->mutable_delta() = entry.value->StateAsDelta();
  }
  return delta;
}

CrdtDelta ORMap::CreationDelta() const {
  CrdtDelta delta;
  auto* ormap = delta.mutable_ormap();
  for (const Entry* entry : InInsertionOrder()) {
    auto* added = ormap->add_added();
    *added->mutable_key() = entry->key;
    *added->mutable_delta() = entry->value->CreationDelta();
  }
  return delta;
}

absl::Status ORMap::ApplyDelta(const CrdtDelta& delta) {
  if (!delta.has_ormap()) {
    return WrongType(kind(), delta);
  }
  const auto& ormap = delta.ormap();
  // Validate before changing anything at this level.
  for (const auto& entry : ormap.updated()) {
    if (!KindOfDelta(entry.delta())) {
      return absl::InvalidArgumentError("ORMap delta has an updated entry with an empty delta");
    }
  }
  for (const auto& entry : ormap.added()) {
    if (!KindOfDelta(entry.delta())) {
      return absl::InvalidArgumentError("ORMap delta has an added entry with an empty delta");
    }
  }
  if (ormap.cleared()) {
    entries_.clear();
  }
  for (const Any& key : ormap.removed()) {
    entries_.erase(AnyKey(key));
  }
  for (const auto& entry : ormap.updated()) {
    auto it = entries_.find(AnyKey(entry.key()));
    if (it == entries_.end()) {
      continue;  // the proxy ignores updates of absent keys as well
    }
    absl::Status status = it->second.value->ApplyDelta(entry.delta());
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("ORMap updated entry: ", status.message()));
    }
  }
  for (const auto& entry : ormap.added()) {
    std::string id = AnyKey(entry.key());
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second.value->kind() == *KindOfDelta(entry.delta())) {
      absl::Status status = it->second.value->ApplyDelta(entry.delta());
      if (!status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("ORMap added entry: ", status.message()));
      }
      continue;
    }
    absl::StatusOr<std::unique_ptr<Crdt>> value = CrdtFromDelta(entry.delta());
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ORMap added entry: ", value.status().message()));
    }
    if (it != entries_.end()) {
      it->second.value = std::move(*value);  // the key was re-created with another type
    } else {
      entries_.emplace(std::move(id), Entry{entry.key(), std::move(*value), next_seq_++});
    }
  }
  return absl::OkStatus();
}

void ORMap::RestoreFrom(const Crdt& other) { RestoreSame(this, other); }

}  // namespace cloudstate::sdk
