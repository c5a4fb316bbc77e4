// The event-log part of the Store interface (ReadEventLog, eventing offsets) over the three
// stores, and a reopened SQLite file keeping both.

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "cloudstate/proxy/store.h"
#include "store/postgres_store.h"
#include "store/postgres_test_util.h"

namespace cloudstate::proxy::testing {
namespace {

struct LogStoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> open;
};

std::ostream& operator<<(std::ostream& os, const LogStoreFactory& f) { return os << f.name; }

std::string TempPath(const std::string& tag) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("cs-eventlog-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) +
           ".db"))
      .string();
}

void RemoveSqlite(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

std::unique_ptr<Store> OpenSqlite() {
  const std::string path = TempPath("contract");
  auto store = OpenSqliteStore(path);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::make_unique<StoreWithCleanup>(std::move(*store), [path] { RemoveSqlite(path); });
}

std::unique_ptr<Store> OpenPostgres() {
  const std::string url = PostgresUrl();
  if (url.empty()) {
    [] { GTEST_SKIP() << kNoPostgresMessage; }();
    return NewMemoryStore();
  }
  const std::string schema = FreshSchemaName("eventlog");
  PostgresStoreOptions options;
  options.schema = schema;
  auto store = OpenPostgresStore(url, std::move(options));
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::make_unique<StoreWithCleanup>(std::move(*store),
                                            [url, schema] { DropSchema(url, schema); });
}

class EventLogStoreTest : public ::testing::TestWithParam<LogStoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().open();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<Store> store_;
};

StoredAny Ev(std::string value) { return StoredAny{"type.googleapis.com/E", std::move(value)}; }

// (entity id, sequence, payload) of a read, checking that offsets ascend.
std::vector<std::tuple<std::string, int64_t, std::string>> Log(Store& store, std::string_view pid,
                                                               int64_t after, int64_t max = 0) {
  auto entries = store.ReadEventLog(pid, after, max);
  EXPECT_TRUE(entries.ok()) << entries.status();
  std::vector<std::tuple<std::string, int64_t, std::string>> out;
  int64_t last = after;
  for (const EventLogEntry& e : entries.value_or(std::vector<EventLogEntry>{})) {
    EXPECT_GT(e.offset, last);
    last = e.offset;
    out.emplace_back(e.entity_id, e.sequence, e.payload.value);
  }
  return out;
}

using Rows = std::vector<std::tuple<std::string, int64_t, std::string>>;

TEST_P(EventLogStoreTest, ReadsOnePersistenceIdAcrossEntitiesInAppendOrder) {
  ASSERT_TRUE(store_->AppendEvents("a|e1", 0, {Ev("1"), Ev("2")}).ok());
  ASSERT_TRUE(store_->AppendEvents("b|x", 0, {Ev("b1")}).ok());
  ASSERT_TRUE(store_->AppendEvents("ab|y", 0, {Ev("ab1")}).ok());
  ASSERT_TRUE(store_->AppendEvents("a|e2|with|bars", 0, {Ev("3")}).ok());
  ASSERT_TRUE(store_->AppendEvents("a|e1", 2, {Ev("4")}).ok());
  ASSERT_FALSE(store_->AppendEvents("a|e1", 0, {Ev("stale")}).ok());
  EXPECT_EQ(Log(*store_, "a", 0),
            (Rows{{"e1", 1, "1"}, {"e1", 2, "2"}, {"e2|with|bars", 1, "3"}, {"e1", 3, "4"}}));
  EXPECT_EQ(Log(*store_, "b", 0), (Rows{{"x", 1, "b1"}}));
  EXPECT_EQ(Log(*store_, "ab", 0), (Rows{{"y", 1, "ab1"}}));
  EXPECT_TRUE(Log(*store_, "none", 0).empty());
}

TEST_P(EventLogStoreTest, ResumesAfterAnOffsetAndHonoursMaxCount) {
  ASSERT_TRUE(store_->AppendEvents("p|e", 0, {Ev("1"), Ev("2"), Ev("3")}).ok());
  auto all = store_->ReadEventLog("p", 0, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(Log(*store_, "p", (*all)[0].offset), (Rows{{"e", 2, "2"}, {"e", 3, "3"}}));
  EXPECT_EQ(Log(*store_, "p", 0, 2), (Rows{{"e", 1, "1"}, {"e", 2, "2"}}));
  EXPECT_TRUE(Log(*store_, "p", (*all)[2].offset).empty());
  ASSERT_TRUE(store_->AppendEvents("p|f", 0, {Ev("4")}).ok());
  EXPECT_EQ(Log(*store_, "p", (*all)[2].offset), (Rows{{"f", 1, "4"}}));
}

TEST_P(EventLogStoreTest, SavesAndLoadsOffsetsPerConsumer) {
  EXPECT_EQ(*store_->LoadEventingOffset("c1"), 0);
  ASSERT_TRUE(store_->SaveEventingOffset("c1", 5).ok());
  ASSERT_TRUE(store_->SaveEventingOffset("c2", 9).ok());
  ASSERT_TRUE(store_->SaveEventingOffset("c1", 7).ok());
  EXPECT_EQ(*store_->LoadEventingOffset("c1"), 7);
  EXPECT_EQ(*store_->LoadEventingOffset("c2"), 9);
}

INSTANTIATE_TEST_SUITE_P(Stores, EventLogStoreTest,
                         ::testing::Values(LogStoreFactory{"memory",
                                                           [] { return NewMemoryStore(); }},
                                           LogStoreFactory{"sqlite", &OpenSqlite},
                                           LogStoreFactory{"postgres", &OpenPostgres}),
                         [](const auto& info) { return info.param.name; });

TEST(EventLogSqliteTest, ReopenedFileKeepsTheLogOrderAndOffsets) {
  const std::string path = TempPath("reopen");
  int64_t last = 0;
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->AppendEvents("p|e", 0, {Ev("1"), Ev("2")}).ok());
    auto log = (*store)->ReadEventLog("p", 0, 0);
    ASSERT_TRUE(log.ok());
    last = log->back().offset;
    ASSERT_TRUE((*store)->SaveEventingOffset("consumer", log->front().offset).ok());
  }
  {
    auto store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    auto offset = (*store)->LoadEventingOffset("consumer");
    ASSERT_TRUE(offset.ok());
    EXPECT_EQ(Log(**store, "p", *offset), (Rows{{"e", 2, "2"}}));
    ASSERT_TRUE((*store)->AppendEvents("p|e", 2, {Ev("3")}).ok());
    auto log = (*store)->ReadEventLog("p", last, 0);
    ASSERT_TRUE(log.ok());
    ASSERT_EQ(log->size(), 1u);
    EXPECT_GT(log->front().offset, last);
  }
  RemoveSqlite(path);
}

}  // namespace
}  // namespace cloudstate::proxy::testing
