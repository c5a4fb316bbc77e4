// cloudstate-proxy: flags / environment / YAML config -> ProxyOptions -> Proxy::Start.
// Precedence: defaults < config file < environment < command-line flags (stated here and in
// reference-proxy/README.md, Configuration; the order of `args` below implements it).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"
#include "yaml-cpp/yaml.h"

#include "cloudstate/proxy/original_config.h"
#include "cloudstate/proxy/proxy.h"
#include "faults/fault_plan.h"

namespace {

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

bool ParseDuration(const std::string& text, absl::Duration* out) {
  if (absl::ParseDuration(text, out)) {
    return true;
  }
  // Bare numbers are seconds.
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '\0') {
    *out = absl::Seconds(v);
    return true;
  }
  return false;
}

// Reads a flat YAML mapping ("grpc-port: 9000") as CLI11 configuration, so that a config file
// uses the long flag names as keys. Nested mappings become dotted names are not supported.
class YamlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App*, bool, bool, std::string) const override { return ""; }
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> items;
    YAML::Node root;
    try {
      root = YAML::Load(input);
    } catch (const YAML::Exception& e) {
      throw CLI::ConversionError(std::string("config file is not valid YAML: ") + e.what());
    }
    if (!root.IsMap()) {
      return items;
    }
    for (const auto& entry : root) {
      CLI::ConfigItem item;
      item.name = entry.first.as<std::string>();
      if (entry.second.IsSequence()) {
        for (const auto& v : entry.second) {
          item.inputs.push_back(v.as<std::string>());
        }
      } else {
        item.inputs.push_back(entry.second.as<std::string>());
      }
      items.push_back(std::move(item));
    }
    return items;
  }
};

}  // namespace

