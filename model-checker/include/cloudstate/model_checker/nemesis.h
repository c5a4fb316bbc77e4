#pragma once
// Nemeses for the proxy target: the checker can own the system under test (a user function and a
// proxy started from command lines), put fault relays between the clients and the proxy and
// between the proxy and the function, and, on a seeded schedule, reset or hold connections, add
// latency, kill -9 and restart a process, or pause it (SIGSTOP/SIGCONT). Every fault is recorded
// as a window of the history, so the timeline shows where it happened.
//
//   SystemUnderTest sut;
//   CS_RETURN_IF_ERROR(sut.Start({.function_command = "fn --port {port}",
//                                 .proxy_command = "proxy --http-port {port} --user-function "
//                                                  "{function}"}));
//   Nemesis nemesis(sut, {.kinds = {"kill-function", "hold-clients"}}, seed);
//   nemesis.Start(now_ns);  ... run the clients against sut.client_address() ...
//   std::vector<FaultWindow> windows = nemesis.Stop();

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "cloudstate/model_checker/fault_relay.h"
#include "cloudstate/model_checker/history.h"
#include <sys/types.h>

namespace cloudstate::model_checker {

// A child process run by `/bin/sh -c "exec COMMAND"` in its own process group, its output
// appended to a log file.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(const std::string& command,
                                                             const std::string& log_path);
  ~ChildProcess();  // kills (SIGKILL) and reaps it if it still runs

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int signal);  // to its process group
  void Kill();              // SIGKILL, then reaps it
  // SIGTERM, then SIGKILL after `grace`; reaps it.
  void Terminate(std::chrono::milliseconds grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool reaped_ = false;
};

// A free loopback TCP port at the time of the call (bound to port 0, then released).
absl::StatusOr<int> PickFreePort();

// Replaces `{name}` in `text` with the given values.
std::string Substitute(std::string text,
                       const std::vector<std::pair<std::string, std::string>>& values);

struct SystemOptions {
  // The user function; `{port}` is replaced by the port it must listen on. Optional: without it
  // the proxy command names the function itself.
  std::string function_command{};
  // The proxy; `{port}` is its client port, `{function}` the host:port it must call the function
  // at (a fault relay in front of the function when a function command is given).
  std::string proxy_command{};
  std::string proxy_address{};  // instead of a proxy command: an existing proxy
  bool relay_clients = false;   // put a fault relay between the clients and the proxy
  std::string log_dir = "/tmp";
  std::string run_id = "mc";
  double ready_timeout_seconds = 60;
  uint64_t seed = 1;
};

// The processes and relays of one run.
class SystemUnderTest {
 public:
  absl::Status Start(const SystemOptions& options);
  ~SystemUnderTest();

  std::string client_address() const;  // where the clients call: the client relay or the proxy
  std::string proxy_address() const;
  FaultRelay* client_relay() { return client_relay_.get(); }
  FaultRelay* function_relay() { return function_relay_.get(); }
  ChildProcess* function() { return function_.get(); }
  ChildProcess* proxy() { return proxy_.get(); }
  bool owns_function() const { return !options_.function_command.empty(); }
  bool owns_proxy() const { return !options_.proxy_command.empty(); }

  absl::Status RestartFunction();  // on a new port; the function relay follows it
  absl::Status RestartProxy();     // on the same port
  // Waits until the proxy's client port answers a gRPC connection.
  absl::Status AwaitProxy();
  std::string log_path(const std::string& role) const;

 private:
  absl::Status StartFunction();
  absl::Status StartProxy();

  SystemOptions options_{};
  int proxy_port_ = 0;
  std::unique_ptr<ChildProcess> function_;
  std::unique_ptr<ChildProcess> proxy_;
  std::unique_ptr<FaultRelay> function_relay_;
  std::unique_ptr<FaultRelay> client_relay_;
};

struct NemesisOptions {
  // Any of KnownNemeses(); empty: no faults.
  std::vector<std::string> kinds{};
  std::chrono::milliseconds every{400};   // quiet time between two faults
  std::chrono::milliseconds length{200};  // how long a fault lasts (a killed process stays down)
};

// The names of the nemeses, with what each one does.
const std::vector<std::pair<std::string, std::string>>& KnownNemeses();

// Checks that every kind is known and has what it needs (a relay, a process it owns).
absl::Status ValidateNemeses(const std::vector<std::string>& kinds, const SystemOptions& system);

class Nemesis {
 public:
  // `now` gives the history's clock (ns since the run started).
  Nemesis(SystemUnderTest& sut, NemesisOptions options, uint64_t seed,
          std::function<int64_t()> now);
  ~Nemesis();

  void Start();
  // Ends the current fault, heals everything, and returns the windows in the order they began.
  std::vector<FaultWindow> Stop();
  // Errors met while injecting or healing (a process that would not restart, ...).
  std::vector<std::string> errors() const;

 private:
  void Run();
  bool WaitOrStop(std::chrono::milliseconds duration);  // false once stopping
  absl::Status Inject(const std::string& kind, FaultWindow& window);
  absl::Status Heal(const std::string& kind);

  SystemUnderTest& sut_;
  NemesisOptions options_;
  std::mt19937_64 rng_;
  std::function<int64_t()> now_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable stop_changed_;
  bool stop_ = false;
  std::vector<FaultWindow> windows_;
  std::vector<std::string> errors_;
};

}  // namespace cloudstate::model_checker
