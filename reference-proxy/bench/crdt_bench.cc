// CRDT merge (function deltas applied to the proxy's value) and deltas back to the function.

#include "benchmark/benchmark.h"

#include "cloudstate/proxy_core/crdt_state.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::crdt::CrdtDelta;

google::protobuf::Any Element(int i) {
  google::protobuf::Any any;
  any.set_type_url("p.cloudstate.io/string");
  any.set_value("element-" + std::to_string(i));
  return any;
}

void BM_PNCounterMerge(benchmark::State& state) {
  std::optional<CrdtValue> value;
  CrdtDelta delta;
  delta.mutable_pncounter()->set_change(3);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ApplyCrdtDelta(delta, &value, 0));
  }
}
BENCHMARK(BM_PNCounterMerge);

// Adding one element to an ORSet of N elements (the set is copied: merges are all-or-nothing).
void BM_ORSetAddOne(benchmark::State& state) {
  std::optional<CrdtValue> value;
  CrdtDelta initial;
  for (int i = 0; i < state.range(0); ++i) {
    *initial.mutable_orset()->add_added() = Element(i);
  }
  (void)ApplyCrdtDelta(initial, &value, 0);
  CrdtDelta add;
  *add.mutable_orset()->add_added() = Element(-1);
  for (auto _ : state) {
    std::optional<CrdtValue> copy = value;
    benchmark::DoNotOptimize(ApplyCrdtDelta(add, &copy, 0));
  }
}
BENCHMARK(BM_ORSetAddOne)->Arg(10)->Arg(1000);

void BM_ORSetDiff(benchmark::State& state) {
  std::optional<CrdtValue> before;
  CrdtDelta initial;
  for (int i = 0; i < state.range(0); ++i) {
    *initial.mutable_orset()->add_added() = Element(i);
  }
  (void)ApplyCrdtDelta(initial, &before, 0);
  std::optional<CrdtValue> after = before;
  CrdtDelta change;
  *change.mutable_orset()->add_removed() = Element(0);
  *change.mutable_orset()->add_added() = Element(-1);
  (void)ApplyCrdtDelta(change, &after, 0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(CrdtDiff(*before, *after));
  }
}
BENCHMARK(BM_ORSetDiff)->Arg(10)->Arg(1000);

// An ORMap of N PNCounters: one nested update, and the full-state init delta.
std::optional<CrdtValue> CounterMap(int n) {
  std::optional<CrdtValue> value;
  CrdtDelta delta;
  for (int i = 0; i < n; ++i) {
    auto* added = delta.mutable_ormap()->add_added();
    *added->mutable_key() = Element(i);
    added->mutable_delta()->mutable_pncounter()->set_change(i);
  }
  (void)ApplyCrdtDelta(delta, &value, 0);
  return value;
}

void BM_ORMapNestedUpdate(benchmark::State& state) {
  std::optional<CrdtValue> value = CounterMap(static_cast<int>(state.range(0)));
  CrdtDelta update;
  auto* entry = update.mutable_ormap()->add_updated();
  *entry->mutable_key() = Element(0);
  entry->mutable_delta()->mutable_pncounter()->set_change(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ApplyCrdtDelta(update, &value, 0));
  }
}
BENCHMARK(BM_ORMapNestedUpdate)->Arg(10)->Arg(1000);

void BM_ORMapFullState(benchmark::State& state) {
  std::optional<CrdtValue> value = CounterMap(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(FullStateDelta(*value));
  }
}
BENCHMARK(BM_ORMapFullState)->Arg(10)->Arg(1000);

void BM_VoteDiff(benchmark::State& state) {
  CrdtValue no{VoteValue{false}};
  CrdtValue yes{VoteValue{true}};
  for (auto _ : state) {
    benchmark::DoNotOptimize(CrdtDiff(no, yes));
  }
}
BENCHMARK(BM_VoteDiff);

}  // namespace
}  // namespace cloudstate::proxy
