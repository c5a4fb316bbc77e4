#pragma once
// The SDK suite (`cloudstate-tck run`): the engine's pipeline (engine.h) over a user-function
// target that the kit can start, supervise and restart.
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
#include "cloudstate/tck/engine.h"
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

RunOutcome RunSuite(const RunOptions& options, std::ostream& out);

// `cloudstate-tck list`: every case with its rule ids, level, services and description.
void ListCases(std::ostream& out);

inline constexpr const char* kSkipNotImplemented = "not implemented by the function";

// Why a case is skipped for this function ("" when it runs): a needed model service is missing.
std::string GateReason(const CaseSpec& spec, const DiscoveryInfo& discovery);

}  // namespace cloudstate::tck
