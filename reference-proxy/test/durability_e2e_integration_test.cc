// End to end durability (issue "cloudstate-proxy": state survives kill -9 with SQLite and with
// PostgreSQL, with no acknowledged write lost). The reference function and the proxy executable
// run as child processes; client threads write through the proxy's gRPC API (event-sourced TCK
// model, value-entity TCK model, shopping cart) and record every acknowledged write. Crashes are
// triggered by the number of acknowledgements, never by time:
//
//   phase 1: writes, then kill -9 the proxy;     restart it on the same store, read everything
//   phase 2: writes, then kill -9 the function;  restart it on the same port, read everything
//            (the proxy must reconnect and re-activate the entities from the store)
//   phase 3: writes, then kill -9 the proxy;     restart it, read everything
//
// A read checks that every acknowledged write is there, that anything else present is a write
// whose call failed at a crash (at most one per client thread and crash, since a thread stops at
// its first failure), that no write appears twice, and that writes acknowledged before another
// was sent come first in an event journal.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

#include "cloudstate/tck/model/eventsourced.grpc.pb.h"
#include "cloudstate/tck/model/valueentity.grpc.pb.h"
#include "shoppingcart/shoppingcart.grpc.pb.h"

#include "durability_e2e_util.h"
#include <sys/wait.h>

namespace cloudstate::proxy::e2e {
namespace {

namespace es = ::cloudstate::tck::model;
namespace ve = ::cloudstate::tck::model::valueentity;
namespace sc = ::com::example::shoppingcart;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kThreads = 4;
constexpr int kEsEntities = 3;           // shared by all threads: concurrent writers on one journal
constexpr int kVeEntitiesPerThread = 2;  // owned by one thread: the last write wins, known order
constexpr int kCarts = 2;                // shared; each thread adds its own product

enum class Kind { kEs, kVe, kCart };

struct Write {
  Kind kind;
  std::string entity;
  int thread = 0;
  int seq = 0;
  std::string token;  // ES: emitted value; VE: the new value; cart: product id
  bool acked = false;
  int phase = 0;
  Clock::time_point sent;
  Clock::time_point acked_at;
  std::string error;
};

std::string EsToken(int thread, int seq) { return absl::StrCat("t", thread, ".", seq, ";"); }

// The writes, shared by the client threads of every phase.
class Workload {
 public:
  explicit Workload(std::string run_id) : run_id_(std::move(run_id)) {
    for (int k = 0; k < kEsEntities; ++k) {
      es_ids_.push_back(absl::StrCat(run_id_, "-es-", k));
    }
    for (int t = 0; t < kThreads; ++t) {
      for (int k = 0; k < kVeEntitiesPerThread; ++k) {
        ve_ids_.push_back(absl::StrCat(run_id_, "-ve-", t, "-", k));
      }
    }
    for (int k = 0; k < kCarts; ++k) {
      cart_ids_.push_back(absl::StrCat(run_id_, "-cart-", k));
    }
    writes_.resize(kThreads);
  }

  struct PhaseResult {
    int acks = 0;
    bool crash_done = false;
    std::vector<std::string> unexpected;  // failures before the crash, bad replies
  };

