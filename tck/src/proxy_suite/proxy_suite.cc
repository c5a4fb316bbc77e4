#include "cloudstate/tck/proxy_suite/proxy_suite.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include "cloudstate/action.pb.h"

#include "cloudstate/common/rule_registry.h"
#include "cloudstate/reports/writers.h"
#include "cloudstate/tck/compare.h"
#include "cloudstate/tck/known_failing.h"
#include "cloudstate/tck/runner.h"

#ifndef CS_DEFAULT_SPEC_DIR
#define CS_DEFAULT_SPEC_DIR "spec"
#endif
#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::tck::proxy_suite {

namespace reports = ::cloudstate::reports;
using reports::Outcome;
using std::chrono::milliseconds;

inline constexpr const char* kDiscoverMethod = "/cloudstate.EntityDiscovery/discover";

std::vector<ProxyCase>& ProxyCases() {
  static auto* cases = new std::vector<ProxyCase>();
  return *cases;
}

bool Intercepting(const ProxySuiteOptions& options) { return options.interceptor_port >= 0; }

struct SuiteShared {
  const ProxySuiteOptions* options = nullptr;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Interceptor> interceptor;
  std::optional<cloudstate::ProxyInfo> proxy_info;
  std::optional<cloudstate::EntitySpec> entity_spec;
  std::optional<std::set<std::string>> served;  // services the proxy serves, when known
  std::string run_id;
  std::atomic<int> next_id{0};
};

namespace {

milliseconds Scaled(const ProxySuiteOptions& o, int64_t ms) {
  return milliseconds(static_cast<int64_t>(static_cast<double>(ms) * o.time_scale));
}

// Services listed by the proxy's reflection (client-only gating), nullopt when it has none.
std::optional<std::set<std::string>> ReflectedServices(SuiteShared& shared) {
  ClientCall call(shared.channel, kReflectionMethod, Scaled(*shared.options, 5000));
  ReflectionRequest request;
  request.list_services = "";
  if (!call.Write(EncodeReflectionRequest(request), Scaled(*shared.options, 3000))) {
    return std::nullopt;
  }
  auto reply = call.Read(Scaled(*shared.options, 3000));
  call.WritesDone();
  if (!reply) {
    return std::nullopt;
  }
  auto decoded = DecodeReflectionResponse(*reply);
  if (!decoded || !decoded->services) {
    return std::nullopt;
  }
  return std::set<std::string>(decoded->services->begin(), decoded->services->end());
}

const char* Label(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
      return "PASS ";
    case Outcome::kFailed:
      return "FAIL ";
    case Outcome::kSkipped:
      return "SKIP ";
    case Outcome::kExpectedFailure:
      return "XFAIL";
    case Outcome::kUnexpectedPass:
      return "XPASS";
  }
  return "?";
}

}  // namespace

// ---- ProxyCaseContext ----

ProxyCaseContext::ProxyCaseContext(const ProxyCase* c, SuiteShared* shared)
    : case_(c),
      shared_(shared),
      first_call_(shared->interceptor ? shared->interceptor->CallCount() : 0) {}

bool ProxyCaseContext::intercepting() const { return shared_->interceptor != nullptr; }
bool ProxyCaseContext::has_http() const { return !shared_->options->http_address.empty(); }
const std::string& ProxyCaseContext::proxy_address() const {
  return shared_->options->proxy_address;
}
Interceptor* ProxyCaseContext::interceptor() const { return shared_->interceptor.get(); }
const cloudstate::ProxyInfo* ProxyCaseContext::proxy_info() const {
  return shared_->proxy_info ? &*shared_->proxy_info : nullptr;
}
const cloudstate::EntitySpec* ProxyCaseContext::entity_spec() const {
  return shared_->entity_spec ? &*shared_->entity_spec : nullptr;
}
milliseconds ProxyCaseContext::window() const { return Scaled(*shared_->options, 3000); }
milliseconds ProxyCaseContext::passivation() const { return Scaled(*shared_->options, 2000); }
milliseconds ProxyCaseContext::quiet() const { return Scaled(*shared_->options, 100); }

std::string ProxyCaseContext::NewId(std::string_view prefix) {
  return absl::StrCat(std::string(prefix), "-", shared_->run_id, "-", ++shared_->next_id);
}

std::shared_ptr<grpc::Channel> ProxyCaseContext::channel() const { return shared_->channel; }

