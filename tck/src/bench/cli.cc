// The `bench` subcommand of cloudstate-tck.
#include <unistd.h>

#include <iostream>

#include "absl/strings/str_join.h"

#include "cloudstate/reports/bench.h"
#include "cloudstate/tck/bench/bench.h"
#include "cloudstate/tck/bench/echo_child.h"

namespace cloudstate::tck::bench {

void AddBenchCommand(CLI::App& app, BenchCommand* command) {
  auto& o = command->options;
  auto* sub = app.add_subcommand(
      "bench", "latency and throughput scenarios against a proxy or a user function");
  sub->add_option("--proxy", o.proxy_address, "HOST:PORT of the proxy's gRPC API (the target)");
  sub->add_option("--http", o.http_address,
                  "HOST:PORT of the proxy's HTTP/JSON API: adds a proxy-http series");
  sub->add_option("--http-workers", o.http_workers, "concurrent HTTP/JSON requests at most")
      ->check(CLI::Range(1, 256));
  sub->add_option("--function", o.function_address,
                  "HOST:PORT of the user function: the target without --proxy, else the "
                  "direct baseline");
  sub->add_option("--target-pid", o.target_pid,
                  "PID of the target (same machine): CPU per 1,000 requests");
  sub->add_option("--function-pid", o.function_pid, "PID of the function in the direct series");
  sub->add_option("--scenario", o.scenarios, "scenarios to run (see --list)")->delimiter(',');
  sub->add_option("--distribution", o.distributions, "key distributions: hot, uniform[-N], new")
      ->delimiter(',');
  sub->add_option("--rate", o.rate, "open-loop arrival rate, requests per second")
      ->check(CLI::PositiveNumber);
  sub->add_option("--duration", o.duration_seconds, "seconds per measured phase")
      ->check(CLI::PositiveNumber);
  sub->add_option("--warmup", o.warmup_seconds, "seconds of unrecorded load before each series")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--concurrency", o.concurrency, "closed-loop sweep, e.g. 1,8,32")
      ->delimiter(',')
      ->check(CLI::Range(1, 10000));
  sub->add_option("--connections", o.connections, "gRPC connections per target")
      ->check(CLI::Range(1, 64));
  sub->add_option("--request-deadline", o.request_deadline_seconds, "seconds per request")
      ->check(CLI::PositiveNumber);
  sub->add_option("--ready-timeout", o.ready_timeout_seconds,
                  "seconds to wait for each target's first OK answer")
      ->check(CLI::PositiveNumber);
  sub->add_option("--report-dir", o.report_dir, "write bench.json, ctrf.json, bench.html here");
  sub->add_flag("--no-echo", command->no_echo, "skip the kit's echo baseline");
  sub->add_option("--compare", command->compare, "OLD NEW (bench.json or directories): compare")
      ->expected(2);
  sub->add_option("--threshold", command->threshold,
                  "--compare: a ratio worse by more than this fraction fails (default 0.2)")
      ->check(CLI::Range(0.0, 100.0));
  sub->add_flag("--list", command->list, "list the scenarios and exit");
  sub->add_flag("--echo-in-process", command->echo_in_process,
                "run the echo baseline in the kit's process instead of a child");
  sub->add_flag("--echo-server", command->echo_server,
                "internal: serve the echo baseline until stdin closes")
      ->group("");
  command->app = sub;
}

int RunBenchCommand(BenchCommand& command) {
  if (command.echo_server) {
    return ServeEchoUntilStdinCloses();
  }
  if (command.list) {
    for (const auto& s : Scenarios()) {
      std::cout << s.name << (s.keyed ? "" : " (no entity key)") << "\n  " << s.description
                << "\n  proxy: " << s.proxy_method << "\n  function: "
                << (s.function_streamed ? s.function_stream.method : s.function_unary_method)
                << "\n";
    }
    return 0;
  }
  if (!command.compare.empty()) {
    return reports::RunBenchCompare(command.compare[0], command.compare[1], command.threshold,
                                    std::cout);
  }
  command.options.echo_baseline = !command.no_echo;
  if (!command.echo_in_process) {
    // This very executable, started again as the echo child.
    char path[4096];
    const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n > 0) {
      command.options.echo_executable.assign(path, static_cast<size_t>(n));
    }
  }
  auto run = RunBench(command.options, std::cerr);
  if (!run.ok()) {
    std::cerr << "error: " << run.status().message() << "\n";
    return 2;
  }
  if (auto st = reports::WriteBenchReports(*run, command.options.report_dir); !st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 2;
  }
  uint64_t failed = 0;
  for (const auto& s : run->scenarios) {
    for (const auto& x : s.series) {
      failed += x.open_loop.requests - x.open_loop.ok;
      for (const auto& p : x.sweep) {
        failed += p.requests - p.ok;
      }
    }
  }
  std::cout << "bench: " << run->scenarios.size() << " scenario(s), reports in "
            << command.options.report_dir << " (bench.html)";
  if (failed > 0) {
    std::cout << "; " << failed << " request(s) failed";
  }
  std::cout << "\n";
  return failed > 0 ? 1 : 0;
}

}  // namespace cloudstate::tck::bench
