// A bench run in the results model (results.h), for the conformance writers.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/reports/bench.h"

namespace cloudstate::reports {

RunResults BenchRunResults(const BenchRun& run) {
  RunResults out;
  out.kit_name = run.tool;
  out.started_at = run.started_at;
  out.duration_seconds = run.duration_seconds;
  out.configuration = run.configuration;
  out.configuration["target_kind"] = run.target_kind;
  for (const BenchScenario& scenario : run.scenarios) {
    for (const BenchSeries& series : scenario.series) {
      CaseResult c;
      c.name =
          absl::StrCat("bench.", scenario.name, "/", scenario.distribution, "/", series.target);
      c.area = "bench";
      c.level = CaseLevel::kOptional;  // figures, never a conformance verdict
      c.description = scenario.description;
      const BenchPoint& open = series.open_loop;
      c.duration_seconds = open.duration_seconds;
      std::vector<std::string> errors;
      for (const auto& [code, n] : open.errors) {
        errors.push_back(absl::StrCat(code, " x", n));
      }
      if (open.ok == 0 || !errors.empty()) {
        c.outcome = Outcome::kFailed;
        c.message = absl::StrCat(open.ok, " of ", open.requests, " requests completed",
                                 errors.empty() ? "" : "; errors: ", absl::StrJoin(errors, ", "));
      }
      c.metrics.push_back({.name = "requests",
                           .value = static_cast<double>(open.requests),
                           .unit = MetricUnit::kCount});
      c.metrics.push_back(
          {.name = "throughput", .value = open.throughput, .unit = MetricUnit::kPerSecond});
      for (const auto& [name, us] : open.latency_us) {
        c.metrics.push_back({.name = absl::StrCat("latency.", name),
                             .value = us / 1e6,
                             .unit = MetricUnit::kSeconds});
      }
      if (series.saturation_throughput > 0) {
        c.metrics.push_back({.name = "saturation.throughput",
                             .value = series.saturation_throughput,
                             .unit = MetricUnit::kPerSecond});
      }
      if (open.target_cpu_ms_per_1000 >= 0) {
        c.metrics.push_back({.name = "target_cpu_per_1000",
                             .value = open.target_cpu_ms_per_1000 / 1e3,
                             .unit = MetricUnit::kSeconds});
      }
      out.cases.push_back(std::move(c));
    }
    for (const auto& [name, ratio] : scenario.ratios) {
      // Ratios are figures of the scenario, carried by its first series' case.
      if (!scenario.series.empty()) {
        out.cases[out.cases.size() - scenario.series.size()].metrics.push_back(
            {.name = absl::StrCat("ratio.", name), .value = ratio, .unit = MetricUnit::kRatio});
      }
    }
  }
  return out;
}

}  // namespace cloudstate::reports
