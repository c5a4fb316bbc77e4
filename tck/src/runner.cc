#include "cloudstate/tck/runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/scenario.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::tck {

namespace reports = ::cloudstate::reports;

std::string GateReason(const CaseSpec& spec, const DiscoveryInfo& discovery) {
  for (const auto& service : spec.services) {
    if (!discovery.Declares(service)) {
      return kSkipNotImplemented;
    }
  }
  return "";
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
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  grpc::Slice empty_slice(google::protobuf::Empty().SerializeAsString());
  grpc::ByteBuffer request(&empty_slice, 1);
  auto call = stub.PrepareUnaryCall(&context, "/cloudstate.tck.LivenessProbe/Ping", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  (void)cq.Next(&tag, &ok);  // the one operation; the deadline bounds it
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
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

using Death = TargetDeath;

// The function under test: a fixed address, or a process the kit starts and restarts. Every
// (re)start is a new generation; a case runs against the generation current when it began, and
// after its body the kit checks that this generation is still alive, so a death is charged to the
// cases that were running when it happened and never to the next one.
class Supervisor {
 public:
  Supervisor(const RunOptions& options, Timing timing) : options_(options), timing_(timing) {}

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
  std::mutex mu_;
  std::unique_ptr<FunctionProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  int generation_ = 0;
  std::map<size_t, int> running_;  // case index -> generation it runs against
  std::map<int, Death> deaths_;    // generation -> how it died
  int restarts_ = 0;
};

// The user function as the pipeline's target: started (or reached) by the Supervisor, gated on
// the services its discovery answer declares, each case run with the scenario DSL.
class FunctionTarget : public Target {
 public:
  explicit FunctionTarget(const RunOptions& options)
      : options_(options),
        timing_(Timing::Scaled(options.time_scale)),
        supervisor_(options, timing_),
        run_id_(RunId()) {}

  void Configure(std::map<std::string, std::string>& configuration) const override {
    configuration["time_scale"] = absl::StrCat(options_.time_scale);
    configuration["jobs"] = absl::StrCat(options_.jobs);
  }

  absl::Status Start(size_t selected, reports::RunResults& results, std::ostream& out) override {
    auto spec = supervisor_.Start();
    results.sut.address = supervisor_.address();
    if (!spec.ok()) {
      return spec.status();
    }
    discovery_ = AnalyzeDiscovery(KitProxyInfo(), *spec);
    const auto& info = discovery_->spec.service_info();
    auto& sut = results.sut;
    sut.service_name = info.service_name();
    sut.service_version = info.service_version();
    sut.service_runtime = info.service_runtime();
    sut.support_library_name = info.support_library_name();
    sut.support_library_version = info.support_library_version();
    sut.protocol_version =
        absl::StrCat(info.protocol_major_version(), ".", info.protocol_minor_version());
    for (const auto& e : discovery_->spec.entities()) {
      sut.declared_services.push_back(e.service_name());
      if (std::find(sut.declared_entity_types.begin(), sut.declared_entity_types.end(),
                    e.entity_type()) == sut.declared_entity_types.end()) {
        sut.declared_entity_types.push_back(e.entity_type());
      }
    }
    out << "cloudstate-tck " << CS_KIT_VERSION << " against " << supervisor_.address() << ": "
        << (sut.support_library_name.empty() ? "(unnamed library)" : sut.support_library_name)
        << " " << sut.support_library_version << ", " << discovery_->spec.entities_size()
        << " entities, protocol " << sut.protocol_version << "; " << selected << " cases, "
        << options_.jobs << " job(s)\n";
    return absl::OkStatus();
  }

  std::string Gate(const CaseSpec& spec) const override { return GateReason(spec, *discovery_); }

  std::optional<TargetDeath> Execute(const CaseSpec& c, size_t index, reports::CaseResult& r,
                                     std::string& note) override {
    Supervisor::Ticket ticket = supervisor_.BeginCase(index);
    note = ticket.note;
    CaseContext ctx(&c, ticket.channel, discovery_.get(), timing_, run_id_);
    if (c.body) {
      c.body(ctx);
    } else {
      ctx.Fail("the case has no body");
    }
    std::optional<TargetDeath> death = supervisor_.EndCase(index, ticket);
    if (death) {
      r.outcome = reports::Outcome::kFailed;
      r.message =
          death->before
              ? absl::StrCat("not run: the function process ", death->what, " before this case")
              : absl::StrCat("the function process ", death->what, " during this case");
      r.details = ctx.failed()
                      ? absl::StrCat("What the case saw: ", ctx.message(), "\n", ctx.Details())
                      : ctx.Details();
    } else {
      r.outcome = ctx.failed() ? reports::Outcome::kFailed : reports::Outcome::kPassed;
      r.message = ctx.message();
      if (ctx.failed()) {
        r.details = ctx.Details();
      }
    }
    return death;
  }

  void Stop(reports::RunResults& results) override {
    supervisor_.Stop();
    if (supervisor_.restarts() > 0) {
      results.configuration["function_restarts"] = absl::StrCat(supervisor_.restarts());
    }
  }

  bool Parallel() const override { return true; }

 private:
  const RunOptions& options_;
  Timing timing_;
  Supervisor supervisor_;
  std::string run_id_;
  std::unique_ptr<DiscoveryInfo> discovery_;
};

}  // namespace

RunOutcome RunSuite(const RunOptions& options, std::ostream& out) {
  FunctionTarget target(options);
  PipelineOptions pipeline{.filters = options.filters,
                           .excludes = options.excludes,
                           .report_dir = options.report_dir,
                           .known_failing_file = options.known_failing_file,
                           .spec_dir = options.spec_dir,
                           .verbose = options.verbose,
                           .color = options.color.value_or(false),
                           .jobs = options.jobs,
                           .global_deadline = std::chrono::milliseconds(static_cast<int64_t>(
                               options.global_deadline_seconds * 1000 * options.time_scale)),
                           .area_summary = true,
                           .configuration = options.configuration};
  return RunPipeline(Suite::kFunction, target, pipeline, out);
}

}  // namespace cloudstate::tck
