#include "cloudstate/tck/proxy_suite/cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cloudstate::tck::proxy_suite {

void AddProxyCommand(CLI::App& app, ProxyCommand* command) {
  auto& o = command->options;
  auto* sub = app.add_subcommand(
      "proxy", "run the proxy suite: the kit as a client of a proxy (optionally intercepting)");
  sub->add_option("--proxy", o.proxy_address, "HOST:PORT of the proxy's gRPC API");
  sub->add_option("--http", o.http_address, "HOST:PORT of the proxy's HTTP/JSON API");
  sub->add_option("--interceptor-port", o.interceptor_port,
                  "bind the interceptor on 127.0.0.1:P (the proxy's user function)")
      ->check(CLI::Range(0, 65535));
  sub->add_option("--function", o.function_address,
                  "HOST:PORT of the real user function behind the interceptor");
  sub->add_option("--filter", o.filters, "run only cases matching (glob or substring)");
  sub->add_option("--exclude", o.excludes, "skip cases matching (glob or substring)");
  sub->add_option("--report-dir", o.report_dir, "write every report format here");
  sub->add_option("--time-scale", o.time_scale, "multiply every timeout")
      ->check(CLI::PositiveNumber);
  sub->add_option("--known-failing", o.known_failing_file, "cases expected to fail, one per line");
  sub->add_option("--spec-dir", o.spec_dir, "directory holding rules.tsv");
  sub->add_option("--startup-timeout", o.startup_seconds, "seconds to wait for the proxy (scaled)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("-v,--verbose", o.verbose, "print details of every non-passing case");
  sub->add_flag("--list", command->list, "list the proxy cases and exit");
  command->app = sub;
}

int RunProxyCommand(ProxyCommand& command) {
  auto& o = command.options;
  if (command.list) {
    ListProxyCases(std::cout);
    return 0;
  }
  if (o.proxy_address.empty()) {
    std::cerr << "error: proxy needs --proxy HOST:PORT\n";
    return kExitError;
  }
  if ((o.interceptor_port >= 0) != !o.function_address.empty()) {
    std::cerr << "error: intercepting mode needs both --interceptor-port and --function\n";
    return kExitError;
  }
  if (!o.filters.empty()) {
    o.configuration["filter"] = absl::StrJoin(o.filters, ",");
  }
  if (!o.excludes.empty()) {
    o.configuration["exclude"] = absl::StrJoin(o.excludes, ",");
  }
  if (!o.known_failing_file.empty()) {
    o.configuration["known_failing"] = o.known_failing_file;
  }
  o.color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  return RunProxySuite(o, std::cout).exit_code;
}

}  // namespace cloudstate::tck::proxy_suite
