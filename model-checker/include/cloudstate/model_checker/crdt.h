#pragma once
// CRDT convergence: after every replica has seen every update, all replicas must hold the same
// value, and that value must be the merge of the acknowledged updates (plus any subset of the
// updates whose outcome is unknown).
//
//   CrdtHistory h{.type = CrdtType::kGCounter};
//   h.operations.push_back({.replica = "a", .kind = "increment", .amount = 2});
//   h.replicas["a"] = {.counter = 2};
//   ConvergenceResult r = CheckConvergence(h);   // r.converged, r.problems
//
// ORSet removes name the add tags they observed (removed_tags): an add is undone only by a remove
// that saw it, so a concurrent add wins, as in Cloudstate's ORSet.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/model_checker/history.h"

namespace cloudstate::model_checker {

enum class CrdtType { kGCounter, kPNCounter, kGSet, kORSet };

absl::StatusOr<CrdtType> ParseCrdtType(std::string_view name);  // gcounter, pncounter, gset, orset
const char* CrdtTypeName(CrdtType type);

struct CrdtOp {
  std::string replica{};                    // the replica that accepted the update
  std::string kind{};                       // increment, decrement (counters); add, remove (sets)
  int64_t amount = 0;                       // counters: positive amount
  std::string element{};                    // sets
  std::string tag{};                        // ORSet add: unique tag of this add
  std::vector<std::string> removed_tags{};  // ORSet remove: the add tags it observed
  OpStatus status = OpStatus::kOk;          // ok: acknowledged; info: unknown; fail: left out
};

struct CrdtValue {
  int64_t counter = 0;               // GCounter, PNCounter
  std::set<std::string> elements{};  // GSet, ORSet
  friend bool operator==(const CrdtValue&, const CrdtValue&) = default;
};

struct CrdtHistory {
  CrdtType type = CrdtType::kGCounter;
  std::vector<CrdtOp> operations{};
  std::map<std::string, CrdtValue> replicas{};  // final state of every replica
};

struct ConvergenceResult {
  bool converged = true;
  std::vector<std::string> problems{};  // one line each
  CrdtValue expected{};                 // the merge of the acknowledged updates only
};

// InvalidArgument for updates that do not fit the type (e.g. a decrement of a GCounter, a
// non-positive amount, an ORSet add without a tag or with a reused tag).
absl::StatusOr<ConvergenceResult> CheckConvergence(const CrdtHistory& history);

// The JSON form: {"type": "orset", "operations": [{"replica": "a", "kind": "add", "element":
// "x", "tag": "a1", "status": "ok"}, ...], "replicas": {"a": {"elements": ["x"]}, "b":
// {"counter": 3}}}. Malformed input gives a clear error.
absl::StatusOr<CrdtHistory> ParseCrdtHistoryJson(std::string_view text);

}  // namespace cloudstate::model_checker
