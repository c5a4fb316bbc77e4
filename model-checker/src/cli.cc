#include "cloudstate/model_checker/cli.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"

#include "cloudstate/model_checker/crdt.h"
#include "cloudstate/model_checker/history.h"
#include "cloudstate/model_checker/html.h"
#include "cloudstate/model_checker/linearizability.h"
#include "cloudstate/model_checker/proxy_target.h"
#include "cloudstate/model_checker/report.h"
#include "cloudstate/model_checker/sdk_target.h"

namespace cloudstate::model_checker {
namespace {

int RunCheck(const std::string& path, const std::string& model, int64_t max_states,
             int64_t max_memory_mb, const std::string& html, const std::string& reports_dir) {
  auto history = ReadHistoryFile(path);
  if (!history.ok()) {
    std::cerr << "error: " << history.status().message() << "\n";
    return kExitError;
  }
  if (!model.empty()) {
    history->model = model;
  }
  if (history->model.empty()) {
    std::cerr << "error: the history names no model; pass --model\n";
    return kExitError;
  }
  const auto start = std::chrono::steady_clock::now();
  auto result = CheckHistory(*history, {.max_states_per_entity = max_states,
                                        .max_memory_bytes_per_entity = max_memory_mb << 20});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return kExitError;
  }
  std::cout << DescribeResult(*history, *result);
  std::cout << "checked in " << seconds << " s\n";
  if (!html.empty()) {
    absl::Status s = WriteTextFile(html, RenderHistoryHtml(*history, *result));
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return kExitError;
    }
    std::cout << "timeline: " << html << "\n";
  }
  if (!reports_dir.empty()) {
    absl::Status s = WriteCiReports(CheckRunResults(*history, *result, seconds), reports_dir);
    if (!s.ok()) {
      std::cerr << "error: " << s.message() << "\n";
      return kExitError;
    }
  }
  switch (result->verdict) {
    case Verdict::kLinearizable:
      return kExitOk;
    case Verdict::kNotLinearizable:
      return kExitViolation;
    case Verdict::kUnknown:
      return kExitUnknown;
  }
  return kExitError;
}

