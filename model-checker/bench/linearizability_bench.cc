// Check time of linearizable key-value histories, partitioned over many keys (P-compositionality)
// and over one key (a single partition), with 4 or 16 concurrent clients per key.
#include <benchmark/benchmark.h>

#include "cloudstate/model_checker/generate.h"
#include "cloudstate/model_checker/linearizability.h"

namespace cloudstate::model_checker {
namespace {

// state.range(0): operations; state.range(1): keys; state.range(2): clients per key.
void BM_CheckKvHistory(benchmark::State& state) {
  const int operations = static_cast<int>(state.range(0));
  const int keys = static_cast<int>(state.range(1));
  const int clients = static_cast<int>(state.range(2)) * keys;
  const History history = ExecutePlan(RandomPlan(7, operations, keys, clients));
  int64_t states = 0;
  for (auto _ : state) {
    auto result = CheckHistory(history, {.explain = false});
    if (!result.ok() || result->verdict != Verdict::kLinearizable) {
      state.SkipWithError("a generated history was not found linearizable");
      return;
    }
    states = 0;
    for (const auto& e : result->entities) {
      states += e.states_visited;
    }
  }
  state.counters["states"] = static_cast<double>(states);
  state.SetItemsProcessed(state.iterations() * operations);
}

BENCHMARK(BM_CheckKvHistory)
    ->Args({1'000, 10, 4})
    ->Args({10'000, 100, 4})
    ->Args({100'000, 1'000, 4})
    ->Args({1'000, 1, 4})
    ->Args({10'000, 1, 4})
    ->Args({10'000, 1, 16})
    ->Unit(benchmark::kMillisecond);

// A non-linearizable history: the cost of finding the minimal prefix and explaining it.
void BM_ExplainViolation(benchmark::State& state) {
  const int operations = static_cast<int>(state.range(0));
  History history = ExecutePlan(RandomPlan(11, operations, 10, 40));
  // A read of a value no one wrote, at the end of key k0.
  Operation bad;
  bad.process = "intruder";
  bad.entity = "k0";
  bad.call = history.operations.back().ret + 100;
  bad.ret = bad.call + 1;
  bad.f = "read";
  bad.output = 99;
  history.AddOperation(bad);
  for (auto _ : state) {
    auto result = CheckHistory(history);
    if (!result.ok() || result->verdict != Verdict::kNotLinearizable) {
      state.SkipWithError("the violation was not found");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * operations);
}

BENCHMARK(BM_ExplainViolation)->Arg(10'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cloudstate::model_checker
