// Cost of recording into and reading from the bench histogram (it sits on every completion).
#include <random>
#include <vector>

#include "benchmark/benchmark.h"

#include "cloudstate/tck/bench/histogram.h"

namespace {

using cloudstate::tck::bench::Histogram;

std::vector<int64_t> Latencies() {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(12.0, 1.0);  // ~160 us median, in ns
  std::vector<int64_t> v(4096);
  for (auto& x : v) {
    x = static_cast<int64_t>(dist(rng));
  }
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = Latencies();
  Histogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramPercentile(benchmark::State& state) {
  Histogram h;
  for (int64_t v : Latencies()) {
    h.Record(v);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.ValueAtPercentile(99.9));
  }
}
BENCHMARK(BM_HistogramPercentile);

}  // namespace
