#pragma once
// Reports of `cloudstate-tck bench`: the figures of every phase, rendered as bench.json (the
// source of truth, read back by --compare), ctrf.json (one test per scenario, figures in `extra`)
// and bench.html (self-contained, inline SVG plots, no network).
//
//   CS_RETURN_IF_ERROR(cloudstate::reports::WriteBenchReports(run, "out/bench"));
//   int exit_code = cloudstate::reports::RunBenchCompare("old/bench.json", "new/bench.json",
//                                                        0.20, std::cout);

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "cloudstate/reports/results.h"

namespace cloudstate::reports {

// One measured phase: an open loop at `offered_rate` or a closed loop at `concurrency`.
struct BenchPoint {
  std::string mode;  // "open" or "closed"
  double offered_rate = 0;
  int concurrency = 0;
  uint64_t requests = 0;
  uint64_t ok = 0;
  double duration_seconds = 0;
  double throughput = 0;  // completed requests per second
  // Microseconds: "p50", "p90", "p99", "p99.9", "max", "mean".
  std::map<std::string, double> latency_us;
  // (percentile, microseconds), ascending, for the latency-by-percentile plot.
  std::vector<std::pair<double, double>> percentiles;
  std::map<std::string, uint64_t> errors;  // gRPC status name -> count
  double target_cpu_ms_per_1000 = -1;      // -1: not measured
};

// One implementation under one scenario: "echo" (baseline), "proxy", "function", "direct".
struct BenchSeries {
  std::string target;
  std::string address;
  BenchPoint open_loop;
  std::vector<BenchPoint> sweep;  // closed loop, ascending concurrency
  // The sweep point of highest throughput.
  double saturation_throughput = 0;
  int saturation_concurrency = 0;
};

struct BenchScenario {
  std::string name;          // "cart-add", "value-update", "action-unary"
  std::string distribution;  // "hot", "uniform-100", "new", "-" (no entity)
  std::string description;
  std::vector<BenchSeries> series;
  // "<figure>_vs_<baseline>": p50/p99 (open loop) and saturation throughput over the baseline's.
  std::map<std::string, double> ratios;
};

struct BenchRun {
  std::string tool = "cloudstate-tck bench";
  std::string started_at;  // RFC 3339
  double duration_seconds = 0;
  std::string target_kind;  // "proxy" or "function"
  std::map<std::string, std::string> configuration;
  std::vector<BenchScenario> scenarios;
};

// Fills `ratios` of every scenario from its series (baselines "echo" and "direct").
void ComputeBenchRatios(BenchScenario& scenario);

std::string RenderBenchJson(const BenchRun& run);
absl::StatusOr<BenchRun> ParseBenchJson(std::string_view text);
absl::StatusOr<BenchRun> ReadBenchJson(const std::string& path);  // a file or a directory
std::string RenderBenchCtrf(const BenchRun& run);
std::string RenderBenchHtml(const BenchRun& run);
// The run in the results model, so that the conformance writers (JUnit, TAP, Markdown, ...) can
// carry it: one case per scenario and series ("bench.<scenario>/<distribution>/<target>", area
// "bench"), passed when the open loop completed requests without errors, with typed metrics
// (throughput, open-loop latency percentiles in seconds, saturation).
RunResults BenchRunResults(const BenchRun& run);
// bench.json, ctrf.json and bench.html into `dir` (created if needed).
absl::Status WriteBenchReports(const BenchRun& run, const std::string& dir);

struct BenchRegression {
  std::string scenario;  // "name/distribution"
  std::string ratio;
  double old_value = 0;
  double new_value = 0;
};
// Ratios present in both runs that got worse by more than `threshold` (0.2 = 20%): latency
// ratios that grew, throughput ratios that shrank.
std::vector<BenchRegression> CompareBench(const BenchRun& old_run, const BenchRun& new_run,
                                          double threshold);
// Prints the comparison; 0 = no regression, 1 = regression, 2 = unreadable input.
int RunBenchCompare(const std::string& old_path, const std::string& new_path, double threshold,
                    std::ostream& out);

}  // namespace cloudstate::reports
