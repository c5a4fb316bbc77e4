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

const CaseSpec* RegisterProxyCase(ProxyCase c) {
  CaseSpec spec{.name = std::move(c.name),
                .area = "proxy",
                .rule_ids = std::move(c.rule_ids),
                .level = c.level,
                .description = std::move(c.description),
                .hint = std::move(c.hint),
                .services = std::move(c.services),
                .original_id = std::move(c.original_id),
                .suite = Suite::kProxy,
                .capabilities = (c.needs_interceptor ? uint32_t{kCapInterceptor} : 0u) |
                                (c.needs_http ? uint32_t{kCapHttp} : 0u),
                .proxy_body = std::move(c.body)};
  return CaseRegistry::Global().Add(std::move(spec));
}

std::vector<ProxyCase> ProxyCases() {
  std::vector<ProxyCase> out;
  for (const CaseSpec* spec : CaseRegistry::Global().Sorted(Suite::kProxy)) {
    out.push_back({.name = spec->name,
                   .rule_ids = spec->rule_ids,
                   .level = spec->level,
                   .description = spec->description,
                   .hint = spec->hint,
                   .original_id = spec->original_id,
                   .services = spec->services,
                   .needs_interceptor = spec->Needs(kCapInterceptor),
                   .needs_http = spec->Needs(kCapHttp),
                   .body = spec->proxy_body});
  }
  return out;
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

}  // namespace

// ---- ProxyCaseContext ----

ProxyCaseContext::ProxyCaseContext(const CaseSpec* c, SuiteShared* shared)
    : case_(c),
      shared_(shared),
      first_call_(shared->interceptor ? shared->interceptor->CallCount() : 0) {}

bool ProxyCaseContext::intercepting() const { return shared_->interceptor != nullptr; }
bool ProxyCaseContext::has_http() const { return !shared_->options->http_address.empty(); }
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

void ListProxyCases(std::ostream& out) {
  auto cases = CaseRegistry::Global().Sorted(Suite::kProxy);
  size_t width = 0;
  for (const auto* c : cases) {
    width = std::max(width, c->name.size());
  }
  for (const auto* c : cases) {
    out << absl::StrFormat(
               "%-*s  %-8s  %-5s  %-11s  %s", static_cast<int>(width), c->name,
               reports::CaseLevelName(c->level), c->original_id,
               c->Needs(kCapInterceptor) ? "intercept" : (c->Needs(kCapHttp) ? "http" : "client"),
               c->description)
        << "\n";
  }
  out << cases.size() << " proxy cases\n";
}

namespace {

// A proxy as the pipeline's target: as client only, or with the wire to its user function tapped
// by the interceptor (intercepting mode).
class ProxyTarget : public Target {
 public:
  explicit ProxyTarget(const ProxySuiteOptions& options) {
    shared_.options = &options;
    shared_.run_id = RunId();
  }

  void Configure(std::map<std::string, std::string>& configuration) const override {
    const ProxySuiteOptions& options = *shared_.options;
    configuration["suite"] = "proxy";
    configuration["mode"] = Intercepting(options) ? "intercepting" : "client-only";
    configuration["proxy"] = options.proxy_address;
    configuration["time_scale"] = absl::StrCat(options.time_scale);
    if (!options.http_address.empty()) {
      configuration["http"] = options.http_address;
    }
  }

  absl::Status Start(size_t selected, reports::RunResults& results, std::ostream& out) override {
    const ProxySuiteOptions& options = *shared_.options;
    results.sut.address = options.proxy_address;
    const auto startup = Scaled(options, static_cast<int64_t>(options.startup_seconds * 1000));
    if (Intercepting(options)) {
      if (absl::Status tapped = StartInterceptor(startup, results, out); !tapped.ok()) {
        return tapped;
      }
    }
    shared_.channel = MakeProxyChannel(options.proxy_address);
    if (!shared_.channel->WaitForConnected(std::chrono::system_clock::now() + startup)) {
      return absl::UnavailableError(absl::StrCat("the proxy's gRPC port ", options.proxy_address,
                                                 " did not accept a connection within ",
                                                 startup.count(), " ms"));
    }
    if (!Intercepting(options)) {
      shared_.served = ReflectedServices(shared_);
    }
    if (shared_.proxy_info) {
      results.sut.service_runtime =
          absl::StrCat(shared_.proxy_info->proxy_name(), " ", shared_.proxy_info->proxy_version());
    }
    out << "cloudstate-tck " << CS_KIT_VERSION << " proxy suite against " << options.proxy_address
        << (Intercepting(options) ? " (intercepting)" : " (client-only)") << "; "
        << (shared_.served ? absl::StrCat(shared_.served->size(), " services served")
                           : std::string("served services unknown (no reflection)"))
        << "; " << selected << " cases\n";
    return absl::OkStatus();
  }

