#include "cloudstate/tck/cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/reports/compare.h"
#include "cloudstate/tck/bench/bench.h"
#include "cloudstate/tck/proxy_suite/cli.h"
#include "cloudstate/tck/runner.h"

namespace cloudstate::tck {

int RunCli(int argc, char** argv) {
  CLI::App app{"cloudstate-tck: conformance suite for Cloudstate protocol 0.2 user functions"};
  app.require_subcommand(1);

  RunOptions options;
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
  auto* report = app.add_subcommand("report", "work with written reports");
  report->add_option("--compare", compare_dirs, "OLD_DIR NEW_DIR: compare two runs")
      ->expected(2)
      ->required();

  proxy_suite::ProxyCommand proxy_command;  // `proxy`: the kit as a client of a proxy
  proxy_suite::AddProxyCommand(app, &proxy_command);

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
    return proxy_suite::RunProxyCommand(proxy_command);
  }
  if (bench_command.app->parsed()) {
    return bench::RunBenchCommand(bench_command);
  }
  if (report->parsed()) {
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
  options.color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  RunOutcome outcome = RunSuite(options, std::cout);
  return outcome.exit_code;
}

}  // namespace cloudstate::tck
