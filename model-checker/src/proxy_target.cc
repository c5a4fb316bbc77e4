#include "cloudstate/model_checker/proxy_target.h"

#include <algorithm>
#include <array>
#include <barrier>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/tck/model/valueentity.grpc.pb.h"

#include "cloudstate/model_checker/cli.h"
#include "cloudstate/model_checker/html.h"
#include "cloudstate/model_checker/linearizability.h"
#include "cloudstate/model_checker/nemesis.h"
#include "cloudstate/model_checker/report.h"

namespace cloudstate::model_checker {
namespace {

namespace tckve = cloudstate::tck::model::valueentity;

// One client's commands: 0 to 3 update/delete actions on one of the entities. Written values are
// unique, which makes every read-back attributable to one write.
// The quiet-period nemesis: every `quiet_every` commands, the clients meet and stay silent for
// `quiet_ms`, so that a proxy passivates its idle entities and reloads them from its store for the
// next command (the commands after a quiet period check what was persisted).
struct QuietPeriod {
  int ms;
  void operator()() noexcept { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
};
using QuietBarrier = std::barrier<QuietPeriod>;

void RunClient(int client, uint64_t seed, int operations, const ProxyTargetOptions& options,
               const std::string& run_id, tckve::ValueEntityTckModel::Stub& stub,
               std::chrono::steady_clock::time_point start, QuietBarrier* quiet,
               std::vector<Operation>* out) {
  std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(client));
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto now_ns = [&] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
  };
  for (int n = 0; n < operations; ++n) {
    if (quiet != nullptr && n > 0 && n % options.quiet_every == 0) {
      quiet->arrive_and_wait();  // the last to arrive runs the quiet period, then all go on
    }
    const int entity = uniform(0, options.entities - 1);
    tckve::Request request;
    request.set_id(absl::StrCat(run_id, "-e", entity));
    nlohmann::json actions = nlohmann::json::array();
    const int count = std::array<int, 6>{0, 0, 1, 1, 2, 3}[uniform(0, 5)];
    for (int a = 0; a < count; ++a) {
      if (uniform(0, 4) == 0) {
        request.add_actions()->mutable_delete_();
        actions.push_back({{"delete", true}});
      } else {
        std::string value = absl::StrCat("c", client, ".", n, ".", a);
        request.add_actions()->mutable_update()->set_value(value);
        actions.push_back({{"update", value}});
      }
    }
    grpc::ClientContext context;
    // Under a nemesis a call waits for the connection to come back instead of failing at once;
    // one already sent when a connection breaks still fails (its outcome is unknown).
    context.set_wait_for_ready(options.nemeses.size() > 0);
    context.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000)));
    tckve::Response response;
    Operation op;
    op.process = absl::StrCat("c", client);
    op.entity = absl::StrCat("e", entity);
    op.f = "process";
    op.input = std::move(actions);
    op.call = now_ns();
    const grpc::Status status = stub.Process(&context, request, &response);
    const int64_t ret = now_ns();
    if (status.ok()) {
      op.ret = std::max(ret, op.call);
      op.output = response.message();
      op.status = OpStatus::kOk;
    } else {
      // The command may or may not have taken effect (e.g. a deadline after it was persisted).
      op.status = OpStatus::kInfo;
      op.ret = kNeverReturned;
      op.output = nullptr;
    }
    const bool failed = !status.ok();
    out->push_back(std::move(op));
    if (failed && !options.nemeses.empty()) {
      // Every failed call adds an operation of unknown outcome, and each of those multiplies the
      // linearizability search; a client that retried at once while a fault lasts would add
      // thousands. It waits out a fault's length instead, as a careful client would.
      std::this_thread::sleep_for(std::chrono::milliseconds(options.nemesis_ms));
    }
  }
  if (quiet != nullptr) {
    quiet->arrive_and_drop();  // the others no longer wait for this client
  }
}

}  // namespace

absl::StatusOr<History> RecordProxyHistory(const ProxyTargetOptions& options, uint64_t seed,
                                           const std::string& address, Nemesis* nemesis,
                                           std::chrono::steady_clock::time_point start) {
  if (options.clients < 1 || options.entities < 1 || options.operations < 0) {
    return absl::InvalidArgumentError("clients and entities must be >= 1, operations >= 0");
  }
  grpc::ChannelArguments args;
  if (nemesis != nullptr) {
    // Connections are reset on purpose: reconnect at once rather than after gRPC's 1 s back-off.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  }
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(
          std::chrono::system_clock::now() +
          std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000)))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the proxy at ", address));
  }
  std::string run_id = options.run_id;
  if (run_id.empty()) {
    std::random_device device;
    run_id = absl::StrFormat("mc%08x", device());
  }
  auto stub = tckve::ValueEntityTckModel::NewStub(channel);
  if (nemesis != nullptr) {
    nemesis->Start();
  }
  std::vector<std::vector<Operation>> per_client(options.clients);
  std::vector<std::thread> threads;
  std::unique_ptr<QuietBarrier> quiet;
  if (options.quiet_every > 0) {
    quiet = std::make_unique<QuietBarrier>(options.clients, QuietPeriod{options.quiet_ms});
  }
  for (int c = 0; c < options.clients; ++c) {
    const int share =
        options.operations / options.clients + (c < options.operations % options.clients);
    threads.emplace_back(RunClient, c, seed, share, std::cref(options), std::cref(run_id),
                         std::ref(*stub), start, quiet.get(), &per_client[c]);
  }
  for (auto& t : threads) {
    t.join();
  }
  History history;
  history.model = "value-entity";
  if (nemesis != nullptr) {
    history.faults = nemesis->Stop();
  }
  for (auto& ops : per_client) {
    for (auto& op : ops) {
      history.AddOperation(std::move(op));
    }
  }
  return history;
}

