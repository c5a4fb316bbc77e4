#include "cloudstate/tck/runner.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/client_unary_call.h"
#include "grpcpp/impl/codegen/proto_utils.h"

#include "cloudstate/common/rule_registry.h"
#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/known_failing.h"
#include "cloudstate/tck/scenario.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef CS_DEFAULT_SPEC_DIR
#define CS_DEFAULT_SPEC_DIR "spec"
#endif
#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::tck {

namespace reports = ::cloudstate::reports;
using reports::Outcome;

bool MatchesPattern(std::string_view name, std::string_view pattern) {
  std::string p(pattern);
  if (p.find_first_of("*?[") != std::string::npos) {
    return fnmatch(p.c_str(), std::string(name).c_str(), 0) == 0;
  }
  return name.find(pattern) != std::string_view::npos;
}

bool Selected(const CaseSpec& spec, const std::vector<std::string>& filters,
              const std::vector<std::string>& excludes) {
  if (!filters.empty() && std::none_of(filters.begin(), filters.end(), [&](const std::string& f) {
        return MatchesPattern(spec.name, f);
      })) {
    return false;
  }
  return std::none_of(excludes.begin(), excludes.end(),
                      [&](const std::string& e) { return MatchesPattern(spec.name, e); });
}

std::string GateReason(const CaseSpec& spec, const DiscoveryInfo& discovery) {
  for (const auto& service : spec.services) {
    if (!discovery.Declares(service)) {
      return kSkipNotImplemented;
    }
  }
  return "";
}

std::string ClosingLine(const reports::RunResults& results) {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  for (const auto& c : results.cases) {
    switch (c.outcome) {
      case Outcome::kPassed:
        ++passed;
        break;
      case Outcome::kFailed:
      case Outcome::kUnexpectedPass:
        ++failed;
        break;
      case Outcome::kSkipped:
        ++skipped;
        break;
      case Outcome::kExpectedFailure:
        break;
    }
  }
  return absl::StrCat(passed, " passed, ", failed, " failed, ", skipped, " skipped");
}

int VerdictExitCode(const reports::RunResults& results) {
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kUnexpectedPass) {
      return kExitFailed;
    }
    if (c.outcome == Outcome::kFailed && c.level == reports::CaseLevel::kRequired) {
      return kExitFailed;
    }
  }
  return kExitPassed;
}

void ListCases(std::ostream& out) {
  auto cases = CaseRegistry::Global().Sorted();
  size_t width = 0;
  for (const auto* c : cases) {
    width = std::max(width, c->name.size());
  }
  for (const auto* c : cases) {
    out << absl::StrFormat("%-*s  %-10s  %-28s  %s", static_cast<int>(width), c->name,
                           reports::CaseLevelName(c->level), absl::StrJoin(c->rule_ids, ","),
                           c->description)
        << "\n";
  }
  out << cases.size() << " cases\n";
}

namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // A fresh connection per target generation, not shared with other channels.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Whether the gRPC server at the other end of `channel` still answers: a call of a method no
// function implements must come back with a status from the server (UNIMPLEMENTED, normally). A
// transport failure (UNAVAILABLE) or no answer in time means it does not. Unlike discover, the
// probe has no meaning for the function, so a function whose discover misbehaves is not taken for
// dead.
bool FunctionAnswers(const std::shared_ptr<grpc::Channel>& channel,
                     std::chrono::milliseconds timeout) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  const grpc::internal::RpcMethod method("/cloudstate.tck.LivenessProbe/Ping",
                                         grpc::internal::RpcMethod::NORMAL_RPC, channel);
  google::protobuf::Empty request;
  google::protobuf::Empty response;
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<google::protobuf::Empty, google::protobuf::Empty>(
          channel.get(), method, &context, request, &response);
  return status.error_code() != grpc::StatusCode::UNAVAILABLE &&
         status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED;
}

