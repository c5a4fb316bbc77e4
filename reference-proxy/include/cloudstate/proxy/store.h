#pragma once
// Durable state of the reference proxy: the event journal and snapshots of event-sourced entities
// and the current value of value entities.
//
// Threading contract (read this before implementing a store):
// * Every method is synchronous and may block (disk, network). The proxy never calls a store on a
//   gRPC thread or on an entity executor: it runs store calls on a dedicated thread pool
//   (`--store-threads`) and posts the result back to the entity. A store may therefore use
//   blocking client libraries (SQLite, libpq) directly.
// * A store must be safe to call from several threads at once. The proxy guarantees that calls for
//   one persistence key never overlap (an entity issues one store call at a time), so a store only
//   needs isolation between different keys; it still must reject a stale writer (see
//   AppendEvents) because a key can be written by a restarted entity or another proxy process.
// * Methods return absl::Status; they never throw and never abort on bad data.
//
// Keys (chosen by the proxy, opaque to the store; see §7.5 of the protocol fact sheet):
// * event-sourced: persistence key "<persistence_id>|<entity_id>";
// * value entities: (persistence_id + entity_id concatenated, entity_id), like the Akka proxy.
//
//   CS_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore("sqlite:/tmp/cs.db"));
//   CS_ASSIGN_OR_RETURN(int64_t last, store->AppendEvents("cart|c1", 0, {event}));

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cloudstate::proxy {

// A google.protobuf.Any kept as its two fields, so stores need no protobuf dependency.
struct StoredAny {
  std::string type_url;
  std::string value;  // the Any's bytes, stored verbatim

  friend bool operator==(const StoredAny&, const StoredAny&) = default;
};

// One journal entry. Sequence numbers are per persistence key, start at 1 and have no gaps.
struct StoredEvent {
  int64_t sequence = 0;
  StoredAny payload;

  friend bool operator==(const StoredEvent&, const StoredEvent&) = default;
};

// A snapshot taken after the event with this sequence number was applied.
struct StoredSnapshot {
  int64_t sequence = 0;
  StoredAny payload;

  friend bool operator==(const StoredSnapshot&, const StoredSnapshot&) = default;
};

// One journal entry as the event log of its persistence id sees it (eventing, F-21).
struct EventLogEntry {
  int64_t offset = 0;  // the store's global journal order; see Store::ReadEventLog
  std::string entity_id;
  int64_t sequence = 0;  // the entity's own sequence number
  StoredAny payload;

  friend bool operator==(const EventLogEntry&, const EventLogEntry&) = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // Short name for logs and /metrics: "memory", "sqlite", "postgres".
  virtual std::string_view Kind() const = 0;

  // ---- Journal (event-sourced entities) ----

  // Appends `events` atomically (all or none) with sequence numbers expected_sequence + 1, ...
  // `expected_sequence` is the highest sequence number the caller believes is stored (0 for a new
  // key). Returns the new highest sequence number. If the stored highest sequence differs, nothing
  // is written and the status is FailedPrecondition (a concurrent or stale writer). Appending an
  // empty list only checks the expectation. The write is durable when OK is returned.
  virtual absl::StatusOr<int64_t> AppendEvents(std::string_view persistence_key,
                                               int64_t expected_sequence,
                                               const std::vector<StoredAny>& events) = 0;

  // Events with sequence >= from_sequence in ascending order, at most `max_count` of them
  // (max_count <= 0 means no limit). Unknown key => empty list.
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view persistence_key,
                                                              int64_t from_sequence,
                                                              int64_t max_count) = 0;

  // Highest stored sequence number of the key, 0 when it has no events.
  virtual absl::StatusOr<int64_t> HighestSequence(std::string_view persistence_key) = 0;

  // ---- Snapshots (event-sourced entities); only the latest one is kept ----

  // Replaces the key's snapshot if `snapshot.sequence` is >= the stored one's.
  virtual absl::Status SaveSnapshot(std::string_view persistence_key,
                                    const StoredSnapshot& snapshot) = 0;
  // The latest snapshot, nullopt if none.
  virtual absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(
      std::string_view persistence_key) = 0;

  // ---- Value entities ----

  // The current value, nullopt if never written or deleted.
  virtual absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view persistent_id,
                                                             std::string_view entity_id) = 0;
  // Inserts or replaces the value; durable when OK is returned.
  virtual absl::Status UpsertValue(std::string_view persistent_id, std::string_view entity_id,
                                   const StoredAny& value) = 0;
  // Removes the value; deleting a missing value is OK.
  virtual absl::Status DeleteValue(std::string_view persistent_id, std::string_view entity_id) = 0;

  // ---- Event log and eventing offsets (event-log eventing, F-21) ----
  //
  // The event log of a persistence id is every journal entry whose key starts with
  // "<persistence_id>|" (the entity id is the rest of the key), in one global order: each
  // appended event gets an offset greater than every offset before it. The store must hand out
  // the offsets of one persistence id in commit order, so that a reader resuming after the last
  // offset it saw never misses an event committed later with a smaller offset.

  // Entries of the persistence id with offset > after_offset, ascending, at most max_count
  // (max_count <= 0 means no limit).
  virtual absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view persistence_id,
                                                                  int64_t after_offset,
                                                                  int64_t max_count) = 0;
  // The offset a consumer saved last (0 when it never saved one).
  virtual absl::StatusOr<int64_t> LoadEventingOffset(std::string_view consumer_id) = 0;
  // Saves the consumer's offset; durable when OK is returned.
  virtual absl::Status SaveEventingOffset(std::string_view consumer_id, int64_t offset) = 0;

  // ---- Operations ----

  // OK when the store can serve requests (used by /ready). Default: always ready.
  virtual absl::Status CheckReady() { return absl::OkStatus(); }
};

// Opens a store from a URL:
//   "memory"                    in-process maps, lost on exit;
//   "sqlite:PATH"               one SQLite file (WAL mode, schema created on open);
//   "postgres://..." / "postgresql://..."  libpq connection URI (OpenPostgresStore).
// Anything else is InvalidArgument.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url);

// The individual stores (also used directly by tests).
std::unique_ptr<Store> NewMemoryStore();
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace cloudstate::proxy
