#pragma once
// `cloudstate-tck bench`: latency and throughput scenarios against a proxy (the kit is the gRPC
// client) or a user function (the kit plays the proxy), each beside the kit's own echo server and,
// for a proxy with --function, the function's entity stream driven directly.
//
//   cloudstate-tck bench --proxy HOST:PORT [--function HOST:PORT] [--target-pid PID]
//                        [--scenario NAME]... [--distribution hot|uniform[-N]|new]...
//                        [--rate R] [--duration S] [--warmup S] [--concurrency N,...]
//                        [--report-dir DIR]
//   cloudstate-tck bench --function HOST:PORT ...
//   cloudstate-tck bench --compare OLD NEW [--threshold 0.2]
//   cloudstate-tck bench --list

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

#include "cloudstate/reports/bench.h"
#include "cloudstate/tck/bench/grpc_load.h"
#include "cloudstate/tck/bench/load.h"

namespace cloudstate::tck::bench {

// A reply the implementation answered with a failure message (not a gRPC error status).
inline constexpr int kFailureReply = 100;
std::string CodeName(int code);

// One scenario: what the kit sends to a proxy and, in the proxy's seat, to a function.
struct Scenario {
  std::string name;
  std::string description;
  bool keyed = true;  // the key distribution applies
  // Through a proxy: a unary call of the service method, or a stream of it.
  std::string proxy_method;
  std::function<std::string(const std::string& key, uint64_t seq)> proxy_request;
  bool proxy_streamed = false;
  StreamProtocol proxy_stream;
  // Through a proxy's HTTP/JSON API (empty path function: not offered): POST path with a JSON body.
  std::function<std::string(const std::string& key, uint64_t seq)> http_path;
  std::function<std::string(const std::string& key, uint64_t seq)> http_body;
  // Every request opens its own stream (a streamed call), whatever the key distribution.
  bool stream_per_request = false;
  // To a function: a unary protocol call (actions) or an entity stream.
  std::string function_unary_method;
  std::function<std::string(uint64_t seq)> function_unary_request;
  std::function<int(const std::string& response)> function_unary_check;
  bool function_streamed = false;
  StreamProtocol function_stream;
};
const std::vector<Scenario>& Scenarios();
const Scenario* FindScenario(const std::string& name);

struct BenchOptions {
  std::string proxy_address;
  std::string http_address;  // the proxy's HTTP/JSON API: an extra "proxy-http" series
  int http_workers = 16;
  std::string function_address;
  int target_pid = 0;    // CPU of the proxy (or the function when it is the target)
  int function_pid = 0;  // CPU of the function in the direct series
  std::vector<std::string> scenarios = {"cart-add", "value-update", "action-unary"};
  std::vector<std::string> distributions = {"hot", "uniform-100"};
  double rate = 500;
  double duration_seconds = 1;
  double warmup_seconds = 0.3;
  std::vector<int> concurrency = {1, 8, 32};
  int connections = 2;
  double request_deadline_seconds = 10;
  double ready_timeout_seconds = 30;
  bool echo_baseline = true;
  // Runs the echo server as a child (`EXE bench --echo-server`); empty: in this process.
  std::string echo_executable;
  std::string report_dir = "out/bench";
};

// Runs everything and returns the figures (written by the caller). Progress goes to `log`.
absl::StatusOr<reports::BenchRun> RunBench(const BenchOptions& options, std::ostream& log);

// One phase's figures in report form (latency in microseconds).
reports::BenchPoint ToPoint(const PhaseStats& stats);

// CPU time (utime + stime) of a process in milliseconds, from /proc/<pid>/stat; -1 if unreadable.
double ProcessCpuMillis(int pid);

struct BenchCommand {
  BenchOptions options;
  std::vector<std::string> compare;
  double threshold = 0.2;
  bool list = false;
  bool no_echo = false;
  bool echo_server = false;  // internal: be the echo child
  bool echo_in_process = false;
  CLI::App* app = nullptr;
};
void AddBenchCommand(CLI::App& app, BenchCommand* command);
int RunBenchCommand(BenchCommand& command);

}  // namespace cloudstate::tck::bench
