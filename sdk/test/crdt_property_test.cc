// Property tests of the CRDT data types (RapidCheck): a replica that starts from the same value
// and applies every delta the value sends ends up with the same value, and the ORSet delta is the
// exact net difference. Its own binary, sdk_property_test (label property).

#include <set>
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/crdt_types.h"

namespace cloudstate::sdk {
namespace {

using cloudstate::crdt::CrdtDelta;

google::protobuf::Any Element(int i) { return PackPrimitiveString(std::string(1, 'a' + i % 6)); }

std::string Bytes(const CrdtDelta& delta) {
  std::string out;
  google::protobuf::io::StringOutputStream raw(&out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.SetSerializationDeterministic(true);
  delta.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// StateAsDelta lists elements and keys in AnyKey order, so equal values give equal bytes.
bool SameState(const Crdt& a, const Crdt& b) {
  return Bytes(a.StateAsDelta()) == Bytes(b.StateAsDelta());
}

// One random local operation on `value`; `op` and `arg` come from the generator.
void ApplyOp(Crdt& value, int op, int arg, int depth = 0) {
  switch (value.kind()) {
    case CrdtKind::kGCounter:
      static_cast<GCounter&>(value).Increment(static_cast<uint64_t>(arg % 5));
      break;
    case CrdtKind::kPNCounter:
      static_cast<PNCounter&>(value).Increment(arg % 7 - 3);
      break;
    case CrdtKind::kGSet:
      static_cast<GSet&>(value).Add(Element(arg));
      break;
    case CrdtKind::kORSet: {
      auto& set = static_cast<ORSet&>(value);
      if (op % 7 == 0) {
        set.Clear();
      } else if (op % 2 == 0) {
        set.Remove(Element(arg));
      } else {
        set.Add(Element(arg));
      }
      break;
    }
    case CrdtKind::kLWWRegister:
      static_cast<LWWRegister&>(value).Set(
          Element(arg), static_cast<cloudstate::crdt::CrdtClock>(op % 4), arg % 3);
      break;
    case CrdtKind::kFlag:
      if (op % 3 == 0) {
        static_cast<Flag&>(value).Enable();
      }
      break;
    case CrdtKind::kVote:
      static_cast<Vote&>(value).SetSelfVote(op % 2 == 0);
      break;
    case CrdtKind::kORMap: {
      auto& map = static_cast<ORMap&>(value);
      const google::protobuf::Any key = Element(arg);
      if (op % 11 == 0) {
        map.Clear();
      } else if (op % 5 == 0) {
        map.Remove(key);
      } else {
        // Keys decide the value type so that a key keeps one type.
        static const CrdtKind kinds[] = {CrdtKind::kGCounter,    CrdtKind::kORSet,
                                         CrdtKind::kORMap,       CrdtKind::kPNCounter,
                                         CrdtKind::kLWWRegister, CrdtKind::kGSet};
        CrdtKind kind = kinds[arg % 6];
        if (kind == CrdtKind::kORMap && depth > 1) {
          kind = CrdtKind::kFlag;
        }
        Crdt* nested = map.GetOrCreate(key, [kind] { return NewCrdt(kind); });
        if (nested != nullptr) {
          ApplyOp(*nested, op / 3, arg / 2 + op, depth + 1);
        }
      }
      break;
    }
  }
}

const std::vector<CrdtKind> kAllButVote = {
    CrdtKind::kGCounter,    CrdtKind::kPNCounter, CrdtKind::kGSet, CrdtKind::kORSet,
    CrdtKind::kLWWRegister, CrdtKind::kFlag,      CrdtKind::kORMap};

RC_GTEST_PROP(CrdtPropertyTest, ReplicaApplyingOwnDeltasConverges,
              (const std::vector<std::vector<std::pair<int, int>>>& batches)) {
  const CrdtKind kind = *rc::gen::elementOf(kAllButVote);
  std::unique_ptr<Crdt> origin = NewCrdt(kind);
  std::unique_ptr<Crdt> replica = NewCrdt(kind);
  for (const auto& batch : batches) {
    for (const auto& [op, arg] : batch) {
      ApplyOp(*origin, std::abs(op), std::abs(arg));
    }
    if (origin->HasDelta()) {
      CrdtDelta delta = origin->Delta();
      origin->ResetDelta();
      RC_ASSERT(replica->ApplyDelta(delta).ok());
    }
    RC_ASSERT(!origin->HasDelta());
    RC_ASSERT(SameState(*origin, *replica));
  }
}

RC_GTEST_PROP(CrdtPropertyTest, StateAsDeltaRebuildsTheValue,
              (const std::vector<std::pair<int, int>>& ops)) {
  const CrdtKind kind = *rc::gen::elementOf(kAllButVote);
  std::unique_ptr<Crdt> origin = NewCrdt(kind);
  for (const auto& [op, arg] : ops) {
    ApplyOp(*origin, std::abs(op), std::abs(arg));
  }
  auto rebuilt = CrdtFromDelta(origin->StateAsDelta());
  RC_ASSERT(rebuilt.ok());
  RC_ASSERT(!(*rebuilt)->HasDelta());
  RC_ASSERT(SameState(*origin, **rebuilt));
}

RC_GTEST_PROP(CrdtPropertyTest, RestoreUndoesEverything,
              (const std::vector<std::pair<int, int>>& before,
               const std::vector<std::pair<int, int>>& after)) {
  const CrdtKind kind = *rc::gen::elementOf(kAllButVote);
  std::unique_ptr<Crdt> value = NewCrdt(kind);
  for (const auto& [op, arg] : before) {
    ApplyOp(*value, std::abs(op), std::abs(arg));
  }
  std::unique_ptr<Crdt> snapshot = value->Clone();
  const bool had_delta = value->HasDelta();
  const std::string pending = had_delta ? value->Delta().SerializeAsString() : "";
  for (const auto& [op, arg] : after) {
    ApplyOp(*value, std::abs(op), std::abs(arg));
  }
  value->RestoreFrom(*snapshot);
  RC_ASSERT(SameState(*value, *snapshot));
  RC_ASSERT(value->HasDelta() == had_delta);
  if (had_delta) {
    RC_ASSERT(value->Delta().SerializeAsString() == pending);
  }
}

std::set<std::string> Keys(const std::vector<google::protobuf::Any>& anys) {
  std::set<std::string> out;
  for (const auto& a : anys) out.insert(AnyKey(a));
  return out;
}
std::set<std::string> Keys(const google::protobuf::RepeatedPtrField<google::protobuf::Any>& anys) {
  std::set<std::string> out;
  for (const auto& a : anys) out.insert(AnyKey(a));
  return out;
}

RC_GTEST_PROP(CrdtPropertyTest, ORSetDeltaIsTheNetDifference,
              (const std::vector<std::pair<int, int>>& setup,
               const std::vector<std::pair<int, int>>& ops)) {
  ORSet set;
  for (const auto& [op, arg] : setup) ApplyOp(set, std::abs(op), std::abs(arg));
  set.ResetDelta();
  const std::set<std::string> before = Keys(set.Elements());
  for (const auto& [op, arg] : ops) ApplyOp(set, std::abs(op), std::abs(arg));
  const std::set<std::string> after = Keys(set.Elements());
  if (!set.HasDelta()) {
    RC_ASSERT(before == after);
    return;
  }
  const CrdtDelta full = set.Delta();
  const auto& delta = full.orset();
  const std::set<std::string> added = Keys(delta.added());
  const std::set<std::string> removed = Keys(delta.removed());
  RC_ASSERT(static_cast<size_t>(delta.added_size()) == added.size());
  if (delta.cleared()) {
    RC_ASSERT(removed.empty());
    RC_ASSERT(added == after);
  } else {
    std::set<std::string> expect_removed, expect_added;
    for (const auto& k : before)
      if (!after.contains(k)) expect_removed.insert(k);
    for (const auto& k : after)
      if (!before.contains(k)) expect_added.insert(k);
    RC_ASSERT(removed == expect_removed);
    RC_ASSERT(added == expect_added);
  }
}

RC_GTEST_PROP(CrdtPropertyTest, VoteDeltaOnlyWhenSelfVoteChanged,
              (const std::vector<bool>& votes)) {
  Vote vote;
  bool last_sent = false;
  for (bool v : votes) {
    vote.SetSelfVote(v);
    RC_ASSERT(vote.HasDelta() == (v != last_sent));
    if (vote.HasDelta()) {
      const auto d = vote.Delta().vote();  // a copy: Delta() returns a temporary
      RC_ASSERT(d.self_vote() == v);
      RC_ASSERT(d.votes_for() == 0 && d.total_voters() == 0);
      vote.ResetDelta();
      last_sent = v;
    }
  }
}

}  // namespace
}  // namespace cloudstate::sdk
