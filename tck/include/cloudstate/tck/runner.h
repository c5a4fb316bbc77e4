#pragma once
// Running the suite: selection, gating, parallel execution, restarts, progress output, summary and
// reports.
//
//   RunOptions options;
//   options.function_address = "127.0.0.1:8080";
//   RunOutcome outcome = RunSuite(options, std::cout);
//   return outcome.exit_code;

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/reports/results.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/function_process.h"

namespace cloudstate::tck {

struct DiscoveryInfo;

struct RunOptions {
  std::string function_address;            // host:port (unused when `function` is set)
  std::optional<FunctionConfig> function;  // start and supervise the function
  std::vector<std::string> filters;        // keep cases matching any (glob, or substring)
  std::vector<std::string> excludes;       // drop cases matching any
  std::string report_dir;                  // write every report format here ("" = none)
  double time_scale = 1.0;
  int jobs = 1;
  std::string known_failing_file;
  std::string spec_dir;  // holds rules.tsv ("" = built-in default)
  bool verbose = false;
  double global_deadline_seconds = 900;              // multiplied by time_scale
  std::optional<bool> color;                         // default: colour when `out` is a TTY (stdout)
  std::map<std::string, std::string> configuration;  // echoed into the reports
};

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitError = 2;  // bad usage, unreadable files, function never answered

struct RunOutcome {
  cloudstate::reports::RunResults results;
  int exit_code = kExitError;
};

RunOutcome RunSuite(const RunOptions& options, std::ostream& out);

// `cloudstate-tck list`: every case with its rule ids, level, services and description.
void ListCases(std::ostream& out);

// Glob (*, ?, [..]) when the pattern has wildcards, substring match otherwise.
bool MatchesPattern(std::string_view name, std::string_view pattern);
bool Selected(const CaseSpec& spec, const std::vector<std::string>& filters,
              const std::vector<std::string>& excludes);

inline constexpr const char* kSkipNotImplemented = "not implemented by the function";

// Why a case is skipped for this function ("" when it runs): a needed model service is missing.
std::string GateReason(const CaseSpec& spec, const DiscoveryInfo& discovery);

// The closing line: "N passed, N failed, N skipped".
std::string ClosingLine(const cloudstate::reports::RunResults& results);

// 0 when every required case passed (skips and expected failures allowed) and no known-failing
// case passed unexpectedly; 1 otherwise.
int VerdictExitCode(const cloudstate::reports::RunResults& results);

// Helpers shared by the SDK suite (`run`) and the proxy suite (`proxy`).
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