// True when a TCP connection to "host:port" succeeds. A live gRPC server always accepts one; a
// refused connection on loopback answers at once.
bool PortAcceptsConnections(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return true;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return true;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  std::string host = address.substr(0, colon);
  if (host == "localhost") {
    host = "127.0.0.1";
  }
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return true;  // not an IPv4 literal: cannot tell, assume alive
  }
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// How the function died while cases ran against it: what happened and which cases were running
// against that instance (started before the death was noticed and not yet finished).
struct Death {
  std::string what;             // "exited with status 2", "stopped answering", ...
  std::vector<size_t> running;  // indices of the cases running against the dead instance
  bool before = false;          // it was already dead when the case began (restart disabled)
};

// The function under test: a fixed address, or a process the kit starts and restarts. Every
// (re)start is a new generation; a case runs against the generation current when it began, and
// after its body the kit checks that this generation is still alive, so a death is charged to the
// cases that were running when it happened and never to the next one.
class Target {
 public:
  Target(const RunOptions& options, Timing timing, std::ostream& out)
      : options_(options), timing_(timing), out_(out) {}

  absl::StatusOr<cloudstate::EntitySpec> Start() {
    if (options_.function) {
      std::string log;
      if (!options_.function->log_file.empty()) {
        std::filesystem::path p(options_.function->log_file);
        if (p.is_relative() && !options_.report_dir.empty()) {
          std::error_code ec;
          std::filesystem::create_directories(options_.report_dir, ec);
          p = std::filesystem::path(options_.report_dir) / p;
        }
        log = p.string();
      }
      process_ = std::make_unique<FunctionProcess>(*options_.function, log);
      return SpawnAndDiscover();
    }
    address_ = options_.function_address;
    channel_ = MakeChannel(address_);
    return WaitForDiscover(channel_, Scaled(10000));
  }

  const std::string& address() const { return address_; }

  struct Ticket {
    int generation = 0;
    std::shared_ptr<grpc::Channel> channel;
    std::string note;  // what happened before the case could start ("" when nothing)
  };

  // Registers case `index` as running; restarts the function first when it is known to be dead
  // (or its process has exited since the last look).
  Ticket BeginCase(size_t index) {
    std::lock_guard<std::mutex> lock(mu_);
    Ticket ticket;
    if (process_ && !deaths_.contains(generation_)) {
      if (auto exit = process_->ExitDescription()) {
        RecordDeathLocked(generation_, *exit);
      }
    }
    if (process_ && deaths_.contains(generation_)) {
      const std::string what = deaths_[generation_].what;
      if (!options_.function->restart) {
        ticket.note = absl::StrCat("the function ", what, " (restart disabled)");
      } else {
        ++restarts_;
        ++generation_;
        auto spec = SpawnAndDiscover();
        ticket.note = absl::StrCat(
            "the function ", what, "; restarted",
            spec.ok() ? "" : absl::StrCat(" but it did not answer: ", spec.status().message()));
      }
    }
    running_[index] = generation_;
    ticket.generation = generation_;
    ticket.channel = channel_;
    return ticket;
  }