int RunProxyTarget(const ProxyTargetOptions& options) {
  const uint64_t seed = options.seed.value_or(std::random_device{}() * uint64_t{0x100000001});
  std::cout << "proxy target: ValueEntityTckModel through "
            << (options.proxy.empty() ? std::string("the proxy it starts") : options.proxy)
            << ", seed " << seed << ", " << options.clients << " clients, " << options.entities
            << " entities, " << options.operations << " commands\n";
  const auto start = std::chrono::steady_clock::now();
  SystemOptions system{.function_command = options.function_command,
                       .proxy_command = options.proxy_command,
                       .proxy_address = options.proxy,
                       .relay_clients = std::any_of(options.nemeses.begin(), options.nemeses.end(),
                                                    [](const std::string& kind) {
                                                      return absl::EndsWith(kind, "-clients");
                                                    }),
                       .log_dir = options.log_dir,
                       .run_id = absl::StrCat("mc-", seed % 1000000),
                       .ready_timeout_seconds = options.timeout_seconds * 2,
                       .seed = seed};
  if (absl::Status valid = ValidateNemeses(options.nemeses, system); !valid.ok()) {
    std::cout << "error: " << valid.message() << "\n";
    return kExitError;
  }
  SystemUnderTest sut;
  if (absl::Status started = sut.Start(system); !started.ok()) {
    std::cout << "error: " << started.message() << "\n";
    return kExitError;
  }
  if (sut.owns_proxy()) {
    std::cout << "started the proxy at " << sut.proxy_address() << " (log " << sut.log_path("proxy")
              << ")\n";
  }
  std::unique_ptr<Nemesis> nemesis;
  if (!options.nemeses.empty()) {
    nemesis = std::make_unique<Nemesis>(
        sut,
        NemesisOptions{.kinds = options.nemeses,
                       .every = std::chrono::milliseconds(options.nemesis_every_ms),
                       .length = std::chrono::milliseconds(options.nemesis_ms)},
        seed, [start] {
          return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count());
        });
    std::cout << "nemeses: " << absl::StrJoin(options.nemeses, ", ") << " every "
              << options.nemesis_every_ms << " ms for " << options.nemesis_ms << " ms\n";
  }
  auto history = RecordProxyHistory(options, seed, sut.client_address(), nemesis.get(), start);
  if (!history.ok()) {
    std::cout << "error: " << history.status().message() << "\n";
    return kExitError;
  }
  if (nemesis != nullptr) {
    std::cout << "injected " << history->faults.size() << " faults\n";
    for (const std::string& error : nemesis->errors()) {
      std::cout << "nemesis error: " << error << "\n";
    }
  }
  int unknown = 0;
  for (const Operation& op : history->operations) {
    unknown += op.status == OpStatus::kInfo;
  }
  std::cout << "recorded " << history->operations.size() << " commands (" << unknown
            << " with an unknown outcome: a gRPC error)\n";
  if (!options.history_out.empty()) {
    absl::Status s = WriteTextFile(options.history_out, HistoryToJson(*history).dump(1) + "\n");
    if (!s.ok()) {
      std::cout << "error: " << s.message() << "\n";
      return kExitError;
    }
    std::cout << "history: " << options.history_out << "\n";
  }
  auto result = CheckHistory(*history);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    std::cout << "error: " << result.status().message() << "\n";
    return kExitError;
  }
  std::cout << DescribeResult(*history, *result);
  if (!options.html.empty()) {
    absl::Status s = WriteTextFile(options.html, RenderHistoryHtml(*history, *result));
    if (!s.ok()) {
      std::cout << "error: " << s.message() << "\n";
      return kExitError;
    }
    std::cout << "timeline: " << options.html << "\n";
  }
  if (!options.reports_dir.empty()) {
    reports::RunResults run = CheckRunResults(*history, *result, seconds);
    run.configuration["seed"] = absl::StrCat(seed);
    run.replay.seed = seed;
    run.configuration["proxy"] = options.proxy;
    run.sut.address = options.proxy;
    absl::Status s = WriteCiReports(run, options.reports_dir);
    if (!s.ok()) {
      std::cout << "error: " << s.message() << "\n";
      return kExitError;
    }
  }
  if (result->verdict != Verdict::kLinearizable) {
    std::cout << "seed: " << seed << " (the commands; the interleaving was the system's)\n";
    if (!options.history_out.empty()) {
      std::cout << "re-check: cloudstate-model-checker check " << options.history_out << "\n";
    }
  }
  switch (result->verdict) {
    case Verdict::kLinearizable:
      return kExitOk;
    case Verdict::kNotLinearizable:
      return kExitViolation;
    case Verdict::kUnknown:
      return kExitUnknown;
  }
  return kExitError;
}

}  // namespace cloudstate::model_checker
