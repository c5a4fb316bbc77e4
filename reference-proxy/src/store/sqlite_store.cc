// SQLite store: one database file, WAL journal mode with synchronous=FULL so that a commit is on
// disk when it returns. One connection guarded by a mutex: SQLite serialises writers anyway, and
// the proxy calls the store from a small pool, so contention is not the bottleneck.

#include <algorithm>
#include <mutex>
#include <string>

#include <sqlite3.h>

#include "cloudstate/common/status_macros.h"
#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS journal (
  persistence_key TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  type_url TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (persistence_key, sequence)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  persistence_key TEXT PRIMARY KEY NOT NULL,
  sequence INTEGER NOT NULL,
  type_url TEXT NOT NULL,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS value_entity_state (
  persistent_id TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  type_url TEXT NOT NULL,
  state BLOB NOT NULL,
  PRIMARY KEY (persistent_id, entity_id)
) WITHOUT ROWID;
-- The event log (eventing): one row per journal entry, numbered in commit order (writers are
-- serialised by BEGIN IMMEDIATE), grouped by persistence id.
CREATE TABLE IF NOT EXISTS event_log (
  ordering INTEGER PRIMARY KEY AUTOINCREMENT,
  persistence_id TEXT NOT NULL,
  persistence_key TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  UNIQUE (persistence_key, sequence)
);
CREATE INDEX IF NOT EXISTS event_log_by_id ON event_log (persistence_id, ordering);
CREATE TABLE IF NOT EXISTS eventing_offsets (
  consumer_id TEXT PRIMARY KEY NOT NULL,
  stored_offset INTEGER NOT NULL
) WITHOUT ROWID;
-- Journals written before the event log existed join it in key order.
INSERT INTO event_log (persistence_id, persistence_key, sequence)
  SELECT substr(j.persistence_key, 1, instr(j.persistence_key, '|') - 1), j.persistence_key,
         j.sequence
  FROM journal j
  WHERE instr(j.persistence_key, '|') > 0 AND NOT EXISTS (
    SELECT 1 FROM event_log e WHERE e.persistence_key = j.persistence_key
                                AND e.sequence = j.sequence)
  ORDER BY j.persistence_key, j.sequence;
)sql";

