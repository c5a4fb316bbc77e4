// PostgreSQL store over plain libpq (no exceptions to translate, full control over the wire
// formats and SQLSTATEs).
//
// * All parameters and results travel in binary format: keys and type URLs as raw UTF-8 bytes,
//   payloads as raw bytea, integers as big-endian int8. No escaping anywhere.
// * A small pool of connections; a connection that failed is closed and replaced by a fresh one on
//   the next call ("reconnect on next call"), so a server restart costs the calls in flight, not
//   the store.
// * Group commit: AppendEvents callers queue up; one of them (the leader) writes everything queued
//   in one transaction with one savepoint per append, so a stale or malformed append fails alone,
//   and one commit (one WAL flush) acknowledges them all.

#include "store/postgres_store.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

#include "cloudstate/common/status_macros.h"
#include <libpq-fe.h>

namespace cloudstate::proxy {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

ResultPtr Wrap(PGresult* r) { return ResultPtr(r, &PQclear); }

// True when the SQLSTATE says the server or the link, not the request, is the problem.
bool IsTransientState(std::string_view state) {
  return state.starts_with("08") ||  // connection exception
         state.starts_with("53") ||  // insufficient resources
         state.starts_with("57") ||  // operator intervention (shutdown, cancel, crash)
         state.starts_with("40") ||  // serialization failure, deadlock
         state == "25P03";           // idle session timeout
}

// Maps a failed libpq call to a status. `r` may be null (libpq could not even produce a result).
absl::Status PgError(PGconn* conn, const PGresult* r, std::string_view what) {
  std::string message(r != nullptr ? PQresultErrorMessage(r) : "");
  if (message.empty()) {
    message = PQerrorMessage(conn);
  }
  message = std::string(absl::StripTrailingAsciiWhitespace(message));
  const char* raw_state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = raw_state != nullptr ? raw_state : "";
  const std::string text = absl::StrCat("postgres ", std::string(what), ": ", message,
                                        state.empty() ? "" : absl::StrCat(" [", state, "]"));
  if (PQstatus(conn) != CONNECTION_OK || state.empty() || IsTransientState(state)) {
    return absl::UnavailableError(text);
  }
  if (state == "23505") {
    return absl::FailedPreconditionError(text);
  }
  if (state.starts_with("22")) {  // data exception: bad encoding, NUL in text, out of range
    return absl::InvalidArgumentError(text);
  }
  return absl::InternalError(text);
}

// Parameters of one statement, all in binary format.
class Params {
 public:
  Params& Text(std::string_view s) { return Add(std::string(s)); }
  Params& Bytes(std::string_view s) { return Add(std::string(s)); }
  Params& Int64(int64_t v) {
    std::string be(8, '\0');
    auto u = static_cast<uint64_t>(v);
    for (int i = 7; i >= 0; --i) {
      be[static_cast<size_t>(i)] = static_cast<char>(u & 0xff);
      u >>= 8;
    }
    return Add(std::move(be));
  }
  Params& Null() {
    storage_.emplace_back();
    is_null_.push_back(true);
    return *this;
  }
  int size() const { return static_cast<int>(storage_.size()); }

  // Pointers are taken only here, after all parameters were added (the deque never moves
  // elements, but building the arrays once keeps it obvious).
  void Finish() {
    values_.clear();
    lengths_.clear();
    formats_.clear();
    for (size_t i = 0; i < storage_.size(); ++i) {
      // libpq wants a non-null pointer for an empty non-null value.
      values_.push_back(is_null_[i] ? nullptr : storage_[i].c_str());
      lengths_.push_back(static_cast<int>(storage_[i].size()));
      formats_.push_back(1);
    }
  }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& Add(std::string s) {
    storage_.push_back(std::move(s));
    is_null_.push_back(false);
    return *this;
  }
  std::deque<std::string> storage_;
  std::vector<bool> is_null_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

int64_t GetInt64(const PGresult* r, int row, int col) {
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col));
  if (PQgetlength(r, row, col) != 8) {
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v = (v << 8) | p[i];
  }
  return static_cast<int64_t>(v);
}

