#pragma once
// Starting, watching and restarting the user function under test (`--config FILE`).
//
// Config file (YAML):
//
//   function:
//     command: ./build/debug/reference-function/cloudstate-reference-function
//     args: ["--host", "127.0.0.1", "--port", "${PORT}"]
//     env: { LOG_LEVEL: debug }
//     working_dir: .
//     host: 127.0.0.1
//     port: 0               # 0 or absent: the kit picks a free port and substitutes ${PORT}
//     startup_timeout: 30   # seconds, multiplied by --time-scale
//     restart: true         # restart the function when it dies during the run
//     log_file: function.log  # relative to --report-dir when given, else discarded
//
// ${PORT} and ${HOST} are substituted in args and env values.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cloudstate::tck {

struct FunctionConfig {
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string working_dir;
  std::string host = "127.0.0.1";
  int port = 0;
  double startup_timeout_seconds = 30;
  bool restart = true;
  std::string log_file;
};

absl::StatusOr<FunctionConfig> ParseFunctionConfig(std::string_view yaml_text);
absl::StatusOr<FunctionConfig> LoadFunctionConfig(const std::string& path);

// A free TCP port on 127.0.0.1 (bound and released).
absl::StatusOr<int> PickFreePort();

class FunctionProcess {
 public:
  // `log_path` receives the function's stdout and stderr ("" = /dev/null).
  FunctionProcess(FunctionConfig config, std::string log_path);
  ~FunctionProcess();  // stops the process

  // Spawns the process (does not wait for it to answer).
  absl::Status Spawn();
  // SIGTERM, then SIGKILL after `grace`.
  void Stop(std::chrono::milliseconds grace);
  // If the process has exited: a description ("exited with status 2", "killed by signal 11");
  // nullopt while it runs.
  std::optional<std::string> ExitDescription();
  // Waits up to `timeout` for the process to exit: its ExitDescription(), or nullopt when it
  // still runs.
  std::optional<std::string> WaitForExit(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }
  std::string address() const;
  const FunctionConfig& config() const { return config_; }
  int pid() const { return pid_; }

 private:
  FunctionConfig config_;
  std::string log_path_;
  int pid_ = -1;
};

}  // namespace cloudstate::tck