// RAII prepared statement.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  absl::Status Prepared() const {
    return rc_ == SQLITE_OK
               ? absl::OkStatus()
               : absl::InternalError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  }
  void Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, std::string_view blob) {
    // An empty blob must still be non-NULL (the column is NOT NULL).
    static const char kEmpty = 0;
    sqlite3_bind_blob(stmt_, i, blob.empty() ? &kEmpty : blob.data(), static_cast<int>(blob.size()),
                      SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  // SQLITE_ROW => true, SQLITE_DONE => false, else error.
  absl::StatusOr<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return absl::UnavailableError(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, col));
  }
  std::string Blob(int col) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  std::string_view Kind() const override { return "sqlite"; }

  absl::Status Init() {
    CS_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL;"));
    CS_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL;"));
    CS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON;"));
    sqlite3_busy_timeout(db_, 10000);
    return Exec(kSchema);
  }

  absl::StatusOr<int64_t> AppendEvents(std::string_view persistence_key, int64_t expected_sequence,
                                       const std::vector<StoredAny>& events) override {
    std::lock_guard lock(mu_);
    CS_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
    absl::StatusOr<int64_t> result = AppendLocked(persistence_key, expected_sequence, events);
    if (!result.ok()) {
      (void)Exec("ROLLBACK;");
      return result;
    }
    absl::Status commit = Exec("COMMIT;");
    if (!commit.ok()) {
      (void)Exec("ROLLBACK;");
      return commit;
    }
    return result;
  }

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view persistence_key,
                                                      int64_t from_sequence,
                                                      int64_t max_count) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT sequence, type_url, value FROM journal WHERE persistence_key = ?1 AND "
           "sequence >= ?2 ORDER BY sequence LIMIT ?3;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistence_key);
    s.Bind(2, from_sequence);
    s.Bind(3, max_count > 0 ? max_count : int64_t{-1});
    std::vector<StoredEvent> out;
    while (true) {
      CS_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) {
        break;
      }
      out.push_back(StoredEvent{s.Int(0), StoredAny{s.Text(1), s.Blob(2)}});
    }
    return out;
  }

  absl::StatusOr<int64_t> HighestSequence(std::string_view persistence_key) override {
    std::lock_guard lock(mu_);
    return HighestLocked(persistence_key);
  }

  absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view persistence_id,
                                                          int64_t after_offset,
                                                          int64_t max_count) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT e.ordering, e.persistence_key, e.sequence, j.type_url, j.value FROM event_log e "
           "JOIN journal j ON j.persistence_key = e.persistence_key AND j.sequence = e.sequence "
           "WHERE e.persistence_id = ?1 AND e.ordering > ?2 ORDER BY e.ordering LIMIT ?3;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistence_id);
    s.Bind(2, after_offset);
    s.Bind(3, max_count > 0 ? max_count : int64_t{-1});
    std::vector<EventLogEntry> out;
    while (true) {
      CS_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) {
        break;
      }
      std::string key = s.Text(1);
      out.push_back(EventLogEntry{s.Int(0),
                                  key.substr(std::min(key.size(), persistence_id.size() + 1)),
                                  s.Int(2), StoredAny{s.Text(3), s.Blob(4)}});
    }
    return out;
  }

  absl::StatusOr<int64_t> LoadEventingOffset(std::string_view consumer_id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT stored_offset FROM eventing_offsets WHERE consumer_id = ?1;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, consumer_id);
    CS_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? s.Int(0) : 0;
  }

  absl::Status SaveEventingOffset(std::string_view consumer_id, int64_t offset) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO eventing_offsets (consumer_id, stored_offset) VALUES (?1, ?2) ON CONFLICT "
           "(consumer_id) DO UPDATE SET stored_offset = excluded.stored_offset;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, consumer_id);
    s.Bind(2, offset);
    return s.Step().status();
  }

  absl::Status SaveSnapshot(std::string_view persistence_key,
                            const StoredSnapshot& snapshot) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO snapshots (persistence_key, sequence, type_url, value) VALUES (?1, ?2, "
           "?3, ?4) ON CONFLICT (persistence_key) DO UPDATE SET sequence = excluded.sequence, "
           "type_url = excluded.type_url, value = excluded.value WHERE excluded.sequence >= "
           "snapshots.sequence;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistence_key);
    s.Bind(2, snapshot.sequence);
    s.Bind(3, snapshot.payload.type_url);
    s.BindBlob(4, snapshot.payload.value);
    return s.Step().status();
  }

  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(
      std::string_view persistence_key) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT sequence, type_url, value FROM snapshots WHERE persistence_key = ?1;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistence_key);
    CS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) {
      return std::optional<StoredSnapshot>();
    }
    return std::optional<StoredSnapshot>(StoredSnapshot{s.Int(0), StoredAny{s.Text(1), s.Blob(2)}});
  }

  absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view persistent_id,
                                                     std::string_view entity_id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT type_url, state FROM value_entity_state WHERE persistent_id = ?1 AND "
           "entity_id = ?2;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistent_id);
    s.Bind(2, entity_id);
    CS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) {
      return std::optional<StoredAny>();
    }
    return std::optional<StoredAny>(StoredAny{s.Text(0), s.Blob(1)});
  }

  absl::Status UpsertValue(std::string_view persistent_id, std::string_view entity_id,
                           const StoredAny& value) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "INSERT INTO value_entity_state (persistent_id, entity_id, type_url, state) VALUES "
           "(?1, ?2, ?3, ?4) ON CONFLICT (persistent_id, entity_id) DO UPDATE SET type_url = "
           "excluded.type_url, state = excluded.state;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistent_id);
    s.Bind(2, entity_id);
    s.Bind(3, value.type_url);
    s.BindBlob(4, value.value);
    return s.Step().status();
  }

  absl::Status DeleteValue(std::string_view persistent_id, std::string_view entity_id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM value_entity_state WHERE persistent_id = ?1 AND entity_id = ?2;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistent_id);
    s.Bind(2, entity_id);
    return s.Step().status();
  }

  absl::Status CheckReady() override {
    std::lock_guard lock(mu_);
    return Exec("SELECT 1;");
  }

 private:
  absl::Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return absl::UnavailableError("sqlite: " + message);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> HighestLocked(std::string_view persistence_key) {
    Stmt s(db_, "SELECT COALESCE(MAX(sequence), 0) FROM journal WHERE persistence_key = ?1;");
    CS_RETURN_IF_ERROR(s.Prepared());
    s.Bind(1, persistence_key);
    CS_ASSIGN_OR_RETURN(bool row, s.Step());
    return row ? s.Int(0) : 0;
  }

  absl::StatusOr<int64_t> AppendLocked(std::string_view persistence_key, int64_t expected_sequence,
                                       const std::vector<StoredAny>& events) {
    CS_ASSIGN_OR_RETURN(int64_t highest, HighestLocked(persistence_key));
    if (highest != expected_sequence) {
      return absl::FailedPreconditionError(
          "journal of '" + std::string(persistence_key) + "' is at sequence " +
          std::to_string(highest) + ", writer expected " + std::to_string(expected_sequence));
    }
    int64_t seq = highest;
    for (const StoredAny& event : events) {
      ++seq;
      Stmt insert(db_,
                  "INSERT INTO journal (persistence_key, sequence, type_url, value) VALUES (?1, "
                  "?2, ?3, ?4);");
      CS_RETURN_IF_ERROR(insert.Prepared());
      insert.Bind(1, persistence_key);
      insert.Bind(2, seq);
      insert.Bind(3, event.type_url);
      insert.BindBlob(4, event.value);
      CS_RETURN_IF_ERROR(insert.Step().status());
    }
    const size_t bar = persistence_key.find('|');
    if (bar != std::string_view::npos) {
      for (int64_t logged = highest + 1; logged <= seq; ++logged) {
        Stmt log(db_,
                 "INSERT INTO event_log (persistence_id, persistence_key, sequence) VALUES (?1, "
                 "?2, ?3);");
        CS_RETURN_IF_ERROR(log.Prepared());
        log.Bind(1, persistence_key.substr(0, bar));
        log.Bind(2, persistence_key);
        log.Bind(3, logged);
        CS_RETURN_IF_ERROR(log.Step().status());
      }
    }
    return seq;
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError("cannot open sqlite database '" + path + "': " + message);
  }
  auto store = std::make_unique<SqliteStore>(db);
  CS_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace cloudstate::proxy
