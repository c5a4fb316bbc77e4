#pragma once
// The proxy-side value of a CRDT on a single node (§4.5): the function's deltas are merged here and
// the value is turned back into deltas for the function (full state at init, diffs on change).
// Elements and keys are Any values compared by their serialized (type_url, bytes).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"

#include "cloudstate/crdt.pb.h"

namespace cloudstate::proxy {

struct CrdtValue;

struct GCounterValue {
  uint64_t value = 0;
};
struct PNCounterValue {
  int64_t value = 0;
};
// Key: canonical bytes of the Any (see AnyKey).
using AnySet = std::map<std::string, google::protobuf::Any>;
struct GSetValue {
  AnySet elements;
};
struct ORSetValue {
  AnySet elements;
};
struct LWWRegisterValue {
  google::protobuf::Any value;
  int64_t clock = 0;
};
struct FlagValue {
  bool value = false;
};
struct ORMapValue {
  // key bytes -> (key, value)
  std::map<std::string, std::pair<google::protobuf::Any, std::shared_ptr<CrdtValue>>> entries;
};
struct VoteValue {
  bool self_vote = false;
};

struct CrdtValue {
  std::variant<GCounterValue, PNCounterValue, GSetValue, ORSetValue, LWWRegisterValue, FlagValue,
               ORMapValue, VoteValue>
      v;
};

// Stable identity of an Any for sets and map keys.
std::string AnyKey(const google::protobuf::Any& any);

// Applies a delta from the function. An absent value is created from the delta's type. A delta of
// another type, an empty delta or a forbidden change (flag reset) is FailedPrecondition and leaves
// the value unchanged. `now_ms` feeds the LWW register's DEFAULT/REVERSE clocks.
absl::Status ApplyCrdtDelta(const cloudstate::crdt::CrdtDelta& delta,
                            std::optional<CrdtValue>* value, int64_t now_ms);

// The full value as a delta (CrdtInit.delta).
cloudstate::crdt::CrdtDelta FullStateDelta(const CrdtValue& value);

// The delta that turns `before` into `after` for the function, nullopt if nothing changed.
// FailedPrecondition for a change the function cannot express (a counter going down, a type
// change).
absl::StatusOr<std::optional<cloudstate::crdt::CrdtDelta>> CrdtDiff(const CrdtValue& before,
                                                                    const CrdtValue& after);

}  // namespace cloudstate::proxy