  // Runs kThreads writers against `target` until `crash_after` acknowledgements of this phase,
  // then runs `crash` (while the writers keep going), lets every writer stop at its first failure
  // or at the stop flag, and joins them.
  PhaseResult RunPhase(int phase, const std::string& target, int crash_after,
                       const std::function<void()>& crash) {
    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    PhaseResult result;
    std::mutex mu;
    std::condition_variable cv;
    int acks = 0;
    int running = kThreads;
    std::atomic<bool> crashed{false};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto es_stub = es::EventSourcedTckModel::NewStub(channel);
        auto ve_stub = ve::ValueEntityTckModel::NewStub(channel);
        auto cart_stub = sc::ShoppingCart::NewStub(channel);
        std::vector<Write>& mine = writes_[static_cast<size_t>(t)];
        while (!stop) {
          Write w = NextWrite(t, static_cast<int>(mine.size()) + 1);
          w.phase = phase;
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + Scaled(milliseconds(30000)));
          std::string bad_reply;
          w.sent = Clock::now();
          grpc::Status s;
          switch (w.kind) {
            case Kind::kEs: {
              es::Request req;
              req.set_id(w.entity);
              req.add_actions()->mutable_emit()->set_value(w.token);
              es::Response resp;
              s = es_stub->Process(&ctx, req, &resp);
              if (s.ok() && !resp.message().ends_with(w.token)) {
                bad_reply = "ES reply does not end with " + w.token + ": " + resp.message();
              }
              break;
            }
            case Kind::kVe: {
              ve::Request req;
              req.set_id(w.entity);
              req.add_actions()->mutable_update()->set_value(w.token);
              ve::Response resp;
              s = ve_stub->Process(&ctx, req, &resp);
              if (s.ok() && resp.message() != w.token) {
                bad_reply = "VE reply is not " + w.token + ": " + resp.message();
              }
              break;
            }
            case Kind::kCart: {
              sc::AddLineItem add;
              add.set_user_id(w.entity);
              add.set_product_id(w.token);
              add.set_name(w.token);
              add.set_quantity(1);
              google::protobuf::Empty empty;
              s = cart_stub->AddItem(&ctx, add, &empty);
              break;
            }
          }
          w.acked = s.ok();
          w.acked_at = Clock::now();
          if (!s.ok()) {
            w.error = absl::StrCat(static_cast<int>(s.error_code()), " ", s.error_message());
          }
          const bool ok = w.acked;
          const bool before_crash = !crashed;
          std::string failure = ok ? ""
                                   : absl::StrCat("thread ", t, " write ", w.seq, " on ", w.entity,
                                                  " failed: ", w.error);
          mine.push_back(std::move(w));
          std::lock_guard lock(mu);
          if (!bad_reply.empty()) {
            result.unexpected.push_back(bad_reply);
          }
          if (ok) {
            ++acks;
            cv.notify_all();
            continue;
          }
          if (before_crash) {
            result.unexpected.push_back("before the crash: " + failure);
          }
          break;  // the failed write stays ambiguous; this thread is done for the phase
        }
        std::lock_guard lock(mu);
        --running;
        cv.notify_all();
      });
    }
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, Scaled(milliseconds(180000)),
                  [&] { return acks >= crash_after || running == 0; });
      result.acks = acks;
    }
    if (result.acks >= crash_after) {
      crashed = true;
      crash();
      result.crash_done = true;
    }
    stop = true;
    for (auto& th : threads) {
      th.join();
    }
    std::lock_guard lock(mu);
    result.acks = acks;
    return result;
  }

  // Reads every entity once through `target`; empty on success, else the failed read.
  struct State {
    std::map<std::string, std::string> es;                    // id => concatenated emitted values
    std::map<std::string, std::string> ve;                    // id => value
    std::map<std::string, std::map<std::string, int>> carts;  // id => product => quantity
  };
  std::string ReadAll(const std::shared_ptr<grpc::Channel>& channel, State* out) const {
    auto es_stub = es::EventSourcedTckModel::NewStub(channel);
    auto ve_stub = ve::ValueEntityTckModel::NewStub(channel);
    auto cart_stub = sc::ShoppingCart::NewStub(channel);
    auto ctx = [] {
      auto c = std::make_unique<grpc::ClientContext>();
      c->set_deadline(std::chrono::system_clock::now() + Scaled(milliseconds(30000)));
      return c;
    };
    for (const std::string& id : es_ids_) {
      es::Request req;
      req.set_id(id);
      es::Response resp;
      grpc::Status s = es_stub->Process(ctx().get(), req, &resp);
      if (!s.ok()) {
        return absl::StrCat("read ", id, ": ", static_cast<int>(s.error_code()), " ",
                            s.error_message());
      }
      out->es[id] = resp.message();
    }
    for (const std::string& id : ve_ids_) {
      ve::Request req;
      req.set_id(id);
      ve::Response resp;
      grpc::Status s = ve_stub->Process(ctx().get(), req, &resp);
      if (!s.ok()) {
        return absl::StrCat("read ", id, ": ", static_cast<int>(s.error_code()), " ",
                            s.error_message());
      }
      out->ve[id] = resp.message();
    }
    for (const std::string& id : cart_ids_) {
      sc::GetShoppingCart get;
      get.set_user_id(id);
      sc::Cart cart;
      grpc::Status s = cart_stub->GetCart(ctx().get(), get, &cart);
      if (!s.ok()) {
        return absl::StrCat("read ", id, ": ", static_cast<int>(s.error_code()), " ",
                            s.error_message());
      }
      auto& items = out->carts[id];
      for (const auto& item : cart.items()) {
        items[item.product_id()] += item.quantity();
      }
    }
    return "";
  }

  struct CheckResult {
    std::vector<std::string> errors;
    int acked_checked = 0;
    int ambiguous = 0;
    int ambiguous_present = 0;
    std::vector<std::string> ambiguous_writes;  // for the test output
  };

  // Compares what was read with every write so far (all writers joined).
  CheckResult Check(const State& state) const {
    CheckResult r;
    std::map<std::string, std::vector<const Write*>> by_entity;
    for (const auto& mine : writes_) {
      for (const Write& w : mine) {
        by_entity[w.entity].push_back(&w);  // per thread in send order
        if (w.acked) {
          ++r.acked_checked;
        } else {
          ++r.ambiguous;
          r.ambiguous_writes.push_back(absl::StrCat("phase ", w.phase, " thread ", w.thread,
                                                    " write ", w.seq, " ", w.entity, " ", w.token,
                                                    ": ", w.error));
        }
      }
    }

    // Event-sourced: the state is the concatenation of the emitted tokens in journal order.
    for (const std::string& id : es_ids_) {
      const std::string& text = state.es.at(id);
      std::map<std::string, const Write*> known;
      for (const Write* w : by_entity[id]) {
        known[w->token] = w;
      }
      std::vector<const Write*> order;
      std::set<std::string> seen;
      for (absl::string_view piece : absl::StrSplit(text, ';', absl::SkipEmpty())) {
        const std::string token = absl::StrCat(piece, ";");
        auto it = known.find(token);
        if (it == known.end()) {
          r.errors.push_back(absl::StrCat(id, ": unknown event ", token));
          continue;
        }
        if (!seen.insert(token).second) {
          r.errors.push_back(absl::StrCat(id, ": event ", token, " twice"));
          continue;
        }
        if (!it->second->acked) {
          ++r.ambiguous_present;
        }
        order.push_back(it->second);
      }
      for (const Write* w : by_entity[id]) {
        if (w->acked && !seen.contains(w->token)) {
          r.errors.push_back(
              absl::StrCat(id, ": acknowledged event ", w->token, " (phase ", w->phase, ") LOST"));
        }
      }
      // Causality: a write acknowledged before another was sent must come first.
      for (size_t i = 0; i < order.size(); ++i) {
        for (size_t j = i + 1; j < order.size(); ++j) {
          if (order[j]->acked && order[j]->acked_at < order[i]->sent) {
            r.errors.push_back(absl::StrCat(id, ": ", order[j]->token, " was acknowledged before ",
                                            order[i]->token, " was sent but follows it"));
          }
        }
      }
    }

    // Value entities: one writer each, so the value is the last acknowledged write or an
    // ambiguous write sent after it.
    for (const std::string& id : ve_ids_) {
      const std::string& value = state.ve.at(id);
      const auto& ws = by_entity[id];
      int last_acked = -1;
      for (size_t i = 0; i < ws.size(); ++i) {
        if (ws[i]->acked) {
          last_acked = static_cast<int>(i);
        }
      }
      bool allowed =
          last_acked >= 0 ? value == ws[static_cast<size_t>(last_acked)]->token : value.empty();
      for (size_t i = static_cast<size_t>(last_acked + 1); i < ws.size() && !allowed; ++i) {
        if (value == ws[i]->token) {
          allowed = true;
          ++r.ambiguous_present;
        }
      }
      if (!allowed) {
        r.errors.push_back(absl::StrCat(
            id, ": value '", value, "' but the last acknowledged write is '",
            last_acked >= 0 ? ws[static_cast<size_t>(last_acked)]->token : std::string("<none>"),
            "'", last_acked >= 0 ? " -> acknowledged value LOST" : ""));
      }
    }

    // Carts: each thread adds one unit of its own product per write.
    for (const std::string& id : cart_ids_) {
      std::map<std::string, std::pair<int, int>> counts;  // product => (acked, ambiguous)
      for (const Write* w : by_entity[id]) {
        (w->acked ? counts[w->token].first : counts[w->token].second)++;
      }
      const auto& items = state.carts.at(id);
      for (const auto& [product, quantity] : items) {
        if (!counts.contains(product)) {
          r.errors.push_back(absl::StrCat(id, ": unknown product ", product));
        }
      }
      for (const auto& [product, c] : counts) {
        auto it = items.find(product);
        const int q = it == items.end() ? 0 : it->second;
        if (q < c.first) {
          r.errors.push_back(absl::StrCat(id, ": ", product, " quantity ", q, " but ", c.first,
                                          " acknowledged adds -> acknowledged add LOST"));
        } else if (q > c.first + c.second) {
          r.errors.push_back(absl::StrCat(id, ": ", product, " quantity ", q, " exceeds ", c.first,
                                          " acknowledged + ", c.second, " failed adds"));
        } else {
          r.ambiguous_present += q - c.first;
        }
      }
    }
    return r;
  }

 private:
  // Thread t's seq-th write (1-based): cycles through the three entity kinds.
  Write NextWrite(int t, int seq) const {
    Write w;
    w.thread = t;
    w.seq = seq;
    const int round = seq / 3;
    switch (seq % 3) {
      case 0:
        w.kind = Kind::kEs;
        w.entity = es_ids_[static_cast<size_t>((round + t) % kEsEntities)];
        w.token = EsToken(t, seq);
        break;
      case 1:
        w.kind = Kind::kVe;
        w.entity =
            ve_ids_[static_cast<size_t>(t * kVeEntitiesPerThread + round % kVeEntitiesPerThread)];
        w.token = absl::StrCat("t", t, ".", seq);
        break;
      default:
        w.kind = Kind::kCart;
        w.entity = cart_ids_[static_cast<size_t>((round + t) % kCarts)];
        w.token = absl::StrCat("p", t);
        break;
    }
    return w;
  }

  std::string run_id_;
  std::vector<std::string> es_ids_;
  std::vector<std::string> ve_ids_;
  std::vector<std::string> cart_ids_;
  std::vector<std::vector<Write>> writes_;  // per thread, in send order
};

class DurabilityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    log_path_ = (std::filesystem::temp_directory_path() /
                 absl::StrCat("cs-durability-e2e-", getpid(), "-", info->name(), ".log"))
                    .string();
    std::filesystem::remove(log_path_);
    run_id_ =
        absl::StrCat("dur", getpid(), "x", Clock::now().time_since_epoch().count() % 1000000007);
  }
  void TearDown() override {
    if (!HasFailure()) {
      std::filesystem::remove(log_path_);  // kept as evidence only when something failed
    }
  }

  std::string StartFunction(ChildProcess* f, int port) {
    std::string err = f->Start(
        {CS_REFERENCE_FUNCTION_BINARY, "--host", "127.0.0.1", "--port", std::to_string(port)},
        log_path_, "function");
    if (!err.empty()) {
      return err;
    }
    auto m =
        f->WaitForLine(std::regex("listening on [0-9.]+:([0-9]+)"), Scaled(milliseconds(60000)));
    if (!m.has_value()) {
      return "the function did not report its port; log " + log_path_;
    }
    function_port_ = std::stoi((*m)[1].str());
    return "";
  }

  // Starts a proxy on `store`; returns its gRPC target or an error in *error.
  std::string StartProxy(ChildProcess* p, const std::string& store, std::string* error) {
    *error =
        p->Start({CS_PROXY_BINARY, "--user-function", absl::StrCat("127.0.0.1:", function_port_),
                  "--bind", "127.0.0.1", "--http-port", "0", "--store", store, "--shutdown-timeout",
                  "5s", "--discovery-max-attempts", "0"},
                 log_path_, "proxy on " + store);
    if (!error->empty()) {
      return "";
    }
    auto m = p->WaitForLine(std::regex("cloudstate-proxy listening grpc=([0-9]+) http="),
                            Scaled(milliseconds(60000)));
    if (!m.has_value()) {
      *error = "the proxy did not report its port; log " + log_path_;
      return "";
    }
    return absl::StrCat("127.0.0.1:", (*m)[1].str());
  }

  // Reads everything (retrying while the proxy reconnects to a restarted function, bounded by a
  // generous deadline) and checks it against the writes so far.
  void Verify(Workload& w, const std::string& target, const std::string& when, bool allow_retries,
              bool print_ambiguous = false) {
    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    Workload::State state;
    std::string failure;
    int attempts = 0;
    const auto deadline = Clock::now() + Scaled(milliseconds(60000));
    milliseconds backoff(20);
    while (true) {
      ++attempts;
      state = {};
      failure = w.ReadAll(channel, &state);
      if (failure.empty() || !allow_retries || Clock::now() > deadline) {
        break;
      }
      // Polling an outcome (the proxy's channel to the function reconnects with its own backoff),
      // not sleeping in place of an event.
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, milliseconds(500));
    }
    ASSERT_TRUE(failure.empty()) << when << ": " << failure << " (after " << attempts
                                 << " attempts); log " << log_path_;
    Workload::CheckResult r = w.Check(state);
    std::string errors;
    for (size_t i = 0; i < r.errors.size() && i < 50; ++i) {
      errors += r.errors[i] + "\n";
    }
    EXPECT_TRUE(r.errors.empty()) << when << ": " << r.errors.size() << " problems\n"
                                  << errors << "log " << log_path_;
    std::printf(
        "[durability] %s: %d acknowledged writes checked, %d failed at a crash "
        "(%d of them applied), %d read attempts\n",
        when.c_str(), r.acked_checked, r.ambiguous, r.ambiguous_present, attempts);
    if (print_ambiguous) {
      for (const std::string& a : r.ambiguous_writes) {
        std::printf("[durability]   failed at a crash: %s\n", a.c_str());
      }
    }
    std::fflush(stdout);
  }

  void ExpectPhase(const Workload::PhaseResult& r, const std::string& what, int crash_after) {
    EXPECT_TRUE(r.crash_done) << what << ": only " << r.acks << " of " << crash_after
                              << " acknowledgements before the writers stopped; log " << log_path_;
    std::string unexpected;
    for (const std::string& u : r.unexpected) {
      unexpected += u + "\n";
    }
    EXPECT_TRUE(r.unexpected.empty()) << what << ":\n" << unexpected << "log " << log_path_;
    std::printf("[durability] %s: %d acknowledgements in the phase\n", what.c_str(), r.acks);
    std::fflush(stdout);
  }

  void RunScenario(const std::string& store) {
    std::printf("[durability] store %s, entity ids %s-*, log %s\n", store.c_str(), run_id_.c_str(),
                log_path_.c_str());
    Workload w(run_id_);
    auto function = std::make_unique<ChildProcess>();
    ASSERT_EQ(StartFunction(function.get(), 0), "");
    std::string error;

    // Phase 1: kill -9 the proxy.
    auto proxy = std::make_unique<ChildProcess>();
    std::string target = StartProxy(proxy.get(), store, &error);
    ASSERT_EQ(error, "");
    constexpr int kPhase1 = 240;
    auto r1 = w.RunPhase(1, target, kPhase1, [&] { proxy->Kill(SIGKILL); });
    ExpectPhase(r1, "phase 1 (kill -9 proxy)", kPhase1);
    ASSERT_TRUE(r1.crash_done);

    proxy = std::make_unique<ChildProcess>();
    target = StartProxy(proxy.get(), store, &error);
    ASSERT_EQ(error, "");
    Verify(w, target, "after proxy kill -9 #1", /*allow_retries=*/false);
    if (HasFatalFailure()) {
      return;
    }

    // Phase 2: kill -9 the function; the proxy has to reconnect once it is back on its port.
    constexpr int kPhase2 = 120;
    auto r2 = w.RunPhase(2, target, kPhase2, [&] { function->Kill(SIGKILL); });
    ExpectPhase(r2, "phase 2 (kill -9 function)", kPhase2);
    ASSERT_TRUE(r2.crash_done);
    function = std::make_unique<ChildProcess>();
    ASSERT_EQ(StartFunction(function.get(), function_port_), "");
    Verify(w, target, "after function kill -9", /*allow_retries=*/true);
    if (HasFatalFailure()) {
      return;
    }

    // Phase 3: the recovered proxy takes writes again, then kill -9 it once more.
    constexpr int kPhase3 = 240;
    auto r3 = w.RunPhase(3, target, kPhase3, [&] { proxy->Kill(SIGKILL); });
    ExpectPhase(r3, "phase 3 (kill -9 proxy)", kPhase3);
    ASSERT_TRUE(r3.crash_done);
    proxy = std::make_unique<ChildProcess>();
    target = StartProxy(proxy.get(), store, &error);
    ASSERT_EQ(error, "");
    Verify(w, target, "after proxy kill -9 #2 (final)", /*allow_retries=*/false,
           /*print_ambiguous=*/true);

    proxy->Kill(SIGTERM);
    function->Kill(SIGTERM);
  }

  std::string log_path_;
  std::string run_id_;
  int function_port_ = 0;
};

TEST_F(DurabilityE2eTest, SqliteSurvivesKill9OfProxyAndFunction) {
  const std::string db =
      (std::filesystem::temp_directory_path() / absl::StrCat("cs-durability-e2e-", getpid(), ".db"))
          .string();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db + suffix);
  }
  RunScenario("sqlite:" + db);
  if (!HasFailure()) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db + suffix);
    }
  }
}

TEST_F(DurabilityE2eTest, PostgresSurvivesKill9OfProxyAndFunction) {
  const char* url = std::getenv("CS_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    GTEST_SKIP() << "CS_POSTGRES_URL is not set; start a server with "
                    "`source ci/postgres.sh && start_postgres` to run this case";
  }
  RunScenario(url);
}

}  // namespace
}  // namespace cloudstate::proxy::e2e
