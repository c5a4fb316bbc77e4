#pragma once
// PostgreSQL store (libpq). See reference-proxy/STORES.md for the schema, group commit and the
// durability guarantees.
//
//   CS_ASSIGN_OR_RETURN(auto store, OpenPostgresStore("postgresql://cs@127.0.0.1:5432/cs"));
//
// OpenStore("postgres://...") calls the one-argument form; tests and benchmarks use the options
// to get a private schema, a pool size of their choice and the group-commit hooks.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy {

struct PostgresStoreOptions {
  // Schema holding the three tables; created when missing. Empty: the connection's default
  // (normally "public").
  std::string schema;
  // Connections kept open. One of them at a time writes a group-commit batch; the others serve
  // reads, snapshots and values.
  int pool_size = 4;
  // Upper bounds of one group-commit batch (appends, and bytes of event payloads). A batch always
  // takes at least one append, however big.
  size_t max_batch_appends = 512;
  size_t max_batch_bytes = size_t{16} << 20;
  // Test hooks, called without any store lock held. `on_queued` gets the queue length right after
  // an append joined the queue; `before_batch` runs in the leader right before it takes the queue.
  std::function<void(size_t queued)> on_queued_for_test;
  std::function<void()> before_batch_for_test;
};

// Counters of the group commit (monotonic, since the store was opened).
struct PostgresStoreStats {
  int64_t appends = 0;        // AppendEvents calls that went through a batch
  int64_t batches = 0;        // transactions written by a leader
  int64_t largest_batch = 0;  // most appends in one transaction
  int64_t reconnects = 0;     // connections (re)opened after the first one
};

class PostgresStore : public Store {
 public:
  ~PostgresStore() override = default;
  virtual PostgresStoreStats Stats() const = 0;
};

// Opens the store at a libpq URI ("postgres://user:pw@host:5432/db"), creating the schema.
// Unreachable server => Unavailable.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url);
absl::StatusOr<std::unique_ptr<PostgresStore>> OpenPostgresStore(std::string_view url,
                                                                 PostgresStoreOptions options);

// Runs one SQL command (no parameters, result discarded) on a fresh connection. For tests and
// operators: dropping a test schema, terminating backends.
absl::Status ExecutePostgresCommand(std::string_view url, const std::string& sql);

}  // namespace cloudstate::proxy
