#pragma once
// The eight CRDT types of protocol 0.2 as plain values that record local changes.
//
// The user function never merges replicas: the proxy does. Each value here is what the user
// function sees; local changes are remembered so that one `CrdtDelta` summarising everything done
// since the last ResetDelta() can be sent, and deltas from the proxy are applied with ApplyDelta().
// Nothing here does I/O or locking.
//
//   GCounter counter;
//   counter.Increment(2);
//   counter.Increment(3);
//   if (counter.HasDelta()) { send(counter.Delta()); counter.ResetDelta(); }  // increment: 5
//
// Set elements, map keys and register values are `google::protobuf::Any`; two Anys are the same
// element when their type URLs and bytes are equal (stable serialization is the caller's job, e.g.
// cloudstate::PackPrimitiveString for strings).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"

#include "cloudstate/crdt.pb.h"

namespace cloudstate::sdk {

enum class CrdtKind { kGCounter, kPNCounter, kGSet, kORSet, kLWWRegister, kFlag, kORMap, kVote };

// "GCounter", "PNCounter", ... (the names the TCK model uses as entity-id prefixes).
std::string_view CrdtKindName(CrdtKind kind);
// The kind a delta is for; nullopt for an empty CrdtDelta.
std::optional<CrdtKind> KindOfDelta(const cloudstate::crdt::CrdtDelta& delta);
// The identity of an Any as a set element / map key.
std::string AnyKey(const google::protobuf::Any& any);

class Crdt {
 public:
  virtual ~Crdt() = default;
  virtual CrdtKind kind() const = 0;

  // True when local changes since the last ResetDelta() must be sent.
  virtual bool HasDelta() const = 0;
  // The pending local changes (meaningful only when HasDelta()).
  virtual cloudstate::crdt::CrdtDelta Delta() const = 0;
  virtual void ResetDelta() = 0;
  // The whole current value as a delta from the empty value (elements and keys in AnyKey order).
  virtual cloudstate::crdt::CrdtDelta StateAsDelta() const = 0;
  // The delta that creates this value on the proxy from nothing (used for new ORMap entries):
  // StateAsDelta() except that a register keeps its clock and a vote carries only self_vote.
  virtual cloudstate::crdt::CrdtDelta CreationDelta() const { return StateAsDelta(); }
  // Applies a delta from the proxy. Fails when the delta is of another type (for an ORMap the
  // entries before the offending one may already be applied; the stream is failed anyway).
  virtual absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) = 0;

  // Deep copy including pending changes; used to roll back a failed command.
  virtual std::unique_ptr<Crdt> Clone() const = 0;
  // Replaces this value (and its pending changes) with a copy of `other` of the same kind.
  virtual void RestoreFrom(const Crdt& other) = 0;
};

// A new, empty value of the given kind (LWWRegister: empty Any, nothing pending).
std::unique_ptr<Crdt> NewCrdt(CrdtKind kind);
// A value created from a delta sent by the proxy (init or first delta): nothing pending.
absl::StatusOr<std::unique_ptr<Crdt>> CrdtFromDelta(const cloudstate::crdt::CrdtDelta& delta);

// Grow-only counter.
class GCounter final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kGCounter; }
  uint64_t value() const { return value_; }
  // Adds `by`; the delta is the sum of all increments since the last reset.
  uint64_t Increment(uint64_t by);

  bool HasDelta() const override { return pending_ != 0; }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { pending_ = 0; }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<GCounter>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  uint64_t value_ = 0;
  uint64_t pending_ = 0;
};

// Counter that goes up and down.
class PNCounter final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kPNCounter; }
  int64_t value() const { return value_; }
  int64_t Increment(int64_t by);
  int64_t Decrement(int64_t by) { return Increment(-by); }

  bool HasDelta() const override { return pending_ != 0; }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { pending_ = 0; }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<PNCounter>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  int64_t value_ = 0;
  int64_t pending_ = 0;
};

// Ordered collection of Any elements keyed by AnyKey, remembering insertion order for deltas.
class AnySet {
 public:
  bool Contains(const google::protobuf::Any& element) const;
  bool Insert(const google::protobuf::Any& element);  // false if present
  bool Erase(const google::protobuf::Any& element);   // false if absent
  void Clear();
  size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }
  // Elements in AnyKey order.
  std::vector<google::protobuf::Any> Elements() const;
  // Elements in the order they were inserted.
  std::vector<google::protobuf::Any> InInsertionOrder() const;

 private:
  std::map<std::string, std::pair<uint64_t, google::protobuf::Any>> elements_;
  uint64_t next_seq_ = 0;
};

// Grow-only set.
class GSet final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kGSet; }
  bool Contains(const google::protobuf::Any& element) const { return value_.Contains(element); }
  // False when already present (then nothing is recorded).
  bool Add(const google::protobuf::Any& element);
  size_t size() const { return value_.size(); }
  std::vector<google::protobuf::Any> Elements() const { return value_.Elements(); }

  bool HasDelta() const override { return !added_.empty(); }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { added_.Clear(); }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<GSet>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  AnySet value_;
  AnySet added_;
};

