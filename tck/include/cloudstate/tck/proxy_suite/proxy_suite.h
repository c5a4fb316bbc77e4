#pragma once
// The proxy suite: the kit as a client of a Cloudstate proxy (`cloudstate-tck proxy`).
//
// Client-only mode calls the proxy's public gRPC and HTTP/JSON API of the TCK model services (and
// the shopping-cart example) and checks what a client sees. Intercepting mode additionally binds
// the interceptor (interceptor.h) that the proxy must use as its user function, relays to the real
// function and checks the intercepted protocol traffic exactly, as the original TCK's proxy tests
// did (catalog §1.2 (B), §1.7). Both modes are targets of the engine's one pipeline (engine.h):
// the proxy suite's cases live in the same registry as the SDK suite's (suite kProxy).
//
//   ProxySuiteOptions options;
//   options.proxy_address = "127.0.0.1:9000";
//   options.interceptor_port = 8090;                 // optional: intercepting mode
//   options.function_address = "127.0.0.1:8080";
//   auto outcome = RunProxySuite(options, std::cout);  // same RunResults/closing line as `run`

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/message.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/reports/results.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/compare.h"
#include "cloudstate/tck/engine.h"
#include "cloudstate/tck/proxy_suite/http_client.h"
#include "cloudstate/tck/proxy_suite/interceptor.h"
#include "cloudstate/tck/proxy_suite/wire.h"
#include "cloudstate/tck/runner.h"

namespace cloudstate::tck::proxy_suite {

struct ProxySuiteOptions {
  std::string proxy_address;     // HOST:PORT of the proxy's gRPC API (required)
  std::string http_address;      // HOST:PORT of its HTTP/JSON API ("" = HTTP cases skipped)
  int interceptor_port = -1;     // >= 0: intercepting mode (0 = any free port, for tests)
  std::string function_address;  // the real user function (intercepting mode)
  std::vector<std::string> filters;
  std::vector<std::string> excludes;
  std::string report_dir;
  double time_scale = 1.0;
  std::string known_failing_file;
  std::string spec_dir;
  bool verbose = false;
  std::optional<bool> color;
  // How long to wait for the proxy's discovery (intercepting mode) and first answer.
  double startup_seconds = 30;
  std::map<std::string, std::string> configuration;
  // Called once the interceptor listens (with its port), e.g. to start the proxy under test.
  std::function<void(int)> on_interceptor_ready;
};

bool Intercepting(const ProxySuiteOptions& options);

RunOutcome RunProxySuite(const ProxySuiteOptions& options, std::ostream& out);
void ListProxyCases(std::ostream& out);

// ---- cases ----

class ProxyCaseContext;
using ::cloudstate::tck::ProxyCaseBody;

// A proxy case as PROXY_CASE spells it (designated initialisers); registration turns it into a
// CaseSpec of suite kProxy in the one registry. The fluent style of case_registry.h
// (Case(...).NeedsInterceptor().Run([](ProxyCaseContext& ctx) {...})) registers the same thing.
struct ProxyCase {
  std::string name{};  // "proxy.<snake_case>"
  std::vector<std::string> rule_ids{};
  cloudstate::reports::CaseLevel level = cloudstate::reports::CaseLevel::kRequired;
  std::string description{};
  std::string hint{};
  std::string original_id{};            // P1, AP3, ... ("" for new cases)
  std::vector<std::string> services{};  // model services the proxy must serve
  bool needs_interceptor = false;       // skipped in client-only mode
  bool needs_http = false;              // skipped without --http
  ProxyCaseBody body{};
};

// Registers `c` in CaseRegistry::Global() (area "proxy").
const CaseSpec* RegisterProxyCase(ProxyCase c);

// The proxy suite's cases, by name (a copy: for listings and traceability checks).
std::vector<ProxyCase> ProxyCases();

namespace internal {
struct ProxyCaseRegistrar {
  explicit ProxyCaseRegistrar(ProxyCase c) { RegisterProxyCase(std::move(c)); }
};
}  // namespace internal

// ---- what a case body works with ----

struct SuiteShared;  // runner state shared by every case (channel, interceptor, discovery)

class ProxyCaseContext {
 public:
  ProxyCaseContext(const CaseSpec* c, SuiteShared* shared);

  // Mode.
  bool intercepting() const;
  bool has_http() const;
  Interceptor* interceptor() const;
  // The first discovery exchange the interceptor recorded (intercepting mode only).
  const cloudstate::ProxyInfo* proxy_info() const;
  const cloudstate::EntitySpec* entity_spec() const;