  // Ends case `index` begun with `ticket`: nullopt when the function instance it ran against is
  // still alive (it answers gRPC calls and its process runs), otherwise how it died and which cases
  // were running against it.
  std::optional<Death> EndCase(size_t index, const Ticket& ticket) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = deaths_.find(ticket.generation); it != deaths_.end()) {
        running_.erase(index);
        return DeathFor(index, it->second);
      }
    }
    // A crashing process has already closed its connections when the case saw them break, so the
    // probe fails at once; a live one answers within the window.
    const bool answers = FunctionAnswers(ticket.channel, timing_.window);
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = deaths_.find(ticket.generation); it != deaths_.end()) {
      running_.erase(index);
      return DeathFor(index, it->second);
    }
    std::optional<std::string> exit;
    if (process_ && ticket.generation == generation_) {
      exit = process_->ExitDescription();
      if (!exit && !answers) {
        // The port no longer answers: wait (bounded) for the process to be reaped instead of
        // letting the next case find it dead.
        exit = process_->WaitForExit(Scaled(10000));
        if (!exit) {
          process_->Stop(Scaled(3000));
          exit = "stopped answering (stopped by the kit)";
        }
      }
    } else if (!process_ && !answers) {
      exit = "no longer answers";
    }
    if (!exit) {
      running_.erase(index);
      return std::nullopt;
    }
    if (!process_) {
      // Nothing to restart: report it against this case only.
      running_.erase(index);
      return Death{.what = *exit, .running = {index}};
    }
    RecordDeathLocked(ticket.generation, *exit);
    running_.erase(index);
    return deaths_[ticket.generation];
  }

  void Stop() {
    if (process_) {
      process_->Stop(Scaled(3000));
    }
  }
  int restarts() const { return restarts_; }

 private:
  std::chrono::milliseconds Scaled(int64_t ms) const {
    return std::chrono::milliseconds(static_cast<int64_t>(ms * options_.time_scale));
  }

  // The death as seen by case `index`: one recorded before the case began (no restart) is not
  // shared with the cases that were running then.
  static Death DeathFor(size_t index, const Death& death) {
    if (std::find(death.running.begin(), death.running.end(), index) != death.running.end()) {
      return death;
    }
    return Death{.what = death.what, .running = {index}, .before = true};
  }

  void RecordDeathLocked(int generation, const std::string& what) {
    if (deaths_.contains(generation)) {
      return;
    }
    Death death{.what = what};
    for (const auto& [index, g] : running_) {
      if (g == generation) {
        death.running.push_back(index);
      }
    }
    deaths_[generation] = std::move(death);
  }

  absl::StatusOr<cloudstate::EntitySpec> SpawnAndDiscover() {
    auto status = process_->Spawn();
    if (!status.ok()) {
      return status;
    }
    address_ = process_->address();
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(
        options_.function->startup_timeout_seconds * 1000 * options_.time_scale));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // Wait until the port accepts connections before the channel's first connect: a refused
    // first attempt puts the channel into reconnect backoff, which cost seconds per start-up.
    // (Start-up polling of our own child, not a case wait.)
    while (!PortAcceptsConnections(address_) && !process_->ExitDescription() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    channel_ = MakeChannel(address_);
    // Poll discover while watching the process, so that a function that exits at start-up is
    // reported at once.
    while (true) {
      auto spec = WaitForDiscover(channel_, std::chrono::milliseconds(500));
      if (spec.ok()) {
        return spec;
      }
      if (auto exit = process_->ExitDescription()) {
        RecordDeathLocked(generation_, *exit);
        return absl::FailedPreconditionError(absl::StrCat(
            "the function ", *exit, " while starting (", options_.function->command, ")"));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat("the function did not answer discover on ",
                                                        address_, " within ", timeout.count(),
                                                        " ms: ", spec.status().message()));
      }
    }
  }

  const RunOptions& options_;
  Timing timing_;
  std::ostream& out_;
  std::mutex mu_;
  std::unique_ptr<FunctionProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  int generation_ = 0;
  std::map<size_t, int> running_;  // case index -> generation it runs against
  std::map<int, Death> deaths_;    // generation -> how it died
  int restarts_ = 0;
};

struct Palette {
  bool on = false;
  std::string Wrap(std::string_view text, const char* code) const {
    if (!on) {
      return std::string(text);
    }
    return absl::StrCat("\033[", code, "m", std::string(text), "\033[0m");
  }
};

std::string OutcomeLabel(Outcome o, const Palette& p) {
  switch (o) {
    case Outcome::kPassed:
      return p.Wrap("PASS ", "32");
    case Outcome::kFailed:
      return p.Wrap("FAIL ", "31;1");
    case Outcome::kSkipped:
      return p.Wrap("SKIP ", "33");
    case Outcome::kExpectedFailure:
      return p.Wrap("XFAIL", "35");
    case Outcome::kUnexpectedPass:
      return p.Wrap("XPASS", "31;1");
  }
  return "?";
}

