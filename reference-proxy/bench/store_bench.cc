// Journal append latency and throughput of the three stores, with one and with eight appending
// threads (each on its own key, one event per append). Items/s of the 8-thread run divided by the
// 1-thread run is the concurrency gain; for PostgreSQL it is the group-commit gain, and the
// "per_batch" counter shows how many appends shared one transaction. The PostgreSQL cases need
// CS_POSTGRES_URL (see ci/postgres.sh) and report an error otherwise.
//
//   build/<dir>/reference-proxy/proxy_store_bench --benchmark_min_time=2

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "benchmark/benchmark.h"

#include "cloudstate/proxy/store.h"
#include "store/postgres_store.h"

namespace cloudstate::proxy {
namespace {

// One store per kind for the whole process; removed (file, schema) at exit.
class BenchStores {
 public:
  ~BenchStores() {
    stores_.clear();
    if (!sqlite_path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(sqlite_path_ + suffix);
      }
    }
    if (!pg_schema_.empty()) {
      (void)ExecutePostgresCommand(pg_url_, "DROP SCHEMA IF EXISTS \"" + pg_schema_ + "\" CASCADE");
    }
  }

  // nullptr with `error` set when the store cannot be opened.
  Store* Get(const std::string& kind, std::string* error) {
    std::lock_guard lock(mu_);
    auto it = stores_.find(kind);
    if (it != stores_.end()) {
      return it->second.get();
    }
    absl::StatusOr<std::unique_ptr<Store>> store = absl::InternalError("unknown kind " + kind);
    if (kind == "memory") {
      store = NewMemoryStore();
    } else if (kind == "sqlite") {
      sqlite_path_ = (std::filesystem::temp_directory_path() /
                      ("cs-store-bench-" + std::to_string(getpid()) + ".db"))
                         .string();
      store = OpenSqliteStore(sqlite_path_);
    } else if (kind == "postgres") {
      const char* url = std::getenv("CS_POSTGRES_URL");
      if (url == nullptr || *url == '\0') {
        *error = "CS_POSTGRES_URL is not set (source ci/postgres.sh && start_postgres)";
        return nullptr;
      }
      pg_url_ = url;
      pg_schema_ = "cs_bench_" + std::to_string(getpid());
      PostgresStoreOptions options;
      options.schema = pg_schema_;
      options.pool_size = 4;
      auto pg = OpenPostgresStore(pg_url_, std::move(options));
      if (pg.ok()) {
        store = std::unique_ptr<Store>(std::move(*pg));
      } else {
        store = pg.status();
      }
    }
    if (!store.ok()) {
      *error = store.status().ToString();
      return nullptr;
    }
    return stores_.emplace(kind, std::move(*store)).first->second.get();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Store>> stores_;
  std::string sqlite_path_;
  std::string pg_url_;
  std::string pg_schema_;
};

BenchStores& Stores() {
  static BenchStores stores;
  return stores;
}

std::atomic<int64_t> run_counter{0};

void BM_AppendOneEvent(benchmark::State& state, const std::string& kind) {
  std::string error;
  Store* store = Stores().Get(kind, &error);
  if (store == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  PostgresStoreStats before;
  auto* pg = dynamic_cast<PostgresStore*>(store);
  if (pg != nullptr && state.thread_index() == 0) {
    before = pg->Stats();
  }
  const std::string key =
      "bench|" + std::to_string(run_counter.fetch_add(1)) + "|" + std::to_string(getpid());
  const std::vector<StoredAny> event = {
      StoredAny{"type.googleapis.com/cs.bench.Event", std::string(200, 'x')}};
  int64_t sequence = 0;
  for (auto _ : state) {
    auto r = store->AppendEvents(key, sequence, event);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    sequence = *r;
  }
  state.SetItemsProcessed(sequence);
  if (pg != nullptr && state.thread_index() == 0) {
    const PostgresStoreStats after = pg->Stats();
    const int64_t batches = after.batches - before.batches;
    // Approximate while other threads still finish their last append; good enough as a ratio.
    state.counters["per_batch"] =
        batches > 0 ? static_cast<double>(after.appends - before.appends) / batches : 0.0;
  }
}

BENCHMARK_CAPTURE(BM_AppendOneEvent, memory, std::string("memory"))
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_AppendOneEvent, sqlite, std::string("sqlite"))
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_AppendOneEvent, postgres, std::string("postgres"))
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime();

}  // namespace
}  // namespace cloudstate::proxy