  // Timing (all scaled by --time-scale).
  std::chrono::milliseconds window() const;       // every expectation: 3 s
  std::chrono::milliseconds passivation() const;  // passivation deadline: 2 s
  std::chrono::milliseconds quiet() const;        // "nothing more": 100 ms

  // Ids unique within the run.
  std::string NewId(std::string_view prefix);

  // Client side.
  std::shared_ptr<grpc::Channel> channel() const;
  // Unary call of "/pkg.Service/Method"; the response is parsed into `response` when OK.
  grpc::Status Unary(const std::string& method, const google::protobuf::Message& request,
                     google::protobuf::Message* response);
  std::unique_ptr<ClientCall> Open(const std::string& method);
  // HTTP call to the --http address (a failed request fails the case and returns nullopt).
  std::optional<HttpResult> Http(const std::string& method, const std::string& target,
                                 const std::string& body);
  // The same, as HTTP/1.1 to the --proxy address (the client port gRPC is called on).
  std::optional<HttpResult> HttpToClientPort(const std::string& method, const std::string& target,
                                             const std::string& body);
  // POST that must answer 200 application/json with exactly `expected_body`.
  void HttpExpectJson(const std::string& target, const std::string& body,
                      const std::string& expected_body);
  // POST that must answer 500 with exactly `expected_body`.
  void HttpExpectFailure(const std::string& target, const std::string& body,
                         const std::string& expected_body);

  // Client-side checks.
  void ExpectOk(const grpc::Status& status, std::string_view what);
  void ExpectFailure(const grpc::Status& status, std::string_view description,
                     std::string_view what);
  void ExpectMessage(const google::protobuf::Message& expected,
                     const google::protobuf::Message& actual, std::string_view what);

  // Interceptor side (no-ops returning nullopt in client-only mode).
  // Waits for a call opened during this case on `method` whose recorded messages satisfy `match`
  // (evaluated whenever something is recorded); calls already claimed by this case are skipped.
  std::optional<int> AwaitCall(const std::string& method,
                               const std::function<bool(const InterceptedCall&)>& match,
                               std::string_view what);
  // Requires message `index` of `call` in the given direction (waits for it) to equal `expected`.
  // `strip_metadata` clears action metadata fields on both sides before comparing.
  void ExpectIn(int call, size_t index, const google::protobuf::Message& expected,
                bool strip_metadata = false);
  void ExpectOut(int call, size_t index, const google::protobuf::Message& expected,
                 bool strip_metadata = false);
  // Requires exactly `count` messages in the direction after waiting `quiet()`.
  void ExpectInCount(int call, size_t count);
  void ExpectOutCount(int call, size_t count);
  // Requires the intercepted call to end (both directions) within `timeout`.
  void ExpectCallEnded(int call, std::chrono::milliseconds timeout, std::string_view what);
  // The current record of a call.
  std::optional<InterceptedCall> CallRecord(int call) const;

  // Verdict.
  bool failed() const { return failed_; }
  void Fail(std::string_view message, std::string_view details = "");
  bool Check(bool condition, std::string_view message);
  void Note(std::string_view line);
  // Ends the case as skipped (when a precondition of the proxy is missing, e.g. no reflection).
  void Skip(std::string_view reason);
  bool skipped() const { return skipped_; }
  const std::string& message() const { return message_; }
  std::string Details() const;

 private:
  bool ExpectMessageAt(int call, bool in, size_t index, const google::protobuf::Message& expected,
                       bool strip_metadata);
  void ExpectCount(int call, bool in, size_t count);
  std::optional<HttpResult> HttpAt(const std::string& address, const std::string& method,
                                   const std::string& target, const std::string& body);

  const CaseSpec* case_;
  SuiteShared* shared_;
  size_t first_call_;  // interceptor calls before this index belong to earlier cases
  std::set<int> claimed_;
  bool failed_ = false;
  bool skipped_ = false;
  std::string message_;
  std::vector<std::string> transcript_;
  std::string details_;
};

}  // namespace cloudstate::tck::proxy_suite

#define CS_PROXY_CASE_CONCAT2(a, b) a##b
#define CS_PROXY_CASE_CONCAT(a, b) CS_PROXY_CASE_CONCAT2(a, b)
// Registers a proxy case at start-up:
//   PROXY_CASE({.name = "proxy.x", ..., .body = [](auto& ctx) {}});
#define PROXY_CASE(...)                                                                           \
  static const ::cloudstate::tck::proxy_suite::internal::ProxyCaseRegistrar CS_PROXY_CASE_CONCAT( \
      proxy_case_registrar_, __LINE__) {                                                          \
    ::cloudstate::tck::proxy_suite::ProxyCase __VA_ARGS__                                         \
  }