  std::string Gate(const CaseSpec& c) const override {
    const ProxySuiteOptions& options = *shared_.options;
    if (c.Needs(kCapInterceptor) && !Intercepting(options)) {
      return "needs the interceptor (--interceptor-port, --function)";
    }
    if (c.Needs(kCapHttp) && options.http_address.empty()) {
      return "needs the proxy's HTTP address (--http)";
    }
    if (shared_.served) {
      for (const auto& s : c.services) {
        if (!shared_.served->count(s)) {
          return absl::StrCat("the proxy does not serve ", s);
        }
      }
    }
    return "";
  }

  std::optional<TargetDeath> Execute(const CaseSpec& c, size_t /*index*/, reports::CaseResult& r,
                                     std::string& /*note*/) override {
    ProxyCaseContext ctx(&c, &shared_);
    if (c.proxy_body) {
      c.proxy_body(ctx);
    } else {
      ctx.Fail("the case has no body");
    }
    if (ctx.skipped()) {
      r.outcome = Outcome::kSkipped;
    } else {
      r.outcome = ctx.failed() ? Outcome::kFailed : Outcome::kPassed;
    }
    r.message = ctx.message();
    if (ctx.failed()) {
      r.details = ctx.Details();
    }
    return std::nullopt;  // the proxy is not supervised by the kit
  }

  void Stop(reports::RunResults& /*results*/) override {
    if (shared_.interceptor) {
      shared_.interceptor->Shutdown();
    }
  }

 private:
  // Binds the interceptor, lets the proxy under test start and waits for its first complete
  // discovery exchange through it.
  absl::Status StartInterceptor(milliseconds startup, reports::RunResults& results,
                                std::ostream& out) {
    const ProxySuiteOptions& options = *shared_.options;
    auto interceptor = Interceptor::Start(absl::StrCat("127.0.0.1:", options.interceptor_port),
                                          options.function_address);
    if (!interceptor.ok()) {
      return interceptor.status();
    }
    shared_.interceptor = std::move(*interceptor);
    results.configuration["interceptor"] = absl::StrCat("127.0.0.1:", shared_.interceptor->port());
    results.configuration["function"] = options.function_address;
    out << "interceptor listening on 127.0.0.1:" << shared_.interceptor->port() << ", relaying to "
        << options.function_address << "\n";
    out.flush();
    if (options.on_interceptor_ready) {
      options.on_interceptor_ready(shared_.interceptor->port());
    }
    std::optional<InterceptedCall> discovery;
    shared_.interceptor->WaitFor(
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
      return absl::DeadlineExceededError(absl::StrCat(
          "the proxy did not complete discovery through the interceptor within ", startup.count(),
          " ms (is it configured with user function 127.0.0.1:", shared_.interceptor->port(),
          "?)"));
    }
    shared_.proxy_info.emplace();
    shared_.entity_spec.emplace();
    if (!shared_.proxy_info->ParseFromString(discovery->in[0]) ||
        !shared_.entity_spec->ParseFromString(discovery->out[0])) {
      return absl::DataLossError("the recorded discovery exchange does not parse");
    }
    std::set<std::string> served;
    for (const auto& e : shared_.entity_spec->entities()) {
      served.insert(e.service_name());
    }
    shared_.served = served;
    const auto& info = shared_.entity_spec->service_info();
    results.sut.service_name = info.service_name();
    results.sut.service_version = info.service_version();
    results.sut.support_library_name = info.support_library_name();
    results.sut.support_library_version = info.support_library_version();
    results.sut.protocol_version = absl::StrCat(shared_.proxy_info->protocol_major_version(), ".",
                                                shared_.proxy_info->protocol_minor_version());
    for (const auto& e : shared_.entity_spec->entities()) {
      results.sut.declared_services.push_back(e.service_name());
      auto& types = results.sut.declared_entity_types;
      if (std::find(types.begin(), types.end(), e.entity_type()) == types.end()) {
        types.push_back(e.entity_type());
      }
    }
    return absl::OkStatus();
  }

  SuiteShared shared_;
};

}  // namespace

RunOutcome RunProxySuite(const ProxySuiteOptions& options, std::ostream& out) {
  ProxyTarget target(options);
  PipelineOptions pipeline{.filters = options.filters,
                           .excludes = options.excludes,
                           .report_dir = options.report_dir,
                           .known_failing_file = options.known_failing_file,
                           .spec_dir = options.spec_dir,
                           .verbose = options.verbose,
                           .color = options.color.value_or(false),
                           .jobs = 1,
                           .global_deadline = std::nullopt,
                           .area_summary = false,
                           .configuration = options.configuration};
  return RunPipeline(Suite::kProxy, target, pipeline, out);
}

}  // namespace cloudstate::tck::proxy_suite