int main(int argc, char** argv) {
  cloudstate::proxy::ProxyOptions options;
  std::string user_function;
  std::string user_function_host = options.user_function_host;
  int user_function_port = options.user_function_port;
  int legacy_grpc_port = -2;
  std::string passivation = "30s";
  std::string shutdown_timeout = "10s";
  std::string backoff_min = "100ms";
  std::string backoff_max = "10s";
  std::string command_timeout = "1m";
  std::string config_file;
  std::string log_level = "info";
  bool protocol_check = true;
  bool no_protocol_check = false;
  std::vector<std::string> faults;
  uint64_t fault_seed = 0;
  bool list_faults = false;

  // The original proxy's environment variables become flags placed before ours (so ours win),
  // and its -D settings are rewritten in place (src/original_config.h).
  const auto env = cloudstate::proxy::FlagsFromOriginalEnvironment(Env);
  std::vector<std::string> given(argv + 1, argv + argc);
  auto translated = cloudstate::proxy::TranslateOriginalArgs(given);
  if (!translated.ok()) {
    std::cerr << translated.status().message() << "\n";
    return 2;
  }
  // Environment first, so that the command line (read after it, TakeLast) wins over it, and the
  // config file (consulted only for flags absent from both) loses to both.
  std::vector<std::string> args = {argv[0]};
  args.insert(args.end(), env.args.begin(), env.args.end());
  if (const char* v = Env("COMMAND_TIMEOUT")) {
    args.insert(args.end(), {"--command-timeout", v});
  }
  args.insert(args.end(), translated->args.begin(), translated->args.end());

  CLI::App app{"cloudstate-proxy: single-node reference proxy for Cloudstate protocol 0.2"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_config("--config", "",
                 "YAML file whose keys are the long flag names (e.g. 'http-port: 9000'); "
                 "command-line flags and environment variables win over the file");
  app.config_formatter(std::make_shared<YamlConfig>());
  auto* user_function_opt =
      app.add_option("--user-function", user_function,
                     "HOST:PORT of the user function (wins over the two flags below)");
  app.add_option("--user-function-host", user_function_host,
                 "host of the user function (env USER_FUNCTION_HOST)")
      ->capture_default_str();
  app.add_option("--user-function-port", user_function_port,
                 "port of the user function (env USER_FUNCTION_PORT)")
      ->capture_default_str();
  auto* http_port_opt =
      app.add_option("--http-port", options.http_port,
                     "the client port: gRPC (HTTP/2) and HTTP/1.1 (HTTP/JSON, /ready /alive "
                     "/metrics) on one socket, 0 = ephemeral (env HTTP_PORT)")
          ->capture_default_str();
  app.add_option("--grpc-port", legacy_grpc_port,
                 "old name of the client port (gRPC used to have a port of its own); "
                 "use --http-port");
  app.add_option("--management-port", options.management_port,
                 "a port serving only /ready /alive /metrics, 0 = ephemeral, -1 = none "
                 "(env MANAGEMENT_PORT)")
      ->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "open HTTP/1.1 connections per port; more wait in the backlog")
      ->capture_default_str();
  app.add_option("--bind", options.bind, "address the ports listen on")->capture_default_str();
  app.add_option("--store", options.store, "memory | sqlite:PATH | postgres://... (env POSTGRES_*)")
      ->capture_default_str();
  app.add_option("--passivation-timeout", passivation,
                 "idle time before an entity is passivated unless discovery sets one (e.g. 30s)")
      ->capture_default_str();
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "largest gRPC message accepted or sent, both directions")
      ->capture_default_str();
  app.add_option("--max-concurrent-streams", options.max_concurrent_streams,
                 "HTTP/2 streams per client connection, 0 = gRPC default")
      ->capture_default_str();
  app.add_option("--worker-threads", options.worker_threads,
                 "entity executor threads, 0 = hardware concurrency")
      ->capture_default_str();
  app.add_option("--store-threads", options.store_threads, "threads running store calls")
      ->capture_default_str();
  app.add_option("--discovery-max-attempts", options.discovery_max_attempts,
                 "give up discovery after N failed attempts, 0 = never")
      ->capture_default_str();
  app.add_option("--discovery-backoff-min", backoff_min,
                 "first wait between discovery attempts; doubles up to --discovery-backoff-max")
      ->capture_default_str();
  app.add_option("--discovery-backoff-max", backoff_max, "longest wait between discovery attempts")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "time in-flight calls get to finish on SIGTERM")
      ->capture_default_str();
  app.add_option("--protocol-compatibility-check", protocol_check,
                 "refuse a function reporting an incompatible protocol version")
      ->capture_default_str();
  app.add_option("--command-timeout", command_timeout,
                 "time a command may wait for the function's answer, then DEADLINE_EXCEEDED "
                 "(env COMMAND_TIMEOUT)")
      ->capture_default_str();
  app.add_flag("--no-protocol-check", no_protocol_check,
               "accept any protocol version the function reports");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  // Deliberate faults for the conformance kit's own tests (src/faults): hidden from --help.
  app.add_option("--fault", faults, "enable a deliberate fault (repeatable; see --list-faults)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group("");
  app.add_option("--fault-seed", fault_seed, "seed of the fault plan")->group("");
  app.add_flag("--list-faults", list_faults, "print the deliberate faults and exit")->group("");
  app.set_version_flag("--version", std::string("cloudstate-proxy ") + CS_KIT_VERSION);
  try {
    std::vector<char*> cargv;
    for (auto& a : args) {
      cargv.push_back(a.data());
    }
    app.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (list_faults) {
    std::cout << cloudstate::proxy::faults::FormatProxyFaultList();
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  for (const std::vector<std::string>* notes :
       std::initializer_list<const std::vector<std::string>*>{&env.notes, &translated->notes}) {
    for (const std::string& note : *notes) {
      spdlog::info("original proxy setting {}", note);
    }
  }

  if (legacy_grpc_port != -2) {
    if (http_port_opt->count() > 0 && options.http_port != legacy_grpc_port) {
      std::cerr << "--grpc-port and --http-port name the same port now (gRPC and HTTP share the "
                   "client port); pass only --http-port, and --management-port for a separate "
                   "/ready /alive /metrics port (reference-proxy/README.md, Migration)\n";
      return 2;
    }
    spdlog::warn("--grpc-port is the old name of --http-port");
    options.http_port = legacy_grpc_port;
  }
  options.user_function_host = user_function_host;
  options.user_function_port = user_function_port;
  if (user_function_opt->count() > 0) {
    const auto colon = user_function.rfind(':');
    if (colon == std::string::npos) {
      std::cerr << "--user-function must be HOST:PORT\n";
      return 2;
    }
    options.user_function_host = user_function.substr(0, colon);
    options.user_function_port = std::atoi(user_function.substr(colon + 1).c_str());
  }
  options.protocol_compatibility_check = protocol_check && !no_protocol_check;
  if (!ParseDuration(passivation, &options.passivation_timeout) ||
      !ParseDuration(shutdown_timeout, &options.shutdown_timeout) ||
      !ParseDuration(backoff_min, &options.discovery_backoff_min) ||
      !ParseDuration(backoff_max, &options.discovery_backoff_max) ||
      !ParseDuration(command_timeout, &options.command_timeout)) {
    std::cerr << "bad duration (use e.g. 30s, 500ms, 2m)\n";
    return 2;
  }

  if (!faults.empty()) {
    auto plan = cloudstate::proxy::faults::FaultPlan::FromNames(faults, fault_seed);
    if (!plan.ok()) {
      std::cerr << plan.status().message() << "\n";
      return 2;
    }
    // Before Proxy::Create: the plan must be in place before the first gRPC call.
    cloudstate::proxy::faults::InstallProcessFaultPlan(*std::move(plan));
    spdlog::warn("deliberate faults enabled (seed {}): {}", fault_seed,
                 absl::StrJoin(faults, ", "));
  }

  // SIGTERM/SIGINT are blocked in every thread and collected by sigwait below, so shutdown runs
  // on the main thread rather than inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> failed{false};
  std::atomic<bool> stopping{false};
  // Created here so that a signal can stop it at any moment, discovery included.
  std::unique_ptr<cloudstate::proxy::Proxy> proxy = cloudstate::proxy::Proxy::Create(options);
  std::thread starter([&] {
    absl::Status status = proxy->Serve();
    if (!status.ok()) {
      if (!stopping) {
        spdlog::error("proxy failed to start: {}", std::string(status.message()));
        failed = true;
        kill(getpid(), SIGTERM);
      }
      return;
    }
    // Machine-readable line for scripts and tests that start us on port 0 (grpc= and http= name
    // the same port; both keys stay for the scripts written before they were one).
    std::cout << "cloudstate-proxy listening grpc=" << proxy->http_port()
              << " http=" << proxy->http_port() << " management=" << proxy->management_port()
              << std::endl;
  });
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  stopping = true;
  if (!failed) {
    spdlog::info("received signal {}, shutting down", signal_number);
  }
  proxy->Shutdown();
  starter.join();
  return failed ? 1 : 0;
}
