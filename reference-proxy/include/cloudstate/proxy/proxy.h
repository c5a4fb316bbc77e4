#pragma once
// The reference proxy as a library: open the store, discover the user function, serve its services.
//
//   ProxyOptions options;               // defaults match `cloudstate-proxy --help`
//   CS_ASSIGN_OR_RETURN(auto proxy, Proxy::Start(options));   // returns once serving
//   proxy->Wait();                       // until Shutdown() (e.g. from a SIGTERM handler)
//
// Threads: gRPC's callback threads only parse, route and post; entity work runs on an Asio
// io_context (`worker_threads`) with one strand per entity; store calls run on a separate pool
// (`store_threads`) because stores are synchronous. No thread per entity or per call.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cloudstate::proxy {

struct ProxyOptions {
  std::string user_function_host = "127.0.0.1";
  int user_function_port = 8080;
  std::string bind = "0.0.0.0";  // the original's http-interface
  // The client port (the original's http-port, F-1): cleartext HTTP/2 gRPC and HTTP/1.1
  // (HTTP/JSON, /ready /alive /metrics) on one socket. 0 = pick a free port (read back with
  // Proxy::http_port()).
  int http_port = 9000;
  // Old name of the client port, from when gRPC had a port of its own: when set (>= 0) it is
  // used instead of http_port.
  int grpc_port = -1;
  // A port serving only /ready /alive /metrics, so that probes never share the client port's
  // connection limit. 0 = pick a free port; -1 = none. The original served health on its
  // management port (MANAGEMENT_PORT, 8558).
  int management_port = -1;
  int max_connections = 1024;  // open HTTP/1.1 connections per port (Akka's max-connections)
  std::string store = "memory";
  absl::Duration passivation_timeout = absl::Seconds(30);
  // How long a command may wait for the function's answer (the Akka proxy's relay-timeout, 1m);
  // then the client gets DEADLINE_EXCEEDED and the entity restarts with a new stream.
  absl::Duration command_timeout = absl::Minutes(1);
  int max_message_bytes = 12 * 1024 * 1024;
  int max_concurrent_streams = 0;  // per HTTP/2 connection towards the proxy; 0 = gRPC default
  int worker_threads = 0;          // 0 = hardware concurrency (at least 2)
  int store_threads = 4;
  // Discovery retries start fast (a function starting next to us is usually up within a second)
  // and back off to the original's 10 s.
  absl::Duration discovery_backoff_min = absl::Milliseconds(100);
  absl::Duration discovery_backoff_max = absl::Seconds(10);
  int discovery_max_attempts = 0;  // 0 = retry forever
  absl::Duration shutdown_timeout = absl::Seconds(10);
  bool protocol_compatibility_check = true;
};

class Proxy {
 public:
  virtual ~Proxy() = default;

  // Opens the store, starts the HTTP endpoint (/alive at once, /ready after discovery), runs
  // discovery (retrying with backoff while the function is unreachable) and starts serving gRPC.
  // Returns an error for a bad store URL, a spec the function got wrong (also reported to it
  // through reportError), or a port that cannot be bound.
  static absl::StatusOr<std::unique_ptr<Proxy>> Start(const ProxyOptions& options);

  // Start in two steps, for callers that must be able to stop a proxy that is still starting
  // (SIGTERM during discovery): Shutdown() from another thread makes Serve() return Cancelled
  // promptly. Serve() is called once; Shutdown() is still required afterwards.
  static std::unique_ptr<Proxy> Create(const ProxyOptions& options);
  virtual absl::Status Serve() = 0;

  // The client port (gRPC and HTTP share it); grpc_port() is its old name.
  virtual int http_port() const = 0;
  int grpc_port() const { return http_port(); }
  // The management port, -1 if none.
  virtual int management_port() const = 0;
  // Stops accepting calls, lets in-flight calls finish (up to shutdown_timeout), passivates every
  // entity and closes the store. Safe to call from any thread, more than once.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
  // False while the user function cannot be reached (its channel failed to connect); asks the
  // channel to connect when idle, so that a readiness probe notices a dead function. For /ready.
  virtual bool FunctionReachable() = 0;
};

// The supported entity types announced in ProxyInfo for a store kind.
std::vector<std::string> SupportedEntityTypes();

}  // namespace cloudstate::proxy