grpc::Status ProxyCaseContext::Unary(const std::string& method,
                                     const google::protobuf::Message& request,
                                     google::protobuf::Message* response) {
  if (failed_) {
    return grpc::Status(grpc::StatusCode::ABORTED, "case already failed");
  }
  Note(absl::StrCat("client -> ", method, " ", ShortText(request)));
  auto r = CallUnary(shared_->channel, method, request.SerializeAsString(), window());
  if (r.status.ok()) {
    if (response != nullptr && !response->ParseFromString(r.response)) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "the response does not parse");
    }
    Note(absl::StrCat("client <- ", response != nullptr ? ShortText(*response) : "(ok)"));
  } else {
    Note(absl::StrCat("client <- status ", static_cast<int>(r.status.error_code()), " \"",
                      r.status.error_message(), "\""));
  }
  return r.status;
}

std::unique_ptr<ClientCall> ProxyCaseContext::Open(const std::string& method) {
  Note(absl::StrCat("client opens ", method));
  return std::make_unique<ClientCall>(shared_->channel, method, Scaled(*shared_->options, 30000));
}

std::optional<HttpResult> ProxyCaseContext::Http(const std::string& method,
                                                 const std::string& target,
                                                 const std::string& body) {
  return HttpAt(shared_->options->http_address, method, target, body);
}

std::optional<HttpResult> ProxyCaseContext::HttpToClientPort(const std::string& method,
                                                             const std::string& target,
                                                             const std::string& body) {
  return HttpAt(shared_->options->proxy_address, method, target, body);
}

std::optional<HttpResult> ProxyCaseContext::HttpAt(const std::string& address,
                                                   const std::string& method,
                                                   const std::string& target,
                                                   const std::string& body) {
  if (failed_) {
    return std::nullopt;
  }
  Note(absl::StrCat("http -> ", address, " ", method, " ", target, " ", body));
  auto r = HttpCall(address, method, target, body, window());
  if (!r.ok()) {
    Fail(absl::StrCat("HTTP ", method, " ", target, " failed: ", r.status().message()));
    return std::nullopt;
  }
  Note(absl::StrCat("http <- ", r->status, " ", r->content_type, " ", r->body));
  return *r;
}

void ProxyCaseContext::HttpExpectJson(const std::string& target, const std::string& body,
                                      const std::string& expected_body) {
  auto r = Http("POST", target, body);
  if (!r) {
    return;
  }
  if (r->status != 200) {
    Fail(absl::StrCat("POST ", target, ": expected status 200, got ", r->status, " (", r->body,
                      ")"));
    return;
  }
  if (r->content_type.rfind("application/json", 0) != 0) {
    Fail(absl::StrCat("POST ", target, ": expected content type application/json, got \"",
                      r->content_type, "\""));
    return;
  }
  if (r->body != expected_body) {
    Fail(absl::StrCat("POST ", target, ": expected body ", expected_body, ", got ", r->body));
  }
}

void ProxyCaseContext::HttpExpectFailure(const std::string& target, const std::string& body,
                                         const std::string& expected_body) {
  auto r = Http("POST", target, body);
  if (!r) {
    return;
  }
  if (r->status != 500) {
    Fail(absl::StrCat("POST ", target, ": expected status 500, got ", r->status, " (", r->body,
                      ")"));
    return;
  }
  if (r->body != expected_body) {
    Fail(absl::StrCat("POST ", target, ": expected the failure description \"", expected_body,
                      "\" as body, got \"", r->body, "\""));
  }
}

void ProxyCaseContext::ExpectOk(const grpc::Status& status, std::string_view what) {
  if (!failed_ && !status.ok()) {
    Fail(absl::StrCat(std::string(what), ": expected success, got status ",
                      static_cast<int>(status.error_code()), " \"", status.error_message(), "\""));
  }
}

void ProxyCaseContext::ExpectFailure(const grpc::Status& status, std::string_view description,
                                     std::string_view what) {
  if (failed_) {
    return;
  }
  if (status.ok()) {
    Fail(absl::StrCat(std::string(what), ": expected a gRPC error \"", std::string(description),
                      "\", got success"));
  } else if (status.error_message() != description) {
    Fail(absl::StrCat(std::string(what), ": expected a gRPC error with description \"",
                      std::string(description), "\", got status ",
                      static_cast<int>(status.error_code()), " \"", status.error_message(), "\""));
  }
}