std::string GetBytes(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

// Runs a prepared statement; `want` is PGRES_TUPLES_OK or PGRES_COMMAND_OK.
absl::StatusOr<ResultPtr> RunPrepared(PGconn* conn, const char* name, Params& p,
                                      ExecStatusType want) {
  p.Finish();
  ResultPtr r = Wrap(PQexecPrepared(conn, name, p.size(), p.values(), p.lengths(), p.formats(),
                                    /*resultFormat=*/1));
  if (r == nullptr || PQresultStatus(r.get()) != want) {
    return PgError(conn, r.get(), name);
  }
  return r;
}

absl::StatusOr<ResultPtr> RunSql(PGconn* conn, const std::string& sql, Params& p,
                                 ExecStatusType want) {
  p.Finish();
  ResultPtr r = Wrap(PQexecParams(conn, sql.c_str(), p.size(), /*paramTypes=*/nullptr, p.values(),
                                  p.lengths(), p.formats(), /*resultFormat=*/1));
  if (r == nullptr || PQresultStatus(r.get()) != want) {
    return PgError(conn, r.get(), "statement");
  }
  return r;
}

absl::Status Command(PGconn* conn, const std::string& sql) {
  ResultPtr r = Wrap(PQexec(conn, sql.c_str()));
  if (r == nullptr ||
      (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK)) {
    return PgError(conn, r.get(), sql.substr(0, sql.find(' ')));
  }
  return absl::OkStatus();
}

// Connects with our defaults; settings in the URL win because libpq applies the expanded dbname
// after the keywords before it.
absl::StatusOr<PGconn*> Connect(const std::string& url) {
  const char* keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                            nullptr};
  const char* values[] = {"10", "cloudstate-proxy", "UTF8", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError("postgres: out of memory creating a connection");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
    PQfinish(conn);
    return absl::UnavailableError("postgres: cannot connect: " + message);
  }
  // Notices ("drop cascades to ...") are not errors; libpq would print them to stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return conn;
}

std::string QuoteIdent(PGconn* conn, const std::string& ident) {
  char* quoted = PQescapeIdentifier(conn, ident.c_str(), ident.size());
  if (quoted == nullptr) {
    return "\"invalid\"";
  }
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

// ---- connection pool ----

class Pool {
 public:
  using InitFn = std::function<absl::Status(PGconn*)>;
  Pool(std::string url, int size, InitFn init)
      : url_(std::move(url)), size_(std::max(size, 1)), init_(std::move(init)) {}
  ~Pool() {
    for (PGconn* c : idle_) {
      PQfinish(c);
    }
  }

  // A connection checked out of the pool; goes back (or is closed if it broke) on destruction.
  class Lease {
   public:
    Lease(Pool* pool, PGconn* conn) : pool_(pool), conn_(conn) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::exchange(o.conn_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_ != nullptr) {
        pool_->Release(conn_);
      }
    }
    PGconn* get() const { return conn_; }

   private:
    Pool* pool_;
    PGconn* conn_;
  };

  absl::StatusOr<Lease> Acquire() {
    PGconn* conn = nullptr;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
      if (!idle_.empty()) {
        conn = idle_.back();
        idle_.pop_back();
        return Lease(this, conn);
      }
      ++open_;  // reserve the slot while connecting without the lock
    }
    absl::StatusOr<PGconn*> fresh = Connect(url_);
    absl::Status status = fresh.status();
    if (fresh.ok()) {
      status = init_(*fresh);
      if (!status.ok()) {
        PQfinish(*fresh);
      }
    }
    if (!status.ok()) {
      std::lock_guard lock(mu_);
      --open_;
      cv_.notify_one();
      return status;
    }
    if (connected_once_.exchange(true)) {
      reconnects_.fetch_add(1);
    }
    return Lease(this, *fresh);
  }

  int64_t reconnects() const { return reconnects_.load(); }

 private:
  void Release(PGconn* conn) {
    // A broken link, or a transaction left open by an error path, is not reusable.
    const bool reusable =
        PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
    if (!reusable) {
      PQfinish(conn);
    }
    std::lock_guard lock(mu_);
    if (reusable) {
      idle_.push_back(conn);
    } else {
      --open_;
    }
    cv_.notify_one();
  }

  const std::string url_;
  const int size_;
  const InitFn init_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PGconn*> idle_;
  int open_ = 0;  // idle + checked out + being connected
  std::atomic<bool> connected_once_{false};
  std::atomic<int64_t> reconnects_{0};
};

// ---- the store ----

// Appending transactions take this transaction-scoped advisory lock, so that journal orderings
// (a bigserial, drawn at insert time) become visible in ascending order: an event-log reader that
// resumes after the highest ordering it saw never skips a row committed later with a smaller one.
// One proxy already writes one batch at a time; the lock orders writers of several processes.
constexpr char kAppendLock[] = "SELECT pg_advisory_xact_lock(7243958015562)";