void PrintSummary(const reports::RunResults& results, std::ostream& out) {
  struct Row {
    int passed = 0, failed = 0, skipped = 0, xfail = 0, xpass = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Row> rows;
  std::map<std::string, int> skip_reasons;
  Row total;
  for (const auto& c : results.cases) {
    if (!rows.count(c.area)) {
      order.push_back(c.area);
    }
    Row& r = rows[c.area];
    switch (c.outcome) {
      case Outcome::kPassed:
        ++r.passed;
        ++total.passed;
        break;
      case Outcome::kFailed:
        ++r.failed;
        ++total.failed;
        break;
      case Outcome::kSkipped:
        ++r.skipped;
        ++total.skipped;
        ++skip_reasons[c.message];
        break;
      case Outcome::kExpectedFailure:
        ++r.xfail;
        ++total.xfail;
        break;
      case Outcome::kUnexpectedPass:
        ++r.xpass;
        ++total.xpass;
        break;
    }
  }
  out << "\n"
      << absl::StrFormat("%-14s %7s %7s %8s %6s %6s\n", "area", "passed", "failed", "skipped",
                         "xfail", "xpass");
  for (const auto& area : order) {
    const Row& r = rows[area];
    out << absl::StrFormat("%-14s %7d %7d %8d %6d %6d\n", area, r.passed, r.failed, r.skipped,
                           r.xfail, r.xpass);
  }
  out << absl::StrFormat("%-14s %7d %7d %8d %6d %6d\n", "total", total.passed, total.failed,
                         total.skipped, total.xfail, total.xpass);
  for (const auto& [reason, n] : skip_reasons) {
    out << "skipped " << n << ": " << reason << "\n";
  }
  if (total.xfail > 0 || total.xpass > 0) {
    out << total.xfail << " expected failures, " << total.xpass
        << " unexpected passes (listed as known failing)\n";
  }
  int optional_failed = 0;
  int robustness_failed = 0;
  int robustness_run = 0;
  int robustness_passed = 0;
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kFailed && c.level == reports::CaseLevel::kOptional) {
      ++optional_failed;
    }
    if (c.level == reports::CaseLevel::kRobustness && c.outcome != Outcome::kSkipped) {
      ++robustness_run;
      robustness_failed += c.outcome == Outcome::kFailed ? 1 : 0;
      robustness_passed += reports::CasePassed(c) ? 1 : 0;
    }
  }
  if (optional_failed > 0) {
    out << optional_failed << " of the failures are optional cases (SHOULD/MAY rules; warnings)\n";
  }
  if (robustness_failed > 0) {
    out << robustness_failed
        << " of the failures are robustness cases (inputs no conforming proxy sends; reported "
           "apart, not part of the required verdict)\n";
  }
  if (robustness_run > 0) {
    out << "robustness: " << robustness_passed << "/" << robustness_run << " passed\n";
  }
}

}  // namespace

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "unknown";
  }
  return buf;
}

std::string RunId() {
  std::random_device rd;
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (int i = 0; i < 6; ++i) {
    id += kAlphabet[rd() % 36];
  }
  return id;
}

std::string IndentLines(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    absl::StrAppend(&out, prefix, text.substr(start, end - start), "\n");
    start = end + 1;
  }
  return out;
}

