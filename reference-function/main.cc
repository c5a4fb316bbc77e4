// cloudstate-reference-function: serves every TCK model service and the shopping cart.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "spdlog/spdlog.h"

#include "cloudstate/reference_function/reference_function.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  namespace rf = cloudstate::reference_function;
  CLI::App app{"Cloudstate reference user function (TCK models + shopping cart)"};
  std::string host = EnvOr("HOST", "127.0.0.1");
  int port = std::atoi(EnvOr("PORT", "8080").c_str());
  std::vector<std::string> fault_names;
  bool list_faults = false;
  bool verbose = false;
  app.add_option("--host", host, "address to listen on (env HOST)");
  app.add_option("--port", port, "port to listen on, 0 = ephemeral (env PORT)");
  app.add_option("--fault", fault_names, "enable a deliberate fault (repeatable)");
  app.add_flag("--list-faults", list_faults, "print the known faults and exit");
  app.add_flag("-v,--verbose", verbose, "debug logging");
  app.set_version_flag("--version", std::string("cloudstate-reference-function ") + CS_KIT_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (list_faults) {
    std::cout << rf::FormatFaultList();
    return 0;
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  absl::StatusOr<rf::Faults> faults = rf::Faults::FromNames(fault_names);
  if (!faults.ok()) {
    std::cerr << faults.status().message() << "\n";
    return 2;
  }
  for (const auto& name : faults->enabled()) {
    spdlog::warn("Deliberate fault enabled: {}", name);
  }

  // Block SIGINT/SIGTERM before gRPC starts its threads; a dedicated thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  cloudstate::sdk::Server server(rf::ReferenceServerOptions(*faults));
  rf::RegisterAll(server, *faults);
  absl::Status status = server.Start(host, port);
  if (!status.ok()) {
    spdlog::error("Could not start: {}", std::string(status.message()));
    return 1;
  }
  std::thread waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    spdlog::info("Signal {} received, shutting down", signal_number);
    server.Shutdown();
  });
  server.Wait();
  waiter.join();
  return 0;
}
