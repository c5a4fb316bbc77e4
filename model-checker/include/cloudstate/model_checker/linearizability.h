#pragma once
// Linearizability checking of a History against a sequential model: the Wing-Gong search with
// Lowe's memoisation of visited (linearized set, model state) pairs, as in Porcupine, applied to
// each entity alone (P-compositionality: a history is linearizable iff the sub-history of every
// entity is).
//
//   CS_ASSIGN_OR_RETURN(CheckResult result, CheckHistory(history));
//   if (result.verdict == Verdict::kNotLinearizable) {
//     std::cout << DescribeResult(history, result);
//   }
//
// Operations with status fail are left out (they had no effect). Operations with status info may
// take effect at any time after their call, or never; their output is not checked. Operations
// whose times are equal count as concurrent.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/model_checker/history.h"

namespace cloudstate::model_checker {

enum class Verdict {
  kLinearizable,
  kNotLinearizable,
  kUnknown,  // the search gave up (CheckOptions' state or memory budget)
};

const char* VerdictName(Verdict verdict);  // "linearizable", "not-linearizable", "unknown"

struct CheckOptions {
  // Gives up on an entity (verdict unknown) after memoising this many states; 0: no limit.
  int64_t max_states_per_entity = 20'000'000;
  // Gives up on an entity when the memoised states would take more than this; 0: no limit. Each
  // state holds a bitset of the entity's operations (1 bit per operation) and the model state.
  int64_t max_memory_bytes_per_entity = int64_t{2} << 30;
  // When an entity is not linearizable, search for the minimal non-linearizable prefix and a
  // longest partial linearization of it (a few more searches on that entity).
  bool explain = true;
};

// The counterexample of one entity.
struct Counterexample {
  // Operations (ids) of the minimal non-linearizable prefix: every operation called before the
  // prefix's end. Those that return after it count as pending (unknown outcome).
  std::vector<int> prefix{};
  int64_t prefix_end = 0;  // time of the prefix's last event (a return)
  // The operation(s) whose return ends the prefix: with it the prefix cannot be linearized.
  std::vector<int> culprits{};
  // A longest partial linearization of the prefix (operation ids in linearization order) and the
  // model state after it: no operation that the prefix still needs can follow it.
  std::vector<int> longest_linearization{};
  std::string state_after_longest{};
};

struct EntityResult {
  std::string entity{};
  int operations = 0;  // operations checked (ok and info)
  Verdict verdict = Verdict::kLinearizable;
  int64_t states_visited = 0;  // memoised states of the full search
  std::string message{};       // one line; set when not linearizable or unknown
  Counterexample counterexample{};
};

struct CheckResult {
  std::string model{};
  Verdict verdict = Verdict::kLinearizable;  // worst over the entities
  std::vector<EntityResult> entities{};      // sorted by entity
  int operations = 0;                        // operations checked (ok and info)
  int failed_operations = 0;                 // left out (status fail)
};

// Checks `history` against the model it names (history.model). InvalidArgument when the model is
// unknown or an operation does not fit it (e.g. an unknown operation name, a missing value).
absl::StatusOr<CheckResult> CheckHistory(const History& history, const CheckOptions& options = {});

// A human-readable account: one line per entity and, for each non-linearizable entity, its
// counterexample with the operations spelled out.
std::string DescribeResult(const History& history, const CheckResult& result);

// One line for an operation: "#12 client c3: write 4 -> ok [100, 130]".
std::string DescribeOperation(const Operation& op);

}  // namespace cloudstate::model_checker
