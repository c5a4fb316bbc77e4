#pragma once
// The one pipeline every suite runs through: select the suite's cases, gate each on what the
// target offers, execute it against the target, classify it against the known-failing list, and
// report. What differs between suites is the target:
//   * a user function (the SDK suite, `run`): FunctionTarget in runner.cc, started and restarted
//     by the kit, with deaths charged to the cases that were running;
//   * a proxy as client only, or a proxy with its wire to the function tapped by the interceptor
//     (the proxy suite, `proxy`): ProxyTarget in proxy_suite/proxy_suite.cc.
//
//   MyTarget target(...);
//   PipelineOptions options{.filters = {"crdt.*"}, .report_dir = "out"};
//   RunOutcome outcome = RunPipeline(Suite::kFunction, target, options, std::cout);

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "cloudstate/reports/results.h"
#include "cloudstate/tck/case_registry.h"

namespace cloudstate::tck {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitError = 2;  // bad usage, unreadable files, target never answered

struct RunOutcome {
  cloudstate::reports::RunResults results;
  int exit_code = kExitError;
};

// How the system under test died while cases ran against it: what happened and which cases (by
// index in the selection) were running against that instance.
struct TargetDeath {
  std::string what;             // "exited with status 2", "stopped answering", ...
  std::vector<size_t> running;  // indices of the cases running against the dead instance
  bool before = false;          // it was already dead when the case began (restart disabled)
};

// A system under test the pipeline runs cases against.
class Target {
 public:
  virtual ~Target() = default;

  // Adds the target's own entries to the report's configuration (before Start, so that they are
  // also in the reports of a run that cannot start).
  virtual void Configure(std::map<std::string, std::string>& configuration) const = 0;
  // Starts or connects to the system under test; fills `results.sut` (and configuration entries
  // learnt on the way) and prints the run's header line. Not OK: no case runs.
  virtual absl::Status Start(size_t selected, cloudstate::reports::RunResults& results,
                             std::ostream& out) = 0;
  // Why `spec` cannot run against this target ("" when it can).
  virtual std::string Gate(const CaseSpec& spec) const = 0;
  // Runs case `index` of the selection and sets `r`'s outcome, message and details. `note` tells
  // what happened to the target before the case could start (a restart). Returns how the target
  // died while the case ran, if it did.
  virtual std::optional<TargetDeath> Execute(const CaseSpec& spec, size_t index,
                                             cloudstate::reports::CaseResult& r,
                                             std::string& note) = 0;
  // Ends the run (stops what Start started); may add configuration entries.
  virtual void Stop(cloudstate::reports::RunResults& results) = 0;
  // Cases run in parallel only against targets that can tell which case a death belongs to.
  virtual bool Parallel() const { return false; }
};

struct PipelineOptions {
  std::vector<std::string> filters;   // keep cases matching any (glob, or substring)
  std::vector<std::string> excludes;  // drop cases matching any
  std::string report_dir;             // write every report format here ("" = none)
  std::string known_failing_file;
  std::string spec_dir;  // holds rules.tsv ("" = built-in default)
  bool verbose = false;
  bool color = false;
  int jobs = 1;  // used when the target is Parallel()
  // Cases that have not begun by then fail as not run (nullopt: no deadline).
  std::optional<std::chrono::milliseconds> global_deadline;
  // The per-area table after the run (SDK suite); otherwise only the skip reasons.
  bool area_summary = true;
  std::map<std::string, std::string> configuration;  // echoed into the reports
};

RunOutcome RunPipeline(Suite suite, Target& target, const PipelineOptions& options,
                       std::ostream& out);

// ---- the pipeline's steps, shared with the listings and tests ----

// Glob (*, ?, [..]) when the pattern has wildcards, substring match otherwise.
bool MatchesPattern(std::string_view name, std::string_view pattern);
bool Selected(const CaseSpec& spec, const std::vector<std::string>& filters,
              const std::vector<std::string>& excludes);
// The known-failing classification: a listed case that failed is an expected failure, one that
// passed is an unexpected pass.
void ClassifyKnownFailing(const std::map<std::string, std::string>& known_failing,
                          cloudstate::reports::CaseResult& r);
// The closing line: "N passed, N failed, N skipped".
std::string ClosingLine(const cloudstate::reports::RunResults& results);
// 0 when every required case passed (skips and expected failures allowed) and no known-failing
// case passed unexpectedly; 1 otherwise.
int VerdictExitCode(const cloudstate::reports::RunResults& results);

// Helpers shared by the suites and their targets.
std::string NowRfc3339();  // current UTC time, e.g. "2026-11-27T04:08:49Z"
std::string HostName();    // this machine's name, "unknown" if it cannot be read
std::string RunId();       // six random [a-z0-9] characters that keep entity ids unique per run
// Every line of `text` prefixed with `prefix`, each ending in a newline.
std::string IndentLines(const std::string& text, const std::string& prefix);
// The spec rules from SPEC_DIR/rules.tsv (default: the source tree's spec/, then ./spec). A missing
// or unreadable registry gives an empty list and, when unreadable, a warning on `out`. When
// `known_ids` is given, every rule id is appended to it.
std::vector<cloudstate::reports::RuleInfo> LoadRules(const std::string& spec_dir, std::ostream& out,
                                                     std::vector<std::string>* known_ids = nullptr);

}  // namespace cloudstate::tck