// Observed-remove set. The delta is the net change: an element removed and added again within the
// same batch cancels out; after Clear() the delta is `cleared` plus the elements added since.
class ORSet final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kORSet; }
  bool Contains(const google::protobuf::Any& element) const { return value_.Contains(element); }
  bool Add(const google::protobuf::Any& element);     // false if already present
  bool Remove(const google::protobuf::Any& element);  // false if absent
  void Clear();
  size_t size() const { return value_.size(); }
  std::vector<google::protobuf::Any> Elements() const { return value_.Elements(); }

  bool HasDelta() const override { return cleared_ || !added_.empty() || !removed_.empty(); }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override;
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<ORSet>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  AnySet value_;
  bool cleared_ = false;
  AnySet removed_;
  AnySet added_;
};

// Last-write-wins register. Setting a new value, or the same value with another clock, records a
// delta carrying value, clock and custom clock value. A register built with an initial value
// announces it (pending delta) until that is sent or a value from the proxy replaces it.
class LWWRegister final : public Crdt {
 public:
  LWWRegister() = default;
  explicit LWWRegister(google::protobuf::Any initial_value);

  CrdtKind kind() const override { return CrdtKind::kLWWRegister; }
  const google::protobuf::Any& value() const { return value_; }
  void Set(const google::protobuf::Any& value,
           cloudstate::crdt::CrdtClock clock = cloudstate::crdt::DEFAULT,
           int64_t custom_clock_value = 0);
  cloudstate::crdt::CrdtClock clock() const { return clock_; }
  int64_t custom_clock_value() const { return custom_clock_value_; }

  bool HasDelta() const override { return pending_; }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { pending_ = false; }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  cloudstate::crdt::CrdtDelta CreationDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<LWWRegister>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  google::protobuf::Any value_;
  cloudstate::crdt::CrdtClock clock_ = cloudstate::crdt::DEFAULT;
  int64_t custom_clock_value_ = 0;
  bool pending_ = false;
};

// A boolean that can only be switched on. Only the false→true switch records a delta.
class Flag final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kFlag; }
  bool enabled() const { return value_; }
  void Enable();

  bool HasDelta() const override { return pending_; }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { pending_ = false; }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<Flag>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  bool value_ = false;
  bool pending_ = false;
};

// This node's vote plus the cluster tally the proxy reports. The delta carries only self_vote and
// exists only when the vote differs from the one last sent or received.
class Vote final : public Crdt {
 public:
  CrdtKind kind() const override { return CrdtKind::kVote; }
  bool self_vote() const { return self_vote_; }
  int32_t votes_for() const { return votes_for_; }
  int32_t total_voters() const { return total_voters_; }
  bool AtLeastOne() const { return votes_for_ > 0; }
  bool Majority() const { return votes_for_ > total_voters_ / 2; }
  bool All() const { return votes_for_ == total_voters_; }
  void SetSelfVote(bool vote);

  bool HasDelta() const override { return self_vote_ != acknowledged_vote_; }
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override { acknowledged_vote_ = self_vote_; }
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  cloudstate::crdt::CrdtDelta CreationDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<Vote>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  bool self_vote_ = false;
  int32_t votes_for_ = 0;
  int32_t total_voters_ = 1;
  bool acknowledged_vote_ = false;
};

// Observed-remove map from Any keys to CRDT values of any type (including ORMap). New keys are
// sent in `added` with their full value (an empty delta of the value's type if empty), changed
// existing values in `updated`, removed keys in `removed`; Clear() sends `cleared` plus the keys
// added afterwards. Pointers to values stay valid until the key is removed or the map is cleared,
// restored or has a delta applied that removes the key.
class ORMap final : public Crdt {
 public:
  ORMap() = default;
  ORMap(const ORMap& other);
  ORMap& operator=(const ORMap& other);

  CrdtKind kind() const override { return CrdtKind::kORMap; }
  bool Contains(const google::protobuf::Any& key) const;
  // nullptr when absent.
  Crdt* Get(const google::protobuf::Any& key);
  const Crdt* Get(const google::protobuf::Any& key) const;
  // The value at `key`, created with `make` (and recorded as added) when absent.
  Crdt* GetOrCreate(const google::protobuf::Any& key,
                    const std::function<std::unique_ptr<Crdt>()>& make);
  // Typed access: nullptr when the key holds another type.
  template <typename T>
  T* GetOrCreateAs(const google::protobuf::Any& key) {
    return dynamic_cast<T*>(GetOrCreate(key, [] { return std::make_unique<T>(); }));
  }
  bool Remove(const google::protobuf::Any& key);  // false if absent
  void Clear();
  size_t size() const { return entries_.size(); }
  // Keys in AnyKey order.
  std::vector<google::protobuf::Any> Keys() const;

  bool HasDelta() const override;
  cloudstate::crdt::CrdtDelta Delta() const override;
  void ResetDelta() override;
  cloudstate::crdt::CrdtDelta StateAsDelta() const override;
  cloudstate::crdt::CrdtDelta CreationDelta() const override;
  absl::Status ApplyDelta(const cloudstate::crdt::CrdtDelta& delta) override;
  std::unique_ptr<Crdt> Clone() const override { return std::make_unique<ORMap>(*this); }
  void RestoreFrom(const Crdt& other) override;

 private:
  struct Entry {
    google::protobuf::Any key;
    std::unique_ptr<Crdt> value;
    uint64_t seq = 0;  // insertion order, for deterministic `added`/`updated` order
  };
  std::vector<const Entry*> InInsertionOrder() const;

  std::map<std::string, Entry> entries_;
  uint64_t next_seq_ = 0;
  bool cleared_ = false;
  AnySet removed_;
  std::map<std::string, uint64_t> added_;  // AnyKey -> seq of the entry created in this batch
};

}  // namespace cloudstate::sdk
