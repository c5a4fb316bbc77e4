#pragma once
// The interceptor of the proxy suite: a gRPC server that the proxy under test uses as its user
// function. Every call it receives (discovery and every protocol stream, whatever the method) is
// relayed byte for byte to the real user function, and both directions are recorded so that cases
// can check what the proxy sent and what the function answered.
//
//   CS_ASSIGN_OR_RETURN(auto interceptor, Interceptor::Start("127.0.0.1:0", "127.0.0.1:8080"));
//   // start the proxy with --user-function 127.0.0.1:<interceptor->port()>
//   interceptor->WaitFor([](const auto& calls) { return !calls.empty(); },
//                        std::chrono::seconds(3));
//
// The relay does not interpret the messages: it keeps one write in flight per direction, forwards
// half-closes, and ends the proxy's call with the function's final status. A cancelled proxy call
// cancels the function's call.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cloudstate::tck::proxy_suite {

struct InterceptedCall {
  int id = 0;                    // 0, 1, 2 ... in the order the proxy opened the calls
  std::string method;            // e.g. "/cloudstate.eventsourced.EventSourced/handle"
  std::vector<std::string> in;   // serialized messages proxy -> function, in order
  std::vector<std::string> out;  // serialized messages function -> proxy, in order
  bool in_closed = false;        // the proxy half-closed (or cancelled) its side
  bool cancelled = false;        // the proxy cancelled the call
  bool done = false;             // the function ended the call (status below)
  int status_code = 0;           // grpc::StatusCode of the function's final status
  std::string status_message;
  std::chrono::steady_clock::time_point opened{};
  std::chrono::steady_clock::time_point finished{};
};

class Interceptor {
 public:
  // Binds `bind_address` ("127.0.0.1:0" picks a free port) and relays to `function_address`.
  static absl::StatusOr<std::unique_ptr<Interceptor>> Start(const std::string& bind_address,
                                                            const std::string& function_address);
  virtual ~Interceptor() = default;

  virtual int port() const = 0;
  virtual const std::string& function_address() const = 0;
  // A copy of every call recorded so far.
  virtual std::vector<InterceptedCall> Snapshot() const = 0;
  virtual size_t CallCount() const = 0;
  // Waits until `done(calls)` holds (re-evaluated whenever something is recorded) or `timeout`
  // passes; returns whether it held.
  virtual bool WaitFor(const std::function<bool(const std::vector<InterceptedCall>&)>& done,
                       std::chrono::milliseconds timeout) const = 0;
  // Cancels every open call and stops the server.
  virtual void Shutdown() = 0;
};

}  // namespace cloudstate::tck::proxy_suite
