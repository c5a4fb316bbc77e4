#pragma once
// Test helpers for the store tests. A PostgreSQL store opened by a test lives in its own schema of
// the database at CS_POSTGRES_URL, dropped again afterwards, so runs never see each other's data.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "gtest/gtest.h"

#include "cloudstate/proxy/store.h"
#include "store/postgres_store.h"

namespace cloudstate::proxy::testing {

// The server the postgres cases use; empty when CS_POSTGRES_URL is unset.
inline std::string PostgresUrl() {
  const char* url = std::getenv("CS_POSTGRES_URL");
  return url == nullptr ? std::string() : std::string(url);
}

inline constexpr const char* kNoPostgresMessage =
    "CS_POSTGRES_URL is not set: PostgreSQL store cases skipped (run `source ci/postgres.sh && "
    "start_postgres` first)";

// A schema name no other test (or concurrent run) uses.
inline std::string FreshSchemaName(const std::string& tag) {
  static std::atomic<int> counter{0};
  static const uint32_t salt = std::random_device{}();
  return "cs_test_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" +
         std::to_string(++counter);
}

inline void DropSchema(const std::string& url, const std::string& schema) {
  absl::Status s = ExecutePostgresCommand(url, "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  if (!s.ok()) {
    ADD_FAILURE() << "could not drop test schema " << schema << ": " << s;
  }
}

// Forwards to another store and runs a clean-up (drop the schema, delete the file) after it
// closed.
class StoreWithCleanup final : public Store {
 public:
  StoreWithCleanup(std::unique_ptr<Store> inner, std::function<void()> cleanup)
      : inner_(std::move(inner)), cleanup_(std::move(cleanup)) {}
  ~StoreWithCleanup() override {
    inner_.reset();
    cleanup_();
  }
  std::string_view Kind() const override { return inner_->Kind(); }
  absl::StatusOr<int64_t> AppendEvents(std::string_view k, int64_t expected,
                                       const std::vector<StoredAny>& events) override {
    return inner_->AppendEvents(k, expected, events);
  }
  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view k, int64_t from,
                                                      int64_t max) override {
    return inner_->ReadEvents(k, from, max);
  }
  absl::StatusOr<int64_t> HighestSequence(std::string_view k) override {
    return inner_->HighestSequence(k);
  }
  absl::Status SaveSnapshot(std::string_view k, const StoredSnapshot& s) override {
    return inner_->SaveSnapshot(k, s);
  }
  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(std::string_view k) override {
    return inner_->LoadSnapshot(k);
  }
  absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view p,
                                                     std::string_view e) override {
    return inner_->LoadValue(p, e);
  }
  absl::Status UpsertValue(std::string_view p, std::string_view e, const StoredAny& v) override {
    return inner_->UpsertValue(p, e, v);
  }
  absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view p, int64_t after,
                                                          int64_t max) override {
    return inner_->ReadEventLog(p, after, max);
  }
  absl::StatusOr<int64_t> LoadEventingOffset(std::string_view c) override {
    return inner_->LoadEventingOffset(c);
  }
  absl::Status SaveEventingOffset(std::string_view c, int64_t o) override {
    return inner_->SaveEventingOffset(c, o);
  }
  absl::Status DeleteValue(std::string_view p, std::string_view e) override {
    return inner_->DeleteValue(p, e);
  }
  absl::Status CheckReady() override { return inner_->CheckReady(); }

 private:
  std::unique_ptr<Store> inner_;
  std::function<void()> cleanup_;
};

}  // namespace cloudstate::proxy::testing
