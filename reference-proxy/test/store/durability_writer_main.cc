// Child process of the store durability test: appends events and upserts values through a store as
// fast as it can, from several threads, and prints "ACK <thread> <sequence>" (flushed) after both
// the append of event <sequence> and the upsert of value <sequence> returned OK. The test kills it
// with SIGKILL somewhere in that stream and checks every acknowledged write survived.
//
//   proxy_store_durability_writer STORE_URL SCHEMA|- KEY_PREFIX THREADS MAX_PER_THREAD

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cloudstate/proxy/store.h"
#include "store/durability_payload.h"
#include "store/postgres_store.h"

int main(int argc, char** argv) {
  using namespace cloudstate::proxy;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s STORE_URL SCHEMA|- KEY_PREFIX THREADS MAX_PER_THREAD\n",
                 argv[0]);
    return 64;
  }
  const std::string url = argv[1];
  const std::string schema = argv[2];
  const std::string prefix = argv[3];
  const int threads = std::atoi(argv[4]);
  const int64_t max_per_thread = std::atoll(argv[5]);

  std::unique_ptr<Store> store;
  if (schema != "-") {
    PostgresStoreOptions options;
    options.schema = schema;
    options.pool_size = threads + 1;
    auto opened = OpenPostgresStore(url, std::move(options));
    if (!opened.ok()) {
      std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
      return 2;
    }
    store = std::move(*opened);
  } else {
    auto opened = OpenStore(url);
    if (!opened.ok()) {
      std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
      return 2;
    }
    store = std::move(*opened);
  }
  std::printf("READY\n");
  std::fflush(stdout);

  std::mutex out_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string key = testing::DurabilityKey(prefix, t);
      for (int64_t seq = 1; seq <= max_per_thread; ++seq) {
        auto appended = store->AppendEvents(key, seq - 1, {testing::DurabilityEvent(t, seq)});
        absl::Status status = appended.status();
        if (status.ok()) {
          status = store->UpsertValue(prefix, std::to_string(t), testing::DurabilityValue(seq));
        }
        std::lock_guard lock(out_mu);
        if (!status.ok()) {
          std::fprintf(stderr, "thread %d sequence %lld: %s\n", t, static_cast<long long>(seq),
                       status.ToString().c_str());
          std::exit(3);
        }
        std::printf("ACK %d %lld\n", t, static_cast<long long>(seq));
        std::fflush(stdout);
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  return 0;
}
