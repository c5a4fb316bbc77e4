// cloudstate-proxy: flags / environment / YAML config -> ProxyOptions -> Proxy::Start.
// Precedence: defaults < config file < environment < command-line flags.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"
#include "yaml-cpp/yaml.h"

#include "cloudstate/proxy/proxy.h"

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
  std::string user_function = "127.0.0.1:8080";
  std::string passivation = "30s";
  std::string shutdown_timeout = "10s";
  std::string command_timeout = "1m";
  std::string config_file;
  std::string log_level = "info";

  // Environment (as set by the Cloudstate operator) before flags.
  if (const char* v = Env("USER_FUNCTION_HOST")) {
    options.user_function_host = v;
  }
  if (const char* v = Env("USER_FUNCTION_PORT")) {
    options.user_function_port = std::atoi(v);
  }
  user_function = options.user_function_host + ":" + std::to_string(options.user_function_port);
  if (const char* v = Env("HTTP_PORT")) {
    options.grpc_port = std::atoi(v);
  }
  if (const char* v = Env("COMMAND_TIMEOUT")) {
    command_timeout = v;
  }

  CLI::App app{"cloudstate-proxy: single-node reference proxy for Cloudstate protocol 0.2"};
  app.set_config("--config", "",
                 "YAML file whose keys are the long flag names (e.g. 'grpc-port: 9000'); "
                 "command-line flags win over the file, the file over environment variables");
  app.config_formatter(std::make_shared<YamlConfig>());
  app.add_option("--user-function", user_function,
                 "HOST:PORT of the user function (env USER_FUNCTION_HOST / USER_FUNCTION_PORT)")
      ->capture_default_str();
  app.add_option("--grpc-port", options.grpc_port,
                 "client-facing gRPC port, 0 = ephemeral (env HTTP_PORT)")
      ->capture_default_str();
  app.add_option("--http-port", options.http_port,
                 "HTTP port for /ready /alive /metrics, 0 = ephemeral, -1 = off")
      ->capture_default_str();
  app.add_option("--bind", options.bind, "address both ports listen on")->capture_default_str();
  app.add_option("--store", options.store, "memory | sqlite:PATH | postgres://...")
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
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "time in-flight calls get to finish on SIGTERM")
      ->capture_default_str();
  app.add_option("--command-timeout", command_timeout,
                 "time a command may wait for the function's answer, then DEADLINE_EXCEEDED "
                 "(env COMMAND_TIMEOUT)")
      ->capture_default_str();
  app.add_flag("!--no-protocol-check", options.protocol_compatibility_check,
               "accept any protocol version the function reports");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");

  const auto colon = user_function.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--user-function must be HOST:PORT\n";
    return 2;
  }
  options.user_function_host = user_function.substr(0, colon);
  options.user_function_port = std::atoi(user_function.substr(colon + 1).c_str());
  if (!ParseDuration(passivation, &options.passivation_timeout) ||
      !ParseDuration(shutdown_timeout, &options.shutdown_timeout) ||
      !ParseDuration(command_timeout, &options.command_timeout)) {
    std::cerr << "bad duration (use e.g. 30s, 500ms, 2m)\n";
    return 2;
  }

  // SIGTERM/SIGINT are blocked in every thread and collected by sigwait below, so shutdown runs
  // on the main thread rather than inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> failed{false};
  std::unique_ptr<cloudstate::proxy::Proxy> proxy;
  std::thread starter([&] {
    auto started = cloudstate::proxy::Proxy::Start(options);
    if (!started.ok()) {
      spdlog::error("proxy failed to start: {}", std::string(started.status().message()));
      failed = true;
      kill(getpid(), SIGTERM);
      return;
    }
    proxy = std::move(*started);
    // Machine-readable line for scripts and tests that start us on port 0.
    std::cout << "cloudstate-proxy listening grpc=" << proxy->grpc_port()
              << " http=" << proxy->http_port() << std::endl;
  });
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  if (!failed) {
    spdlog::info("received signal {}, shutting down", signal_number);
  }
  starter.join();
  if (proxy == nullptr) {
    return 1;
  }
  proxy->Shutdown();
  return 0;
}