void ProxyCaseContext::ExpectMessage(const google::protobuf::Message& expected,
                                     const google::protobuf::Message& actual,
                                     std::string_view what) {
  if (failed_) {
    return;
  }
  auto r = CompareMessages(expected, actual);
  if (!r.equal) {
    Fail(absl::StrCat(std::string(what), ": unexpected response ", ShortText(actual)),
         absl::StrCat("expected: ", ShortText(expected), "\nactual:   ", ShortText(actual), "\n",
                      r.diff));
  }
}

std::optional<int> ProxyCaseContext::AwaitCall(
    const std::string& method, const std::function<bool(const InterceptedCall&)>& match,
    std::string_view what) {
  if (!intercepting() || failed_) {
    return std::nullopt;
  }
  std::optional<int> found;
  shared_->interceptor->WaitFor(
      [&](const std::vector<InterceptedCall>& calls) {
        for (size_t i = first_call_; i < calls.size(); ++i) {
          const auto& c = calls[i];
          if (c.method == method && !claimed_.count(c.id) && match(c)) {
            found = c.id;
            return true;
          }
        }
        return false;
      },
      window());
  if (!found) {
    Fail(absl::StrCat("interceptor: no ", method, " call (", std::string(what),
                      ") from the proxy to the function within ", window().count(), " ms"));
    return std::nullopt;
  }
  claimed_.insert(*found);
  Note(absl::StrCat("interceptor: call #", *found, " ", method, " (", std::string(what), ")"));
  return found;
}

std::optional<InterceptedCall> ProxyCaseContext::CallRecord(int call) const {
  if (!intercepting()) {
    return std::nullopt;
  }
  auto calls = shared_->interceptor->Snapshot();
  if (call < 0 || static_cast<size_t>(call) >= calls.size()) {
    return std::nullopt;
  }
  return calls[static_cast<size_t>(call)];
}

bool ProxyCaseContext::ExpectMessageAt(int call, bool in, size_t index,
                                       const google::protobuf::Message& expected,
                                       bool strip_metadata) {
  if (!intercepting() || failed_) {
    return false;
  }
  std::string bytes;
  bool ended = false;
  bool found = false;
  shared_->interceptor->WaitFor(
      [&](const std::vector<InterceptedCall>& calls) {
        const auto& c = calls[static_cast<size_t>(call)];
        const auto& list = in ? c.in : c.out;
        if (list.size() > index) {
          bytes = list[index];
          found = true;
          return true;
        }
        ended = in ? c.in_closed : c.done;
        return ended;
      },
      window());
  const char* dir = in ? "proxy -> function" : "function -> proxy";
  if (!found) {
    Fail(absl::StrCat("interceptor call #", call, ": expected message ", index + 1, " ", dir, " ",
                      ShortText(expected), ", but ",
                      ended ? "that direction ended" : "none arrived in time"));
    return false;
  }
  std::unique_ptr<google::protobuf::Message> actual(expected.New());
  if (!actual->ParseFromString(bytes)) {
    Fail(absl::StrCat("interceptor call #", call, ": message ", index + 1, " ", dir,
                      " does not parse as ", expected.GetDescriptor()->full_name()));
    return false;
  }
  CompareOptions options;
  if (strip_metadata) {
    options.normalize = StripActionMetadata;
  }
  auto r = CompareMessages(expected, *actual, options);
  Note(absl::StrCat("  #", call, " ", in ? "in " : "out", " ", ShortText(*actual)));
  if (!r.equal) {
    Fail(absl::StrCat("interceptor call #", call, ": message ", index + 1, " ", dir,
                      " differs from the expected one"),
         absl::StrCat("expected: ", ShortText(expected), "\nactual:   ", ShortText(*actual), "\n",
                      r.diff));
    return false;
  }
  return true;
}

void ProxyCaseContext::ExpectIn(int call, size_t index, const google::protobuf::Message& expected,
                                bool strip_metadata) {
  ExpectMessageAt(call, true, index, expected, strip_metadata);
}
void ProxyCaseContext::ExpectOut(int call, size_t index, const google::protobuf::Message& expected,
                                 bool strip_metadata) {
  ExpectMessageAt(call, false, index, expected, strip_metadata);
}

