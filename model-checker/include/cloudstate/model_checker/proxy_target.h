#pragma once
// The `proxy` target: concurrent clients call the value entity TCK model
// (cloudstate.tck.model.valueentity.ValueEntityTckModel/Process) through a proxy's client-facing
// gRPC port, record every call as an operation of a history (call and return times, the actions
// sent, the reply; a gRPC error makes the outcome unknown), and check the history for
// linearizability against the value-entity model, entity by entity.
//
//   ProxyTargetOptions options{.proxy = "127.0.0.1:9000", .seed = 7, .clients = 4};
//   int exit_code = RunProxyTarget(options);  // cli.h exit codes
//
// The seed fixes the commands each client sends; the interleaving is the system's, so a run is
// replayed by checking its recorded history (--history, then `cloudstate-model-checker check`).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/model_checker/history.h"

namespace cloudstate::model_checker {

struct ProxyTargetOptions {
  std::string proxy{};  // host:port of the proxy's client-facing gRPC port
  // Or the checker owns the system under test (nemesis.h): it starts these, with `{port}` and
  // `{function}` filled in, and stops them at the end.
  std::string function_command{};
  std::string proxy_command{};
  // Faults injected while the clients run (KnownNemeses()), every `nemesis_every_ms` for
  // `nemesis_ms`, in an order drawn from the seed.
  std::vector<std::string> nemeses{};
  int nemesis_every_ms = 400;
  int nemesis_ms = 200;
  std::string log_dir = "/tmp";    // the owned processes' logs
  std::optional<uint64_t> seed{};  // random when not given (and printed)
  int clients = 4;                 // concurrent clients
  int entities = 2;                // entities they share
  int operations = 400;            // commands in all
  double timeout_seconds = 30;     // for connecting and for each call
  // Quiet-period nemesis: every `quiet_every` commands of each client (0: never), all clients
  // pause together for `quiet_ms`, long enough for the proxy to passivate the entities, so that
  // the next commands see the state reloaded from its store.
  int quiet_every = 0;
  int quiet_ms = 200;
  std::string run_id{};       // prefix of the entity ids (default: random), so that runs
                              // against a durable store do not see each other's state
  std::string history_out{};  // write the recorded history here (JSON)
  std::string html{};         // write the timeline / counterexample page here
  std::string reports_dir{};  // junit.xml and ctrf.json here
};

// Runs the clients against `address` and records their history (model "value-entity",
// operations "process"); `nemesis`, when given, runs while they do and its faults are recorded.
class Nemesis;
absl::StatusOr<History> RecordProxyHistory(
    const ProxyTargetOptions& options, uint64_t seed, const std::string& address,
    Nemesis* nemesis = nullptr,
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

// Records, checks and reports; returns kExitOk, kExitViolation, kExitError or kExitUnknown.
int RunProxyTarget(const ProxyTargetOptions& options);

}  // namespace cloudstate::model_checker
