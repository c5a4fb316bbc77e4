#include "cloudstate/tck/cli.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/reports/compare.h"
#include "cloudstate/reports/writers.h"
#include "cloudstate/tck/bench/bench.h"
#include "cloudstate/tck/proxy_suite/cli.h"
#include "cloudstate/tck/runner.h"

namespace cloudstate::tck {
namespace {

// The spec data of an installed kit: <prefix>/share/cloudstate-tck next to <prefix>/bin, found from
// the executable's own path so that a relocated install works too. Empty when absent (a build
// tree), and then the runner falls back to the source tree's spec/.
std::string InstalledSpecDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return "";
  }
  const std::filesystem::path dir = exe.parent_path().parent_path() / "share" / "cloudstate-tck";
  return std::filesystem::exists(dir / "rules.tsv", ec) ? dir.string() : "";
}

constexpr const char* kSpecUrlHelp =
    "base URL of the spec/ folder the HTML report links rules to (e.g. the repository's spec/ "
    "on GitHub; default: the local spec directory)";

// Where the HTML report links each rule: SPEC_URL/<area>.md#<heading anchor>.
std::string SpecUrl(const std::string& flag, const std::string& spec_dir) {
  if (!flag.empty()) {
    return flag;
  }
  // The directory the rules are read from (LoadRules' order); none: no links.
  std::vector<std::string> candidates = {spec_dir};
  if (spec_dir.empty()) {
    candidates = {CS_DEFAULT_SPEC_DIR, "spec"};
  }
  for (const std::string& candidate : candidates) {
    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::absolute(candidate, ec);
    if (!ec && std::filesystem::exists(dir / "rules.tsv", ec)) {
      return absl::StrCat("file://", dir.lexically_normal().string());
    }
  }
  return "";
}

// `report --render RESULTS_JSON --report-dir DIR`: every report format again from a saved run.
int RenderSavedRun(const std::string& results_path, const std::string& report_dir,
                   const std::string& spec_dir, const std::string& spec_url) {
  auto run = cloudstate::reports::ReadResultsJson(results_path);
  if (!run.ok()) {
    std::cerr << "error: " << run.status().message() << "\n";
    return kExitError;
  }
  if (!spec_url.empty()) {
    run->configuration["spec_url"] = spec_url;
  }
  const std::vector<reports::RuleInfo> rules = LoadRules(spec_dir, std::cerr);
  if (absl::Status s = cloudstate::reports::WriteAllReports(*run, rules, report_dir); !s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return kExitError;
  }
  std::cout << "reports for " << run->cases.size() << " cases written to " << report_dir << "\n";
  return 0;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"cloudstate-tck: conformance suite for Cloudstate protocol 0.2 user functions"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cloudstate-tck ") + CS_KIT_VERSION);
  const std::string installed_spec_dir = InstalledSpecDir();

  RunOptions options;
  options.spec_dir = installed_spec_dir;
  std::string config_file;
  auto* run = app.add_subcommand("run", "run the suite against a user function");
  run->add_option("--function", options.function_address, "HOST:PORT of the user function");
  run->add_option("--config", config_file, "YAML file: how to start the function (see README)");
  run->add_option("--filter", options.filters, "run only cases matching (glob or substring)");
  run->add_option("--exclude", options.excludes, "skip cases matching (glob or substring)");
  run->add_option("--report-dir", options.report_dir, "write every report format here");
  run->add_option("--time-scale", options.time_scale, "multiply every timeout")
      ->check(CLI::PositiveNumber);
  run->add_option("--jobs", options.jobs, "cases run in parallel")->check(CLI::Range(1, 64));
  run->add_option("--known-failing", options.known_failing_file,
                  "cases expected to fail, one per line");
  run->add_option("--spec-dir", options.spec_dir, "directory holding rules.tsv");
  run->add_option("--deadline", options.global_deadline_seconds,
                  "global deadline of the run in seconds (scaled)")
      ->check(CLI::PositiveNumber);
  run->add_flag("-v,--verbose", options.verbose, "print details of every non-passing case");

  auto* list = app.add_subcommand("list", "list every case with rule ids and level");

  std::vector<std::string> compare_dirs;
  std::string render_file;
  std::string render_dir;
  std::string render_spec_dir = installed_spec_dir;
  auto* report = app.add_subcommand("report", "work with written reports");
  auto* compare = report->add_option("--compare", compare_dirs, "OLD_DIR NEW_DIR: compare two runs")
                      ->expected(2);
  auto* render = report->add_option("--render", render_file,
                                    "RESULTS_JSON: write every report format again from a saved "
                                    "results.json (needs --report-dir)");
  report->add_option("--report-dir", render_dir, "where --render writes the reports");
  report->add_option("--spec-dir", render_spec_dir, "directory holding rules.tsv");
  compare->excludes(render);
  std::string spec_url;
  for (CLI::App* sub : {run, report}) {
    sub->add_option("--spec-url", spec_url, kSpecUrlHelp);
  }

  proxy_suite::ProxyCommand proxy_command;  // `proxy`: the kit as a client of a proxy
  proxy_suite::AddProxyCommand(app, &proxy_command);
  proxy_command.options.spec_dir = installed_spec_dir;
  proxy_command.app->add_option("--spec-url", spec_url, kSpecUrlHelp);

  bench::BenchCommand bench_command;  // `bench`: latency and throughput scenarios
  bench::AddBenchCommand(app, &bench_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitError;
  }

  if (list->parsed()) {
    ListCases(std::cout);
    return 0;
  }
  if (proxy_command.app->parsed()) {
    proxy_command.options.configuration["spec_url"] =
        SpecUrl(spec_url, proxy_command.options.spec_dir);
    return proxy_suite::RunProxyCommand(proxy_command);
  }
  if (bench_command.app->parsed()) {
    return bench::RunBenchCommand(bench_command);
  }
  if (report->parsed()) {
    if (!render_file.empty()) {
      if (render_dir.empty()) {
        std::cerr << "error: report --render needs --report-dir DIR\n";
        return kExitError;
      }
      return RenderSavedRun(render_file, render_dir, render_spec_dir, spec_url);
    }
    if (compare_dirs.size() != 2) {
      std::cerr << "error: report needs --compare OLD_DIR NEW_DIR or --render RESULTS_JSON\n";
      return kExitError;
    }
    return cloudstate::reports::RunCompareCommand(compare_dirs[0], compare_dirs[1], std::cout);
  }
  if (!config_file.empty()) {
    auto config = LoadFunctionConfig(config_file);
    if (!config.ok()) {
      std::cerr << "error: " << config.status().message() << "\n";
      return kExitError;
    }
    options.function = *config;
    options.configuration["config"] = config_file;
  } else if (options.function_address.empty()) {
    std::cerr << "error: run needs --function HOST:PORT or --config FILE\n";
    return kExitError;
  }
  options.configuration["function"] =
      options.function ? options.function->command : options.function_address;
  if (!options.filters.empty()) {
    options.configuration["filter"] = absl::StrJoin(options.filters, ",");
  }
  if (!options.excludes.empty()) {
    options.configuration["exclude"] = absl::StrJoin(options.excludes, ",");
  }
  if (!options.known_failing_file.empty()) {
    options.configuration["known_failing"] = options.known_failing_file;
  }
  options.configuration["spec_url"] = SpecUrl(spec_url, options.spec_dir);
  options.color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  RunOutcome outcome = RunSuite(options, std::cout);
  return outcome.exit_code;
}

}  // namespace cloudstate::tck