std::vector<reports::RuleInfo> LoadRules(const std::string& spec_dir, std::ostream& out,
                                         std::vector<std::string>* known_ids) {
  std::vector<std::string> candidates;
  if (!spec_dir.empty()) {
    candidates.push_back(spec_dir);
  } else {
    candidates = {CS_DEFAULT_SPEC_DIR, "spec"};
  }
  for (const auto& dir : candidates) {
    std::string path = (std::filesystem::path(dir) / "rules.tsv").string();
    if (!std::filesystem::exists(path)) {
      continue;
    }
    auto registry = cloudstate::LoadRuleRegistry(path);
    if (!registry.ok()) {
      out << "warning: cannot load " << path << ": " << registry.status().message() << "\n";
      return {};
    }
    std::vector<reports::RuleInfo> rules;
    for (const auto& r : registry->rules()) {
      rules.push_back({.id = r.id, .level = r.level, .area = r.area, .title = r.title});
      if (known_ids != nullptr) {
        known_ids->push_back(r.id);
      }
    }
    return rules;
  }
  if (!spec_dir.empty()) {
    out << "warning: no rules.tsv in " << spec_dir << "; reports carry no rule titles\n";
  }
  return {};
}

RunOutcome RunSuite(const RunOptions& options, std::ostream& out) {
  RunOutcome outcome;
  const auto run_start = std::chrono::steady_clock::now();
  const Timing timing = Timing::Scaled(options.time_scale);
  Palette palette{.on = options.color.value_or(false)};
  auto& results = outcome.results;
  results.kit_version = CS_KIT_VERSION;
  results.started_at = NowRfc3339();
  results.host = HostName();
  results.configuration = options.configuration;
  results.configuration["time_scale"] = absl::StrCat(options.time_scale);
  results.configuration["jobs"] = absl::StrCat(options.jobs);

  // Known-failing list and rules.
  std::map<std::string, std::string> known_failing;
  if (!options.known_failing_file.empty()) {
    auto parsed = LoadKnownFailing(options.known_failing_file);
    if (!parsed.ok()) {
      out << "error: " << parsed.status().message() << "\n";
      return outcome;
    }
    known_failing = std::move(*parsed);
    for (const auto& [name, reason] : known_failing) {
      if (CaseRegistry::Global().Find(name) == nullptr) {
        out << "warning: known-failing case " << name << " does not exist\n";
      }
    }
  }
  std::vector<std::string> known_rule_ids;
  std::vector<reports::RuleInfo> rules = LoadRules(options.spec_dir, out, &known_rule_ids);
  for (const auto& problem : CaseRegistry::Global().Validate()) {
    out << "warning: " << problem << "\n";
  }

  // Selection.
  std::vector<const CaseSpec*> cases;
  for (const auto* spec : CaseRegistry::Global().Sorted()) {
    if (Selected(*spec, options.filters, options.excludes)) {
      cases.push_back(spec);
      if (!known_rule_ids.empty()) {
        for (const auto& id : spec->rule_ids) {
          if (std::find(known_rule_ids.begin(), known_rule_ids.end(), id) == known_rule_ids.end()) {
            out << "warning: case " << spec->name << " names unknown rule " << id << "\n";
          }
        }
      }
    }
  }

  // The function and its discovery answer.
  Target target(options, timing, out);
  auto spec = target.Start();
  results.sut.address = target.address();
  if (!spec.ok()) {
    out << "error: " << spec.status().message() << "\n";
    for (const auto* c : cases) {
      results.cases.push_back({.name = c->name,
                               .area = c->area,
                               .rule_ids = c->rule_ids,
                               .level = c->level,
                               .description = c->description,
                               .hint = c->hint,
                               .outcome = Outcome::kFailed,
                               .message = absl::StrCat("not run: ", spec.status().message())});
    }
    out << ClosingLine(results) << "\n";
    if (!options.report_dir.empty()) {
      (void)reports::WriteAllReports(results, rules, options.report_dir);
    }
    target.Stop();
    outcome.exit_code = kExitError;
    return outcome;
  }
  std::unique_ptr<DiscoveryInfo> discovery = AnalyzeDiscovery(KitProxyInfo(), *spec);
  {
    const auto& info = discovery->spec.service_info();
    auto& sut = results.sut;
    sut.service_name = info.service_name();
    sut.service_version = info.service_version();
    sut.service_runtime = info.service_runtime();
    sut.support_library_name = info.support_library_name();
    sut.support_library_version = info.support_library_version();
    sut.protocol_version =
        absl::StrCat(info.protocol_major_version(), ".", info.protocol_minor_version());
    for (const auto& e : discovery->spec.entities()) {
      sut.declared_services.push_back(e.service_name());
      if (std::find(sut.declared_entity_types.begin(), sut.declared_entity_types.end(),
                    e.entity_type()) == sut.declared_entity_types.end()) {
        sut.declared_entity_types.push_back(e.entity_type());
      }
    }
    out << "cloudstate-tck " << CS_KIT_VERSION << " against " << target.address() << ": "
        << (sut.support_library_name.empty() ? "(unnamed library)" : sut.support_library_name)
        << " " << sut.support_library_version << ", " << discovery->spec.entities_size()
        << " entities, protocol " << sut.protocol_version << "; " << cases.size() << " cases, "
        << options.jobs << " job(s)\n";
  }

  // Run.
  const std::string run_id = RunId();
  const auto global_deadline =
      run_start + std::chrono::milliseconds(static_cast<int64_t>(options.global_deadline_seconds *
                                                                 1000 * options.time_scale));
  std::vector<reports::CaseResult> slots(cases.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex out_mu;
  // Cases that were running, in parallel with others, against a function instance that died: run
  // again one at a time after the parallel pass to find which of them makes it die.
  std::mutex deferred_mu;
  std::map<size_t, Death> deferred;

  // Runs case `index` once. Returns how the function died while it ran (nullopt when it did not).
  auto run_case = [&](size_t index, reports::CaseResult& r,
                      std::string& note) -> std::optional<Death> {
    const CaseSpec& c = *cases[index];
    r = reports::CaseResult{.name = c.name,
                            .area = c.area,
                            .rule_ids = c.rule_ids,
                            .level = c.level,
                            .description = c.description,
                            .hint = c.hint};
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Death> death;
    if (std::string gate = GateReason(c, *discovery); !gate.empty()) {
      r.outcome = Outcome::kSkipped;
      r.message = gate;
    } else if (std::chrono::steady_clock::now() > global_deadline) {
      r.outcome = Outcome::kFailed;
      r.message = "not run: the run's global deadline passed";
    } else {
      Target::Ticket ticket = target.BeginCase(index);
      note = ticket.note;
      CaseContext ctx(&c, ticket.channel, discovery.get(), timing, run_id);
      if (c.body) {
        c.body(ctx);
      } else {
        ctx.Fail("the case has no body");
      }
      death = target.EndCase(index, ticket);
      if (death) {
        r.outcome = Outcome::kFailed;
        r.message =
            death->before
                ? absl::StrCat("not run: the function process ", death->what, " before this case")
                : absl::StrCat("the function process ", death->what, " during this case");
        r.details = ctx.failed()
                        ? absl::StrCat("What the case saw: ", ctx.message(), "\n", ctx.Details())
                        : ctx.Details();
      } else {
        r.outcome = ctx.failed() ? Outcome::kFailed : Outcome::kPassed;
        r.message = ctx.message();
        if (ctx.failed()) {
          r.details = ctx.Details();
        }
      }
    }
    r.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return death;
  };

  auto finish_case = [&](size_t index, reports::CaseResult r, const std::string& note) {
    const CaseSpec& c = *cases[index];
    if (auto it = known_failing.find(c.name); it != known_failing.end()) {
      if (r.outcome == Outcome::kFailed) {
        r.outcome = Outcome::kExpectedFailure;
        r.message = absl::StrCat("known failing", it->second.empty() ? "" : " (" + it->second + ")",
                                 ": ", r.message);
      } else if (r.outcome == Outcome::kPassed) {
        r.outcome = Outcome::kUnexpectedPass;
        r.message = "listed as known failing but passed: remove it from the known-failing list";
      }
    }
    size_t n = ++done;
    {
      std::lock_guard<std::mutex> lock(out_mu);
      if (!note.empty()) {
        out << "  note: " << note << "\n";
      }
      out << absl::StrFormat("[%*d/%d] %s %s (%d ms)\n",
                             static_cast<int>(absl::StrCat(cases.size()).size()), n, cases.size(),
                             OutcomeLabel(r.outcome, palette), c.name,
                             static_cast<int>(r.duration_seconds * 1000));
      if (r.outcome == Outcome::kFailed || r.outcome == Outcome::kUnexpectedPass ||
          (options.verbose && r.outcome != Outcome::kPassed)) {
        if (!r.message.empty()) {
          out << "        " << palette.Wrap(r.message, "1") << "\n";
        }
        if (!r.details.empty() && (r.outcome == Outcome::kFailed || options.verbose)) {
          out << IndentLines(r.details, "        ");
        }
      }
      out.flush();
    }
    slots[index] = std::move(r);
  };

  auto worker = [&]() {
    while (true) {
      size_t index = next.fetch_add(1);
      if (index >= cases.size()) {
        return;
      }
      reports::CaseResult r;
      std::string note;
      std::optional<Death> death = run_case(index, r, note);
      if (death && death->running.size() > 1) {
        // Several cases ran against the instance that died: which one made it die is decided by
        // running each of them alone below.
        std::lock_guard<std::mutex> lock(deferred_mu);
        deferred.emplace(index, *death);
        if (!note.empty()) {
          std::lock_guard<std::mutex> out_lock(out_mu);
          out << "  note: " << note << "\n";
        }
        continue;
      }
      finish_case(index, std::move(r), note);
    }
  };
  int jobs = std::max(1, options.jobs);
  std::vector<std::thread> threads;
  for (int i = 0; i < jobs; ++i) {
    threads.emplace_back(worker);
  }
  for (auto& t : threads) {
    t.join();
  }
  // One at a time, in case order: a case that makes the function die alone is charged with the
  // death; the others get the verdict of their lone run. When no case of a death reproduces it
  // alone, every case that was running then fails, naming the others.
  std::map<size_t, reports::CaseResult> lone;
  std::set<size_t> reproduced;
  for (const auto& [index, death] : deferred) {
    std::string note;
    std::optional<Death> again = run_case(index, lone[index], note);
    if (again) {
      reproduced.insert(index);
      lone[index].message =
          absl::StrCat(lone[index].message, " (run alone after the function died while it ran ",
                       "in parallel with other cases: it makes the function die on its own)");
    }
    if (!note.empty()) {
      std::lock_guard<std::mutex> out_lock(out_mu);
      out << "  note: " << note << "\n";
    }
  }
  for (auto& [index, r] : lone) {
    const Death& death = deferred.at(index);
    std::vector<std::string> others;
    bool someone_reproduced = false;
    for (size_t other : death.running) {
      someone_reproduced = someone_reproduced || reproduced.contains(other);
      if (other != index) {
        others.push_back(cases[other]->name);
      }
    }
    if (!reproduced.contains(index)) {
      if (someone_reproduced) {
        if (r.outcome == Outcome::kPassed) {
          r.message = absl::StrCat("passed when run alone; the function ", death.what,
                                   " while it ran in parallel with ", absl::StrJoin(others, ", "),
                                   ", which makes the function die on its own");
        }
      } else if (r.outcome != Outcome::kSkipped) {
        r.outcome = Outcome::kFailed;
        r.message = absl::StrCat(
            "the function process ", death.what, " while this case ran in parallel with ",
            absl::StrJoin(others, ", "), "; run alone, none of them made it die again");
      }
    }
    finish_case(index, std::move(r), "");
  }
  results.cases = std::move(slots);
  target.Stop();
  if (target.restarts() > 0) {
    results.configuration["function_restarts"] = absl::StrCat(target.restarts());
  }
  results.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();

  PrintSummary(results, out);
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

}  // namespace cloudstate::tck