struct PendingAppend {
  std::string_view key;
  int64_t expected = 0;
  const std::vector<StoredAny>* events = nullptr;
  size_t bytes = 0;
  absl::StatusOr<int64_t> result = absl::UnknownError("append not written");
  bool done = false;
};

// Rows per multi-row INSERT (3 parameters per row + the key stay far below libpq's 65535).
constexpr size_t kRowsPerInsert = 1000;

class PostgresStoreImpl final : public PostgresStore {
 public:
  PostgresStoreImpl(std::string url, PostgresStoreOptions options, std::string journal,
                    std::string snapshots, std::string values, std::string offsets)
      : options_(std::move(options)),
        journal_(std::move(journal)),
        snapshots_(std::move(snapshots)),
        values_(std::move(values)),
        offsets_(std::move(offsets)),
        pool_(std::move(url), options_.pool_size,
              [this](PGconn* conn) { return InitConnection(conn); }) {}

  std::string_view Kind() const override { return "postgres"; }

  absl::StatusOr<int64_t> AppendEvents(std::string_view persistence_key, int64_t expected_sequence,
                                       const std::vector<StoredAny>& events) override {
    if (expected_sequence < 0) {
      return absl::InvalidArgumentError("expected sequence must not be negative");
    }
    PendingAppend me;
    me.key = persistence_key;
    me.expected = expected_sequence;
    me.events = &events;
    for (const StoredAny& e : events) {
      me.bytes += e.type_url.size() + e.value.size();
    }

    std::unique_lock lock(gc_mu_);
    queue_.push_back(&me);
    if (options_.on_queued_for_test) {
      const size_t queued = queue_.size();
      lock.unlock();
      options_.on_queued_for_test(queued);
      lock.lock();
    }
    while (!me.done) {
      if (leader_active_) {
        gc_cv_.wait(lock);
        continue;
      }
      // Become the leader: write what is queued (this append included unless an earlier leader
      // already took it), then hand over to whoever queued meanwhile.
      leader_active_ = true;
      if (options_.before_batch_for_test) {
        lock.unlock();
        options_.before_batch_for_test();
        lock.lock();
      }
      std::vector<PendingAppend*> batch = TakeBatchLocked();
      lock.unlock();
      WriteBatch(batch);
      lock.lock();
      for (PendingAppend* p : batch) {
        p->done = true;
      }
      stats_.appends += static_cast<int64_t>(batch.size());
      stats_.batches += 1;
      stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(batch.size()));
      leader_active_ = false;
      gc_cv_.notify_all();
    }
    return std::move(me.result);
  }

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view persistence_key,
                                                      int64_t from_sequence,
                                                      int64_t max_count) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistence_key).Int64(from_sequence);
    if (max_count > 0) {
      p.Int64(max_count);
    } else {
      p.Null();  // LIMIT NULL: no limit
    }
    CS_ASSIGN_OR_RETURN(ResultPtr r, RunPrepared(lease.get(), "cs_read", p, PGRES_TUPLES_OK));
    std::vector<StoredEvent> out;
    const int rows = PQntuples(r.get());
    out.reserve(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      out.push_back(StoredEvent{GetInt64(r.get(), i, 0),
                                StoredAny{GetBytes(r.get(), i, 1), GetBytes(r.get(), i, 2)}});
    }
    return out;
  }

  absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view persistence_id,
                                                          int64_t after_offset,
                                                          int64_t max_count) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistence_id).Int64(after_offset);
    if (max_count > 0) {
      p.Int64(max_count);
    } else {
      p.Null();
    }
    CS_ASSIGN_OR_RETURN(ResultPtr r, RunPrepared(lease.get(), "cs_log_read", p, PGRES_TUPLES_OK));
    std::vector<EventLogEntry> out;
    const int rows = PQntuples(r.get());
    out.reserve(static_cast<size_t>(rows));
    for (int i = 0; i < rows; ++i) {
      std::string key = GetBytes(r.get(), i, 1);
      out.push_back(EventLogEntry{
          GetInt64(r.get(), i, 0), key.substr(std::min(key.size(), persistence_id.size() + 1)),
          GetInt64(r.get(), i, 2), StoredAny{GetBytes(r.get(), i, 3), GetBytes(r.get(), i, 4)}});
    }
    return out;
  }

  absl::StatusOr<int64_t> LoadEventingOffset(std::string_view consumer_id) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(consumer_id);
    CS_ASSIGN_OR_RETURN(ResultPtr r,
                        RunPrepared(lease.get(), "cs_offset_load", p, PGRES_TUPLES_OK));
    return PQntuples(r.get()) == 1 ? GetInt64(r.get(), 0, 0) : 0;
  }

  absl::Status SaveEventingOffset(std::string_view consumer_id, int64_t offset) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(consumer_id).Int64(offset);
    return RunPrepared(lease.get(), "cs_offset_save", p, PGRES_COMMAND_OK).status();
  }

  absl::StatusOr<int64_t> HighestSequence(std::string_view persistence_key) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    return Highest(lease.get(), persistence_key);
  }

  absl::Status SaveSnapshot(std::string_view persistence_key,
                            const StoredSnapshot& snapshot) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistence_key)
        .Int64(snapshot.sequence)
        .Text(snapshot.payload.type_url)
        .Bytes(snapshot.payload.value);
    return RunPrepared(lease.get(), "cs_snap_save", p, PGRES_COMMAND_OK).status();
  }

  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(
      std::string_view persistence_key) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistence_key);
    CS_ASSIGN_OR_RETURN(ResultPtr r, RunPrepared(lease.get(), "cs_snap_load", p, PGRES_TUPLES_OK));
    if (PQntuples(r.get()) == 0) {
      return std::optional<StoredSnapshot>();
    }
    return std::optional<StoredSnapshot>(StoredSnapshot{
        GetInt64(r.get(), 0, 0), StoredAny{GetBytes(r.get(), 0, 1), GetBytes(r.get(), 0, 2)}});
  }

  absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view persistent_id,
                                                     std::string_view entity_id) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistent_id).Text(entity_id);
    CS_ASSIGN_OR_RETURN(ResultPtr r, RunPrepared(lease.get(), "cs_value_load", p, PGRES_TUPLES_OK));
    if (PQntuples(r.get()) == 0) {
      return std::optional<StoredAny>();
    }
    return std::optional<StoredAny>(StoredAny{GetBytes(r.get(), 0, 0), GetBytes(r.get(), 0, 1)});
  }

  absl::Status UpsertValue(std::string_view persistent_id, std::string_view entity_id,
                           const StoredAny& value) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistent_id).Text(entity_id).Text(value.type_url).Bytes(value.value);
    return RunPrepared(lease.get(), "cs_value_upsert", p, PGRES_COMMAND_OK).status();
  }

  absl::Status DeleteValue(std::string_view persistent_id, std::string_view entity_id) override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    Params p;
    p.Text(persistent_id).Text(entity_id);
    return RunPrepared(lease.get(), "cs_value_delete", p, PGRES_COMMAND_OK).status();
  }

  absl::Status CheckReady() override {
    CS_ASSIGN_OR_RETURN(Pool::Lease lease, pool_.Acquire());
    return Command(lease.get(), "SELECT 1");
  }

  PostgresStoreStats Stats() const override {
    std::lock_guard lock(gc_mu_);
    PostgresStoreStats s = stats_;
    s.reconnects = pool_.reconnects();
    return s;
  }

 private:
  // Prepares our statements on a new connection and pins the durability setting: a commit is
  // acknowledged only after its WAL record is flushed, whatever the server default is.
  absl::Status InitConnection(PGconn* conn) {
    CS_RETURN_IF_ERROR(Command(conn, "SET synchronous_commit TO on"));
    const std::pair<const char*, std::string> statements[] = {
        {"cs_highest", "SELECT COALESCE(MAX(sequence), 0)::int8 FROM " + journal_ +
                           " WHERE persistence_key = $1::text"},
        {"cs_append1", "INSERT INTO " + journal_ +
                           " (persistence_key, sequence, type_url, payload) VALUES ($1::text, "
                           "$2::int8, $3::text, $4::bytea)"},
        {"cs_append1_checked",
         "INSERT INTO " + journal_ +
             " (persistence_key, sequence, type_url, payload) SELECT $1::text, $2::int8 + 1, "
             "$3::text, $4::bytea WHERE (SELECT COALESCE(MAX(sequence), 0) FROM " +
             journal_ + " WHERE persistence_key = $1::text) = $2::int8"},
        {"cs_read", "SELECT sequence, type_url, payload FROM " + journal_ +
                        " WHERE persistence_key = $1::text AND sequence >= $2::int8 ORDER BY "
                        "sequence LIMIT $3::int8"},
        {"cs_snap_save",
         "INSERT INTO " + snapshots_ +
             " AS cur (persistence_key, sequence, type_url, payload) VALUES ($1::text, $2::int8, "
             "$3::text, $4::bytea) ON CONFLICT (persistence_key) DO UPDATE SET sequence = "
             "EXCLUDED.sequence, type_url = EXCLUDED.type_url, payload = EXCLUDED.payload WHERE "
             "cur.sequence <= EXCLUDED.sequence"},
        {"cs_snap_load", "SELECT sequence, type_url, payload FROM " + snapshots_ +
                             " WHERE persistence_key = $1::text"},
        {"cs_value_load", "SELECT type_url, state FROM " + values_ +
                              " WHERE persistent_id = $1::text AND entity_id = $2::text"},
        {"cs_value_upsert",
         "INSERT INTO " + values_ +
             " (persistent_id, entity_id, type_url, state) VALUES ($1::text, $2::text, $3::text, "
             "$4::bytea) ON CONFLICT (persistent_id, entity_id) DO UPDATE SET type_url = "
             "EXCLUDED.type_url, state = EXCLUDED.state"},
        {"cs_value_delete",
         "DELETE FROM " + values_ + " WHERE persistent_id = $1::text AND entity_id = $2::text"},
        {"cs_log_read",
         "SELECT ordering, persistence_key, sequence, type_url, payload FROM " + journal_ +
             " WHERE ordering > $2::int8 AND left(persistence_key, length($1::text) + 1) = "
             "$1::text || '|' ORDER BY ordering LIMIT $3::int8"},
        {"cs_offset_load",
         "SELECT stored_offset FROM " + offsets_ + " WHERE consumer_id = $1::text"},
        {"cs_offset_save",
         "INSERT INTO " + offsets_ +
             " (consumer_id, stored_offset) VALUES ($1::text, $2::int8) ON CONFLICT (consumer_id) "
             "DO UPDATE SET stored_offset = EXCLUDED.stored_offset"},
    };
    for (const auto& [name, sql] : statements) {
      ResultPtr r = Wrap(PQprepare(conn, name, sql.c_str(), 0, nullptr));
      if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        return PgError(conn, r.get(), absl::StrCat("prepare ", name));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<int64_t> Highest(PGconn* conn, std::string_view key) {
    Params p;
    p.Text(key);
    CS_ASSIGN_OR_RETURN(ResultPtr r, RunPrepared(conn, "cs_highest", p, PGRES_TUPLES_OK));
    return PQntuples(r.get()) == 1 ? GetInt64(r.get(), 0, 0) : 0;
  }

  std::vector<PendingAppend*> TakeBatchLocked() {
    std::vector<PendingAppend*> batch;
    size_t bytes = 0;
    while (!queue_.empty()) {
      PendingAppend* next = queue_.front();
      if (!batch.empty() && (batch.size() >= options_.max_batch_appends ||
                             bytes + next->bytes > options_.max_batch_bytes)) {
        break;
      }
      bytes += next->bytes;
      batch.push_back(next);
      queue_.pop_front();
    }
    return batch;
  }

  // Inserts the events of one append (the sequence check already passed).
  absl::Status InsertEvents(PGconn* conn, const PendingAppend& a) {
    const std::vector<StoredAny>& events = *a.events;
    if (events.size() == 1) {
      Params p;
      p.Text(a.key).Int64(a.expected + 1).Text(events[0].type_url).Bytes(events[0].value);
      return RunPrepared(conn, "cs_append1", p, PGRES_COMMAND_OK).status();
    }
    for (size_t start = 0; start < events.size(); start += kRowsPerInsert) {
      const size_t end = std::min(events.size(), start + kRowsPerInsert);
      std::string sql = absl::StrCat("INSERT INTO ", journal_,
                                     " (persistence_key, sequence, type_url, payload) VALUES ");
      Params p;
      p.Text(a.key);
      int n = 1;
      for (size_t i = start; i < end; ++i) {
        absl::StrAppend(&sql, i == start ? "" : ", ", "($1::text, $", n + 1, "::int8, $", n + 2,
                        "::text, $", n + 3, "::bytea)");
        n += 3;
        p.Int64(a.expected + 1 + static_cast<int64_t>(i))
            .Text(events[i].type_url)
            .Bytes(events[i].value);
      }
      CS_RETURN_IF_ERROR(RunSql(conn, sql, p, PGRES_COMMAND_OK).status());
    }
    return absl::OkStatus();
  }

  // One append inside the batch transaction, fenced by a savepoint so its failure leaves the
  // others intact. Returns the append's result; `link_lost` is set when the connection died.
  absl::StatusOr<int64_t> WriteOne(PGconn* conn, const PendingAppend& a, bool* link_lost) {
    if (absl::Status s = Command(conn, "SAVEPOINT cs_append"); !s.ok()) {
      *link_lost = true;
      return s;
    }
    absl::StatusOr<int64_t> result = Highest(conn, a.key);
    if (result.ok() && *result != a.expected) {
      result = absl::FailedPreconditionError(absl::StrCat("journal of '", std::string(a.key),
                                                          "' is at sequence ", *result,
                                                          ", writer expected ", a.expected));
    } else if (result.ok() && !a.events->empty()) {
      absl::Status inserted = InsertEvents(conn, a);
      if (inserted.ok()) {
        result = a.expected + static_cast<int64_t>(a.events->size());
      } else if (inserted.code() == absl::StatusCode::kFailedPrecondition) {
        // A writer outside this process inserted the same sequence after our check.
        result = absl::FailedPreconditionError(
            absl::StrCat("journal of '", std::string(a.key),
                         "' was written concurrently: ", inserted.message()));
      } else {
        result = inserted;
      }
    }
    if (PQstatus(conn) != CONNECTION_OK) {
      *link_lost = true;
      return result.ok() ? absl::UnavailableError("postgres connection lost") : result;
    }
    // A failed statement aborted the transaction back to the savepoint; a stale append wrote
    // nothing but is rolled back too, for symmetry.
    absl::Status end = result.ok() ? Command(conn, "RELEASE SAVEPOINT cs_append")
                                   : Command(conn, "ROLLBACK TO SAVEPOINT cs_append");
    if (!end.ok()) {
      *link_lost = true;
      return end;
    }
    return result;
  }

  enum class PipelineOutcome { kDone, kRedoCarefully, kLinkLost };

  // The fast path: the whole batch as one pipeline (one round trip): BEGIN, one conditional
  // INSERT per append ("insert if the journal is at the expected sequence"), COMMIT. A stale append
  // inserts no row, so it fails alone without an error. Any SQL error aborts the transaction and
  // asks for the careful path.
  PipelineOutcome WriteBatchPipelined(PGconn* conn, const std::vector<PendingAppend*>& batch) {
    // An append split over several INSERTs cannot be checked by each INSERT alone (a later chunk's
    // expectation could hold by coincidence after the first chunk was stale).
    for (const PendingAppend* a : batch) {
      if (a->events->size() > kRowsPerInsert) {
        return PipelineOutcome::kRedoCarefully;
      }
    }
    if (PQenterPipelineMode(conn) != 1) {
      return PipelineOutcome::kRedoCarefully;
    }
    struct Sent {
      PendingAppend* append;  // null for BEGIN and COMMIT
      size_t rows;            // rows the statement inserts when the expectation holds
    };
    std::vector<Sent> sent;
    bool send_ok = true;
    auto send_sql = [&](const std::string& sql, Params& p, Sent what) {
      p.Finish();
      send_ok = send_ok && PQsendQueryParams(conn, sql.c_str(), p.size(), nullptr, p.values(),
                                             p.lengths(), p.formats(), 1) == 1;
      sent.push_back(what);
    };
    auto send_prepared = [&](const char* name, Params& p, Sent what) {
      p.Finish();
      send_ok = send_ok && PQsendQueryPrepared(conn, name, p.size(), p.values(), p.lengths(),
                                               p.formats(), 1) == 1;
      sent.push_back(what);
    };
    Params none;
    send_sql("BEGIN", none, Sent{nullptr, 0});
    send_sql(kAppendLock, none, Sent{nullptr, 0});
    for (PendingAppend* a : batch) {
      const std::vector<StoredAny>& events = *a->events;
      if (events.empty()) {
        Params p;
        p.Text(a->key);
        send_prepared("cs_highest", p, Sent{a, 0});
      } else if (events.size() == 1) {
        Params p;
        p.Text(a->key).Int64(a->expected).Text(events[0].type_url).Bytes(events[0].value);
        send_prepared("cs_append1_checked", p, Sent{a, 1});
      } else {
        Params p;
        p.Text(a->key).Int64(a->expected);
        std::string sql = absl::StrCat("INSERT INTO ", journal_,
                                       " (persistence_key, sequence, type_url, payload) "
                                       "SELECT * FROM (VALUES ");
        int n = 3;
        for (size_t i = 0; i < events.size(); ++i) {
          absl::StrAppend(&sql, i == 0 ? "" : ", ", "($1::text, $", n, "::int8, $", n + 1,
                          "::text, $", n + 2, "::bytea)");
          n += 3;
          p.Int64(a->expected + 1 + static_cast<int64_t>(i))
              .Text(events[i].type_url)
              .Bytes(events[i].value);
        }
        absl::StrAppend(&sql, ") AS v WHERE (SELECT COALESCE(MAX(sequence), 0) FROM ", journal_,
                        " WHERE persistence_key = $1::text) = $2::int8");
        send_sql(sql, p, Sent{a, events.size()});
      }
    }
    send_sql("COMMIT", none, Sent{nullptr, 0});
    if (!send_ok || PQpipelineSync(conn) != 1) {
      return PipelineOutcome::kLinkLost;
    }

    // Collect one result per statement (each followed by a null), then the sync marker.
    bool failed = false;
    bool committed = false;
    std::vector<std::pair<const Sent*, ResultPtr>> results;
    for (const Sent& what : sent) {
      ResultPtr r = Wrap(PQgetResult(conn));
      if (r == nullptr || PQstatus(conn) != CONNECTION_OK) {
        return PipelineOutcome::kLinkLost;
      }
      const ExecStatusType st = PQresultStatus(r.get());
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        failed = true;  // PGRES_FATAL_ERROR, or PGRES_PIPELINE_ABORTED after one
      } else if (&what == &sent.back()) {
        committed = std::strcmp(PQcmdStatus(r.get()), "COMMIT") == 0;
      }
      while (PGresult* extra = PQgetResult(conn)) {
        PQclear(extra);
      }
      results.emplace_back(&what, std::move(r));
    }
    ResultPtr sync = Wrap(PQgetResult(conn));
    if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC ||
        PQexitPipelineMode(conn) != 1) {
      return PipelineOutcome::kLinkLost;
    }
    if (failed || !committed) {
      if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
        (void)Command(conn, "ROLLBACK");
      }
      return PQstatus(conn) == CONNECTION_OK ? PipelineOutcome::kRedoCarefully
                                             : PipelineOutcome::kLinkLost;
    }
    for (const auto& [what, r] : results) {
      PendingAppend* a = what->append;
      if (a == nullptr) {
        continue;
      }
      const bool holds = a->events->empty()
                             ? (PQntuples(r.get()) == 1 && GetInt64(r.get(), 0, 0) == a->expected)
                             : std::strtoull(PQcmdTuples(r.get()), nullptr, 10) == what->rows;
      if (holds) {
        a->result = a->expected + static_cast<int64_t>(a->events->size());
      } else {
        a->result = absl::FailedPreconditionError(
            absl::StrCat("journal of '", std::string(a->key), "' is not at sequence ", a->expected,
                         " (stale or concurrent writer); nothing was written"));
      }
    }
    return PipelineOutcome::kDone;
  }

  void WriteBatch(const std::vector<PendingAppend*>& batch) {
    auto fail_all = [&](const absl::Status& s) {
      for (PendingAppend* p : batch) {
        p->result = s;
      }
    };
    absl::StatusOr<Pool::Lease> lease = pool_.Acquire();
    if (!lease.ok()) {
      fail_all(lease.status());
      return;
    }
    PGconn* conn = lease->get();
    switch (WriteBatchPipelined(conn, batch)) {
      case PipelineOutcome::kDone:
        return;
      case PipelineOutcome::kLinkLost:
        fail_all(absl::UnavailableError(
            absl::StrCat("postgres connection lost while writing a batch: ",
                         std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))))));
        return;
      case PipelineOutcome::kRedoCarefully:
        break;
    }
    // Some statement failed (bad text, or a writer outside this process won a race), which
    // aborted the whole pipelined transaction: redo the batch one append at a time behind
    // savepoints, so only the failing appends fail.
    absl::Status begin = Command(conn, "BEGIN");
    if (begin.ok()) {
      begin = Command(conn, kAppendLock);
    }
    if (!begin.ok()) {
      fail_all(begin);
      return;
    }
    bool link_lost = false;
    for (PendingAppend* p : batch) {
      if (link_lost) {
        p->result = absl::UnavailableError("postgres connection lost during the batch");
        continue;
      }
      p->result = WriteOne(conn, *p, &link_lost);
    }
    if (link_lost) {
      // Nothing of this transaction can have committed.
      for (PendingAppend* p : batch) {
        if (p->result.ok() || p->result.status().code() == absl::StatusCode::kFailedPrecondition) {
          p->result = absl::UnavailableError(
              "postgres connection lost during the batch; nothing was written");
        }
      }
      (void)Command(conn, "ROLLBACK");
      return;
    }
    ResultPtr r = Wrap(PQexec(conn, "COMMIT"));
    const bool committed = r != nullptr && PQresultStatus(r.get()) == PGRES_COMMAND_OK &&
                           std::strcmp(PQcmdStatus(r.get()), "COMMIT") == 0;
    if (!committed) {
      absl::Status s = PgError(conn, r.get(), "COMMIT");
      if (s.ok() || s.code() != absl::StatusCode::kUnavailable) {
        s = absl::UnavailableError(absl::StrCat("postgres COMMIT failed: ", s.message()));
      }
      // A lost link during COMMIT leaves the outcome unknown; the caller must re-read.
      for (PendingAppend* p : batch) {
        if (p->result.ok()) {
          p->result = absl::UnavailableError(
              absl::StrCat(s.message(), " (the append may or may not be stored)"));
        }
      }
      if (PQstatus(conn) == CONNECTION_OK) {
        (void)Command(conn, "ROLLBACK");
      }
    }
  }

  const PostgresStoreOptions options_;
  const std::string journal_;
  const std::string snapshots_;
  const std::string values_;
  const std::string offsets_;
  Pool pool_;

  mutable std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  std::deque<PendingAppend*> queue_;
  bool leader_active_ = false;
  PostgresStoreStats stats_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> OpenPostgresStore(std::string_view url,
                                                                 PostgresStoreOptions options) {
  const std::string url_string(url);
  // A bootstrap connection creates the schema, so that pooled connections can prepare their
  // statements against existing tables.
  CS_ASSIGN_OR_RETURN(PGconn * conn, Connect(url_string));
  std::unique_ptr<PGconn, decltype(&PQfinish)> bootstrap(conn, &PQfinish);
  const std::string prefix =
      options.schema.empty() ? std::string() : QuoteIdent(conn, options.schema) + ".";
  const std::string journal = prefix + "journal";
  const std::string snapshots = prefix + "snapshots";
  const std::string values = prefix + "value_entity_state";
  const std::string offsets = prefix + "eventing_offsets";
  std::string ddl;
  if (!options.schema.empty()) {
    ddl += "CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(conn, options.schema) + ";\n";
  }
  ddl += "CREATE TABLE IF NOT EXISTS " + journal +
         " (persistence_key text NOT NULL, sequence bigint NOT NULL, type_url text NOT NULL, "
         "payload bytea NOT NULL, PRIMARY KEY (persistence_key, sequence));\n"
         "CREATE TABLE IF NOT EXISTS " +
         snapshots +
         " (persistence_key text PRIMARY KEY, sequence bigint NOT NULL, type_url text NOT NULL, "
         "payload bytea NOT NULL);\n"
         "CREATE TABLE IF NOT EXISTS " +
         values +
         " (persistent_id text NOT NULL, entity_id text NOT NULL, type_url text NOT NULL, "
         "state bytea NOT NULL, PRIMARY KEY (persistent_id, entity_id));\n"
         // The event log's global order (eventing); existing rows are numbered when the column
         // is added.
         "ALTER TABLE " +
         journal +
         " ADD COLUMN IF NOT EXISTS ordering bigserial;\n"
         "CREATE INDEX IF NOT EXISTS journal_ordering_idx ON " +
         journal +
         " (ordering);\n"
         "CREATE TABLE IF NOT EXISTS " +
         offsets + " (consumer_id text PRIMARY KEY, stored_offset bigint NOT NULL);\n";
  // Concurrent CREATE ... IF NOT EXISTS from two processes can still collide in the catalog, so
  // the DDL runs under a transaction-scoped advisory lock.
  CS_RETURN_IF_ERROR(Command(conn, "BEGIN"));
  absl::Status status = Command(conn, "SELECT pg_advisory_xact_lock(7243958015561)");
  if (status.ok()) {
    status = Command(conn, ddl);
  }
  if (status.ok()) {
    status = Command(conn, "COMMIT");
  }
  if (!status.ok()) {
    return status;
  }
  bootstrap.reset();

  auto store = std::make_unique<PostgresStoreImpl>(url_string, std::move(options), journal,
                                                   snapshots, values, offsets);
  CS_RETURN_IF_ERROR(store->CheckReady());
  return std::unique_ptr<PostgresStore>(std::move(store));
}

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url) {
  CS_ASSIGN_OR_RETURN(std::unique_ptr<PostgresStore> store,
                      OpenPostgresStore(url, PostgresStoreOptions{}));
  return std::unique_ptr<Store>(std::move(store));
}

absl::Status ExecutePostgresCommand(std::string_view url, const std::string& sql) {
  CS_ASSIGN_OR_RETURN(PGconn * conn, Connect(std::string(url)));
  std::unique_ptr<PGconn, decltype(&PQfinish)> owned(conn, &PQfinish);
  return Command(conn, sql);
}

}  // namespace cloudstate::proxy