int RunCrdt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read " << path << "\n";
    return kExitError;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto history = ParseCrdtHistoryJson(text.str());
  if (!history.ok()) {
    std::cerr << "error: " << path << ": " << history.status().message() << "\n";
    return kExitError;
  }
  auto result = CheckConvergence(*history);
  if (!result.ok()) {
    std::cerr << "error: " << path << ": " << result.status().message() << "\n";
    return kExitError;
  }
  std::cout << CrdtTypeName(history->type) << ": "
            << (result->converged ? "converged" : "NOT converged") << " ("
            << history->operations.size() << " updates, " << history->replicas.size()
            << " replicas)\n";
  for (const std::string& problem : result->problems) {
    std::cout << "  " << problem << "\n";
  }
  return result->converged ? kExitOk : kExitViolation;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"cloudstate-model-checker: linearizability, durability and CRDT convergence"};
  app.require_subcommand(1);

  std::string history_path, model, html, reports_dir;
  int64_t max_states = CheckOptions{}.max_states_per_entity;
  int64_t max_memory_mb = CheckOptions{}.max_memory_bytes_per_entity >> 20;
  CLI::App* check = app.add_subcommand("check", "check a recorded history for linearizability");
  check->add_option("history", history_path, "history file (JSON, see README.md)")->required();
  check->add_option("--model", model, "model to check against (overrides the history's)");
  check->add_option("--max-states", max_states,
                    "give up on an entity after this many memoised states (0: no limit)");
  check
      ->add_option("--max-memory-mb", max_memory_mb,
                   "give up on an entity whose memoised states would exceed this (0: no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  check->add_option("--html", html, "write the timeline / counterexample page here");
  check->add_option("--reports", reports_dir, "write junit.xml and ctrf.json into this folder");

  std::string crdt_path;
  CLI::App* crdt = app.add_subcommand("crdt", "check CRDT replicas' final states for convergence");
  crdt->add_option("history", crdt_path, "CRDT history file (JSON, see README.md)")->required();

  SdkTargetOptions sdk_options;
  uint64_t seed = 0;
  CLI::App* sdk = app.add_subcommand(
      "sdk",
      "play the proxy against a user function's entity (value entity TCK model, shopping cart)");
  sdk->add_option("--function", sdk_options.function, "host:port of the user function")->required();
  sdk->add_option("--entity", sdk_options.entity,
                  "entity driven: value-entity (ValueEntityTckModel) or shopping-cart")
      ->check(CLI::IsMember({"value-entity", "shopping-cart"}));
  CLI::Option* seed_option = sdk->add_option("--seed", seed, "RapidCheck seed (random if absent)");
  sdk->add_option("--tests", sdk_options.tests, "command sequences to generate")
      ->check(CLI::PositiveNumber);
  sdk->add_option("--max-size", sdk_options.max_size, "largest generation size")
      ->check(CLI::PositiveNumber);
  sdk->add_option("--entities", sdk_options.entities, "distinct entities the commands use")
      ->check(CLI::Range(1, 100));
  sdk->add_option("--timeout", sdk_options.timeout_seconds,
                  "seconds to wait for the connection and the most an entity stream may last")
      ->check(CLI::PositiveNumber);
  sdk->add_option("--reports", sdk_options.reports_dir,
                  "write junit.xml and ctrf.json into this folder");

  ProxyTargetOptions proxy_options;
  uint64_t proxy_seed = 0;
  CLI::App* proxy = app.add_subcommand(
      "proxy", "concurrent clients through a proxy, checked for linearizability");
  CLI::Option* proxy_address =
      proxy->add_option("--proxy", proxy_options.proxy, "host:port of the proxy's gRPC port");
  CLI::Option* proxy_command =
      proxy->add_option("--proxy-command", proxy_options.proxy_command,
                        "start the proxy with this shell command instead ({port}: its client "
                        "port, {function}: where it calls the function)");
  proxy_address->excludes(proxy_command);
  proxy
      ->add_option("--function-command", proxy_options.function_command,
                   "start the user function with this shell command ({port}: its port); "
                   "needs --proxy-command")
      ->needs(proxy_command);
  std::string nemeses;
  proxy->add_option("--nemesis", nemeses,
                    "faults to inject, comma-separated: reset-clients, hold-clients, "
                    "latency-clients, reset-function, hold-function, black-hole-function, "
                    "kill-function, pause-function, kill-proxy, pause-proxy");
  proxy
      ->add_option("--nemesis-every-ms", proxy_options.nemesis_every_ms,
                   "quiet time between two faults")
      ->check(CLI::Range(1, 600'000));
  proxy->add_option("--nemesis-ms", proxy_options.nemesis_ms, "how long a fault lasts")
      ->check(CLI::Range(1, 600'000));
  proxy->add_option("--log-dir", proxy_options.log_dir, "logs of the processes the checker starts");
  CLI::Option* proxy_seed_option =
      proxy->add_option("--seed", proxy_seed, "seed of the commands (random if absent)");
  proxy->add_option("--clients", proxy_options.clients, "concurrent clients")
      ->check(CLI::Range(1, 256));
  proxy->add_option("--entities", proxy_options.entities, "entities the clients share")
      ->check(CLI::Range(1, 1000));
  proxy->add_option("--operations", proxy_options.operations, "commands in all")
      ->check(CLI::Range(0, 10'000'000));
  proxy
      ->add_option("--timeout", proxy_options.timeout_seconds,
                   "seconds to wait for the connection and for each call")
      ->check(CLI::PositiveNumber);
  proxy
      ->add_option("--quiet-every", proxy_options.quiet_every,
                   "nemesis: every N commands per client, all clients pause (0: never)")
      ->check(CLI::NonNegativeNumber);
  proxy
      ->add_option("--quiet-ms", proxy_options.quiet_ms,
                   "length of a pause, longer than the proxy's passivation timeout")
      ->check(CLI::Range(1, 600'000));
  proxy->add_option("--run-id", proxy_options.run_id, "prefix of the entity ids (default random)");
  proxy->add_option("--history", proxy_options.history_out, "write the recorded history here");
  proxy->add_option("--html", proxy_options.html, "write the timeline / counterexample page here");
  proxy->add_option("--reports", proxy_options.reports_dir,
                    "write junit.xml and ctrf.json into this folder");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  if (check->parsed()) {
    return RunCheck(history_path, model, max_states, max_memory_mb, html, reports_dir);
  }
  if (crdt->parsed()) {
    return RunCrdt(crdt_path);
  }
  if (sdk->parsed()) {
    if (seed_option->count() > 0) {
      sdk_options.seed = seed;
    }
    return RunSdkTarget(sdk_options);
  }
  if (proxy->parsed()) {
    if (proxy_options.proxy.empty() && proxy_options.proxy_command.empty()) {
      std::cerr << "proxy: give --proxy or --proxy-command\n";
      return kExitError;
    }
    if (!nemeses.empty()) {
      proxy_options.nemeses = absl::StrSplit(nemeses, ',', absl::SkipEmpty());
    }
    if (proxy_seed_option->count() > 0) {
      proxy_options.seed = proxy_seed;
    }
    return RunProxyTarget(proxy_options);
  }
  return kExitError;
}

}  // namespace cloudstate::model_checker