void ProxyCaseContext::ExpectCount(int call, bool in, size_t count) {
  if (!intercepting() || failed_) {
    return;
  }
  // Waits the quiet window for anything beyond `count`.
  size_t seen = 0;
  shared_->interceptor->WaitFor(
      [&](const std::vector<InterceptedCall>& calls) {
        const auto& c = calls[static_cast<size_t>(call)];
        seen = (in ? c.in : c.out).size();
        return seen > count;
      },
      quiet());
  if (seen != count) {
    Fail(absl::StrCat("interceptor call #", call, ": expected ", count, " message(s) ",
                      in ? "proxy -> function" : "function -> proxy", ", saw ", seen));
  }
}
void ProxyCaseContext::ExpectInCount(int call, size_t count) { ExpectCount(call, true, count); }
void ProxyCaseContext::ExpectOutCount(int call, size_t count) { ExpectCount(call, false, count); }

void ProxyCaseContext::ExpectCallEnded(int call, milliseconds timeout, std::string_view what) {
  if (!intercepting() || failed_) {
    return;
  }
  bool ended = shared_->interceptor->WaitFor(
      [&](const std::vector<InterceptedCall>& calls) {
        const auto& c = calls[static_cast<size_t>(call)];
        return c.done && c.in_closed;
      },
      timeout);
  if (!ended) {
    auto record = CallRecord(call);
    Fail(absl::StrCat("interceptor call #", call, ": ", std::string(what),
                      ": the stream was not closed within ", timeout.count(), " ms (proxy side ",
                      record && record->in_closed ? "closed" : "open", ", function side ",
                      record && record->done ? "closed" : "open", ")"));
  } else {
    Note(absl::StrCat("  #", call, " closed"));
  }
}

void ProxyCaseContext::Fail(std::string_view message, std::string_view details) {
  if (failed_ || skipped_) {
    return;
  }
  failed_ = true;
  message_ = std::string(message);
  details_ = std::string(details);
}

bool ProxyCaseContext::Check(bool condition, std::string_view message) {
  if (!condition) {
    Fail(message);
  }
  return condition;
}

void ProxyCaseContext::Note(std::string_view line) { transcript_.emplace_back(line); }

void ProxyCaseContext::Skip(std::string_view reason) {
  if (failed_) {
    return;
  }
  skipped_ = true;
  message_ = std::string(reason);
}

std::string ProxyCaseContext::Details() const {
  std::string out = absl::StrCat("rules: ", absl::StrJoin(case_->rule_ids, ", "), "\n");
  if (!case_->original_id.empty()) {
    absl::StrAppend(&out, "original TCK case: ", case_->original_id, "\n");
  }
  if (!details_.empty()) {
    absl::StrAppend(&out, details_, details_.back() == '\n' ? "" : "\n");
  }
  if (!transcript_.empty()) {
    absl::StrAppend(&out, "transcript:\n");
    for (size_t i = 0; i < transcript_.size(); ++i) {
      absl::StrAppend(&out,
                      absl::StrFormat("  %2d. %s\n", static_cast<int>(i + 1), transcript_[i]));
    }
  }
  return out;
}

// ---- listing and running ----

namespace {

std::vector<const ProxyCase*> SortedCases() {
  std::vector<const ProxyCase*> out;
  for (const auto& c : ProxyCases()) {
    out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ProxyCase* a, const ProxyCase* b) { return a->name < b->name; });
  return out;
}

bool SelectedCase(const ProxyCase& c, const ProxySuiteOptions& o) {
  if (!o.filters.empty() && std::none_of(o.filters.begin(), o.filters.end(), [&](const auto& f) {
        return MatchesPattern(c.name, f);
      })) {
    return false;
  }
  return std::none_of(o.excludes.begin(), o.excludes.end(),
                      [&](const auto& e) { return MatchesPattern(c.name, e); });
}

}  // namespace

void ListProxyCases(std::ostream& out) {
  auto cases = SortedCases();
  size_t width = 0;
  for (const auto* c : cases) {
    width = std::max(width, c->name.size());
  }
  for (const auto* c : cases) {
    out << absl::StrFormat("%-*s  %-8s  %-5s  %-11s  %s", static_cast<int>(width), c->name,
                           reports::CaseLevelName(c->level), c->original_id,
                           c->needs_interceptor ? "intercept" : (c->needs_http ? "http" : "client"),
                           c->description)
        << "\n";
  }
  out << cases.size() << " proxy cases\n";
}

