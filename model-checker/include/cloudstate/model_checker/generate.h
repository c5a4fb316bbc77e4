#pragma once
// Linearizable key-value register histories by construction, for tests and benchmarks: a plan
// gives every operation its client, key, kind, the gap after the client's previous operation,
// its duration and where inside its interval it takes effect; executing the plan applies the
// operations in the order of those points, so the recorded outputs admit that linearization.
//
//   std::vector<PlannedOp> plan = ...;
//   History history = ExecutePlan(plan);   // model "kv-register", linearizable

#include <cstdint>
#include <vector>

#include "cloudstate/model_checker/history.h"

namespace cloudstate::model_checker {

struct PlannedOp {
  enum class Kind { kRead, kWrite, kCas };
  int client = 0;
  int key = 0;
  Kind kind = Kind::kRead;
  int value = 0;         // write: value written; cas: new value
  int expected = 0;      // cas: value compared with
  int gap = 1;           // time after the client's previous return (>= 0)
  int duration = 1;      // return - call (>= 0)
  int point = 0;         // takes effect at call + point % (duration + 1)
  bool unknown = false;  // recorded with status info (outcome unknown, never returned)
};

// Executes `plan` against one register per key (initially null). Operations with `unknown` take
// effect too (at their point) but are recorded as info with no return and no output.
History ExecutePlan(const std::vector<PlannedOp>& plan);

// A plan of `operations` operations over `keys` keys and `clients` clients (each client sticks
// to the keys c % keys), from a deterministic seed.
std::vector<PlannedOp> RandomPlan(uint64_t seed, int operations, int keys, int clients);

}  // namespace cloudstate::model_checker
