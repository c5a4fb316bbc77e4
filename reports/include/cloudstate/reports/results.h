#pragma once
// The results model of one conformance run: the single source from which every report format is
// written (JUnit, CTRF, TAP, HTML, Markdown, badge, summary), so that they never disagree.
//
//   cloudstate::reports::RunResults run;
//   run.cases.push_back({.name = "eventsourced.initial_snapshot", .area = "eventsourced",
//                        .rule_ids = {"ES-004"}, .level = CaseLevel::kRequired,
//                        .outcome = Outcome::kPassed, .duration_seconds = 0.004});
//   auto status = cloudstate::reports::WriteAllReports(run, rules, "reports/out");  // writers.h

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cloudstate::reports {

// What happened to one case.
enum class Outcome {
  kPassed,           // ran, every expectation held
  kFailed,           // ran, an expectation failed (or the system under test misbehaved)
  kSkipped,          // did not run; `message` says why (e.g. "not implemented by the function")
  kExpectedFailure,  // listed as known-failing and failed as expected
  kUnexpectedPass,   // listed as known-failing but passed: the known-failing list is stale
};

// Whether a case gates the verdict.
enum class CaseLevel {
  kRequired,    // checks a MUST rule
  kOptional,    // checks a SHOULD or MAY rule
  kRobustness,  // feeds an input no conforming peer sends (a ROBUSTNESS rule): any orderly
                // reaction passes; judged and badged on its own, never part of the conformance
                // level
};

// What a measured value counts, so that writers can format and compare it.
enum class MetricUnit {
  kCount,      // events, operations, messages
  kSeconds,    // a duration or latency
  kBytes,      // a size
  kPerSecond,  // a throughput
  kRatio,      // a dimensionless ratio (a slowdown, a fraction)
};

// One measured value of a case: a latency percentile of a bench scenario, the number of operations
// of a model-checker history, ...
struct Metric {
  std::string name{};  // stable, dotted: "latency.p99", "history.operations"
  double value = 0;
  MetricUnit unit = MetricUnit::kCount;
};

// How to reproduce a result that depends on randomness (a seeded model-checker history, a
// randomised bench scenario). Empty when the result is deterministic.
struct Replay {
  std::optional<uint64_t> seed{};
  std::string command{};  // a command line that reproduces it ("" when there is none)

  bool empty() const { return !seed && command.empty(); }
};

// Members carry `{}` initializers so that designated initializers may leave any of them out without
// -Wmissing-field-initializers warnings (CI builds with -Werror).
struct CaseResult {
  std::string name{};  // stable, unique case name
  std::string area{};  // spec area: discovery, action, valueentity, eventsourced, ...
  std::vector<std::string> rule_ids{};  // spec rules the case checks, e.g. {"ES-004"}
  CaseLevel level = CaseLevel::kRequired;
  std::string description{};  // one line: what the case checks
  std::string hint{};         // what to look at when it fails
  Outcome outcome = Outcome::kPassed;
  std::string message{};  // failure or skip reason, one line
  std::string details{};  // failure transcript and field-level diff (multi-line)
  double duration_seconds = 0;
  std::vector<Metric> metrics{};  // measured values (none for a plain conformance case)
  Replay replay{};                // how to reproduce it (empty when deterministic)
};

// Identity of the system under test, from its discovery answer (ServiceInfo) and the run's target.
struct SystemUnderTest {
  std::string address{};  // host:port the kit talked to
  std::string service_name{};
  std::string service_version{};
  std::string service_runtime{};
  std::string support_library_name{};
  std::string support_library_version{};
  std::string protocol_version{};                    // "major.minor" reported by the function
  std::vector<std::string> declared_entity_types{};  // entity types of the declared entities
  std::vector<std::string> declared_services{};      // full names of the declared services
};

struct RunResults {
  std::string kit_name = "cloudstate-tck";
  std::string kit_version{};
  std::string protocol_version = "0.2";
  std::string started_at{};                            // RFC 3339 UTC
  std::string host{};                                  // machine the kit ran on
  std::map<std::string, std::string> configuration{};  // flags and settings of the run
  SystemUnderTest sut{};
  std::vector<CaseResult> cases{};
  double duration_seconds = 0;
  Replay replay{};  // the run's seed and replay command, when it was randomised
};

// A spec rule as the reports need it (from spec/rules.tsv), for the traceability matrix.
struct RuleInfo {
  std::string id{};
  std::string level{};  // MUST, SHOULD, MAY, ROBUSTNESS, RETIRED
  std::string area{};
  std::string title{};
};

const char* OutcomeName(Outcome outcome);     // "passed", "failed", "skipped", "xfail", "xpass"
const char* CaseLevelName(CaseLevel level);   // "required", "optional", "robustness"
const char* MetricUnitName(MetricUnit unit);  // "count", "seconds", "bytes", "per_second", "ratio"
std::optional<MetricUnit> ParseMetricUnitName(std::string_view name);

}  // namespace cloudstate::reports