RunOutcome RunProxySuite(const ProxySuiteOptions& options, std::ostream& out) {
  RunOutcome outcome;
  const auto run_start = std::chrono::steady_clock::now();
  auto& results = outcome.results;
  results.kit_version = CS_KIT_VERSION;
  results.started_at = NowRfc3339();
  results.host = HostName();
  results.configuration = options.configuration;
  results.configuration["suite"] = "proxy";
  results.configuration["mode"] = Intercepting(options) ? "intercepting" : "client-only";
  results.configuration["proxy"] = options.proxy_address;
  results.configuration["time_scale"] = absl::StrCat(options.time_scale);
  if (!options.http_address.empty()) {
    results.configuration["http"] = options.http_address;
  }
  results.sut.address = options.proxy_address;

  std::map<std::string, std::string> known_failing;
  if (!options.known_failing_file.empty()) {
    auto parsed = LoadKnownFailing(options.known_failing_file);
    if (!parsed.ok()) {
      out << "error: " << parsed.status().message() << "\n";
      return outcome;
    }
    known_failing = std::move(*parsed);
  }
  std::vector<reports::RuleInfo> rules = LoadRules(options.spec_dir, out);

  std::vector<const ProxyCase*> cases;
  for (const auto* c : SortedCases()) {
    if (SelectedCase(*c, options)) {
      cases.push_back(c);
    }
  }

  SuiteShared shared;
  shared.options = &options;
  shared.run_id = RunId();
  auto not_run = [&](const std::string& why) {
    out << "error: " << why << "\n";
    for (const auto* c : cases) {
      results.cases.push_back({.name = c->name,
                               .area = "proxy",
                               .rule_ids = c->rule_ids,
                               .level = c->level,
                               .description = c->description,
                               .hint = c->hint,
                               .outcome = Outcome::kFailed,
                               .message = "not run: " + why});
    }
    out << ClosingLine(results) << "\n";
    if (!options.report_dir.empty()) {
      (void)reports::WriteAllReports(results, rules, options.report_dir);
    }
    outcome.exit_code = kExitError;
    return outcome;
  };

  const auto startup = Scaled(options, static_cast<int64_t>(options.startup_seconds * 1000));
  if (Intercepting(options)) {
    auto interceptor = Interceptor::Start(absl::StrCat("127.0.0.1:", options.interceptor_port),
                                          options.function_address);
    if (!interceptor.ok()) {
      return not_run(std::string(interceptor.status().message()));
    }
    shared.interceptor = std::move(*interceptor);
    results.configuration["interceptor"] = absl::StrCat("127.0.0.1:", shared.interceptor->port());
    results.configuration["function"] = options.function_address;
    out << "interceptor listening on 127.0.0.1:" << shared.interceptor->port() << ", relaying to "
        << options.function_address << "\n";
    out.flush();
    if (options.on_interceptor_ready) {
      options.on_interceptor_ready(shared.interceptor->port());
    }
    // The proxy's first complete discovery exchange.
    std::optional<InterceptedCall> discovery;
    shared.interceptor->WaitFor(
        [&](const std::vector<InterceptedCall>& calls) {
          for (const auto& c : calls) {
            if (c.method == kDiscoverMethod && c.done && !c.in.empty() && !c.out.empty()) {
              discovery = c;
              return true;
            }
          }
          return false;
        },
        startup);
    if (!discovery) {
      return not_run(absl::StrCat(
          "the proxy did not complete discovery through the interceptor within ", startup.count(),
          " ms (is it configured with user function 127.0.0.1:", shared.interceptor->port(), "?)"));
    }
    shared.proxy_info.emplace();
    shared.entity_spec.emplace();
    if (!shared.proxy_info->ParseFromString(discovery->in[0]) ||
        !shared.entity_spec->ParseFromString(discovery->out[0])) {
      return not_run("the recorded discovery exchange does not parse");
    }
    std::set<std::string> served;
    for (const auto& e : shared.entity_spec->entities()) {
      served.insert(e.service_name());
    }
    shared.served = served;
    const auto& info = shared.entity_spec->service_info();
    results.sut.service_name = info.service_name();
    results.sut.service_version = info.service_version();
    results.sut.support_library_name = info.support_library_name();
    results.sut.support_library_version = info.support_library_version();
    results.sut.protocol_version = absl::StrCat(shared.proxy_info->protocol_major_version(), ".",
                                                shared.proxy_info->protocol_minor_version());
    for (const auto& e : shared.entity_spec->entities()) {
      results.sut.declared_services.push_back(e.service_name());
      auto& types = results.sut.declared_entity_types;
      if (std::find(types.begin(), types.end(), e.entity_type()) == types.end()) {
        types.push_back(e.entity_type());
      }
    }
  }
  shared.channel = MakeProxyChannel(options.proxy_address);
  if (!shared.channel->WaitForConnected(std::chrono::system_clock::now() + startup)) {
    return not_run(absl::StrCat("the proxy's gRPC port ", options.proxy_address,
                                " did not accept a connection within ", startup.count(), " ms"));
  }
  if (!Intercepting(options)) {
    shared.served = ReflectedServices(shared);
  }
  if (shared.proxy_info) {
    results.sut.service_runtime =
        absl::StrCat(shared.proxy_info->proxy_name(), " ", shared.proxy_info->proxy_version());
  }
  out << "cloudstate-tck " << CS_KIT_VERSION << " proxy suite against " << options.proxy_address
      << (Intercepting(options) ? " (intercepting)" : " (client-only)") << "; "
      << (shared.served ? absl::StrCat(shared.served->size(), " services served")
                        : std::string("served services unknown (no reflection)"))
      << "; " << cases.size() << " cases\n";

  size_t index = 0;
  for (const auto* c : cases) {
    ++index;
    reports::CaseResult r{.name = c->name,
                          .area = "proxy",
                          .rule_ids = c->rule_ids,
                          .level = c->level,
                          .description = c->description,
                          .hint = c->hint};
    const auto t0 = std::chrono::steady_clock::now();
    std::string skip;
    if (c->needs_interceptor && !Intercepting(options)) {
      skip = "needs the interceptor (--interceptor-port, --function)";
    } else if (c->needs_http && options.http_address.empty()) {
      skip = "needs the proxy's HTTP address (--http)";
    } else if (shared.served) {
      for (const auto& s : c->services) {
        if (!shared.served->count(s)) {
          skip = absl::StrCat("the proxy does not serve ", s);
          break;
        }
      }
    }
    if (!skip.empty()) {
      r.outcome = Outcome::kSkipped;
      r.message = skip;
    } else {
      ProxyCaseContext ctx(c, &shared);
      c->body(ctx);
      if (ctx.skipped()) {
        r.outcome = Outcome::kSkipped;
      } else {
        r.outcome = ctx.failed() ? Outcome::kFailed : Outcome::kPassed;
      }
      r.message = ctx.message();
      if (ctx.failed()) {
        r.details = ctx.Details();
      }
    }
    r.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (auto it = known_failing.find(c->name); it != known_failing.end()) {
      if (r.outcome == Outcome::kFailed) {
        r.outcome = Outcome::kExpectedFailure;
        r.message = absl::StrCat("known failing", it->second.empty() ? "" : " (" + it->second + ")",
                                 ": ", r.message);
      } else if (r.outcome == Outcome::kPassed) {
        r.outcome = Outcome::kUnexpectedPass;
        r.message = "listed as known failing but passed: remove it from the known-failing list";
      }
    }
    out << absl::StrFormat("[%*d/%d] %s %s (%d ms)\n",
                           static_cast<int>(absl::StrCat(cases.size()).size()), index, cases.size(),
                           Label(r.outcome), c->name, static_cast<int>(r.duration_seconds * 1000));
    if (r.outcome == Outcome::kFailed || r.outcome == Outcome::kUnexpectedPass ||
        (options.verbose && r.outcome != Outcome::kPassed)) {
      if (!r.message.empty()) {
        out << "        " << r.message << "\n";
      }
      if (!r.details.empty()) {
        out << IndentLines(r.details, "        ");
      }
    }
    out.flush();
    results.cases.push_back(std::move(r));
  }
  if (shared.interceptor) {
    shared.interceptor->Shutdown();
  }
  results.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  std::map<std::string, int> skip_reasons;
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kSkipped) {
      ++skip_reasons[c.message];
    }
  }
  for (const auto& [reason, n] : skip_reasons) {
    out << "skipped " << n << ": " << reason << "\n";
  }
  if (!options.report_dir.empty()) {
    auto status = reports::WriteAllReports(results, rules, options.report_dir);
    if (!status.ok()) {
      out << "error: writing reports: " << status.message() << "\n";
    } else {
      out << "reports written to " << options.report_dir << "\n";
    }
  }
  out << ClosingLine(results) << "\n";
  out.flush();
  outcome.exit_code = VerdictExitCode(results);
  return outcome;
}

}  // namespace cloudstate::tck::proxy_suite
