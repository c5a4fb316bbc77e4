#pragma once
// The `cloudstate-tck proxy` subcommand (registered by tck/src/cli.cc):
//
//   cloudstate-tck proxy --proxy HOST:PORT [--http HOST:PORT]
//                        [--interceptor-port P --function HOST:PORT]
//                        [--filter PATTERN] [--exclude PATTERN] [--report-dir DIR]
//                        [--time-scale X] [--known-failing FILE] [--spec-dir DIR] [-v] [--list]

#include "CLI/CLI.hpp"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"

namespace cloudstate::tck::proxy_suite {

struct ProxyCommand {
  CLI::App* app = nullptr;
  ProxySuiteOptions options;
  bool list = false;
};

// Adds the subcommand to `app`; `command` must outlive parsing.
void AddProxyCommand(CLI::App& app, ProxyCommand* command);
// Runs it after parsing (returns the process exit code).
int RunProxyCommand(ProxyCommand& command);

}  // namespace cloudstate::tck::proxy_suite
