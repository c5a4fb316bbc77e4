// PostgreSQL-specific behaviour the shared contract cannot express: group commit batching, failure
// isolation inside a batch, reconnect after connection loss, two store instances (two proxies) on
// one database. Cases needing a server are skipped when CS_POSTGRES_URL is unset.

#include <barrier>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_util.h"

namespace cloudstate::proxy::testing {
namespace {

StoredAny Ev(std::string value) {
  return StoredAny{"type.googleapis.com/cs.test.Event", std::move(value)};
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PostgresUrl();
    if (url_.empty()) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
    schema_ = FreshSchemaName("pg");
  }
  void TearDown() override {
    if (!url_.empty()) {
      DropSchema(url_, schema_);
    }
  }

  std::unique_ptr<PostgresStore> Open(PostgresStoreOptions options = {}, std::string url = "") {
    options.schema = schema_;
    auto store = OpenPostgresStore(url.empty() ? url_ : url, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string url_;
  std::string schema_;
};

TEST(PostgresStoreOpenTest, UnreachableServerIsUnavailable) {
  auto store = OpenPostgresStore("postgresql://nobody@127.0.0.1:1/none?connect_timeout=5");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable) << store.status();
  EXPECT_NE(store.status().message().find("connect"), std::string::npos) << store.status();
}

TEST(PostgresStoreOpenTest, MalformedUrlIsAnErrorNotACrash) {
  EXPECT_FALSE(OpenPostgresStore("postgresql://[::1/x").ok());
  EXPECT_FALSE(OpenPostgresStore("postgresql://h/db?no_such_option=1").ok());
}

TEST_F(PostgresStoreTest, ReportsItsKindAndIsReady) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Kind(), "postgres");
  EXPECT_TRUE(store->CheckReady().ok());
}

// The leader of the first batch waits (test hook) until all appends are queued, so exactly one
// transaction carries all of them; a stale append and one with a key PostgreSQL cannot store
// (invalid UTF-8) fail alone, the others commit.
TEST_F(PostgresStoreTest, GroupCommitWritesQueuedAppendsInOneTransaction) {
  constexpr int kAppends = 24;
  std::mutex mu;
  std::condition_variable cv;
  size_t queued = 0;
  bool armed = false;
  PostgresStoreOptions options;
  options.on_queued_for_test = [&](size_t n) {
    std::lock_guard lock(mu);
    queued = std::max(queued, n);
    cv.notify_all();
  };
  options.before_batch_for_test = [&] {
    std::unique_lock lock(mu);
    if (!armed) {
      return;
    }
    armed = false;
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return queued >= kAppends; }))
        << "only " << queued << " appends queued";
  };
  auto store = Open(std::move(options));
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(*store->AppendEvents("gc|stale", 0, {Ev("1")}), 1);
  const PostgresStoreStats before = store->Stats();
  {
    std::lock_guard lock(mu);
    armed = true;
    queued = 0;
  }

  // Appends 0 and 1 are the misfits; the rest are fresh keys, some with several events.
  std::vector<absl::StatusOr<int64_t>> results(kAppends, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kAppends; ++i) {
    threads.emplace_back([&, i] {
      if (i == 0) {
        results[i] = store->AppendEvents("gc|stale", 0, {Ev("x")});
      } else if (i == 1) {
        results[i] = store->AppendEvents(std::string("gc|bad\xff\xfe", 8), 0, {Ev("x")});
      } else {
        std::vector<StoredAny> events(static_cast<size_t>(1 + i % 3), Ev(std::to_string(i)));
        results[i] = store->AppendEvents("gc|" + std::to_string(i), 0, events);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const PostgresStoreStats after = store->Stats();
  EXPECT_EQ(after.batches - before.batches, 1);
  EXPECT_EQ(after.appends - before.appends, kAppends);
  EXPECT_EQ(after.largest_batch, kAppends);

  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kFailedPrecondition)
      << results[0].status();
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kInvalidArgument) << results[1].status();
  EXPECT_EQ(*store->HighestSequence("gc|stale"), 1);
  for (int i = 2; i < kAppends; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_EQ(*results[i], 1 + i % 3);
    auto events = store->ReadEvents("gc|" + std::to_string(i), 1, 0);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->size(), static_cast<size_t>(1 + i % 3));
  }
}

// Two appends to the same key in one batch are applied in queue order: exactly one of two
// writers expecting 0 wins, and a follow-up expecting the winner's result succeeds.
TEST_F(PostgresStoreTest, SameKeyTwiceInOneBatch) {
  std::mutex mu;
  std::condition_variable cv;
  size_t queued = 0;
  bool armed = true;
  PostgresStoreOptions options;
  options.on_queued_for_test = [&](size_t n) {
    std::lock_guard lock(mu);
    queued = std::max(queued, n);
    cv.notify_all();
  };
  options.before_batch_for_test = [&] {
    std::unique_lock lock(mu);
    if (armed) {
      armed = false;
      cv.wait_for(lock, std::chrono::seconds(60), [&] { return queued >= 2; });
    }
  };
  auto store = Open(std::move(options));
  ASSERT_NE(store, nullptr);
  absl::StatusOr<int64_t> a = absl::UnknownError(""), b = absl::UnknownError("");
  std::thread ta([&] { a = store->AppendEvents("same|k", 0, {Ev("a")}); });
  std::thread tb([&] { b = store->AppendEvents("same|k", 0, {Ev("b")}); });
  ta.join();
  tb.join();
  EXPECT_EQ(store->Stats().largest_batch, 2);
  EXPECT_NE(a.ok(), b.ok()) << a.status() << " / " << b.status();
  const absl::StatusOr<int64_t>& loser = a.ok() ? b : a;
  EXPECT_EQ(loser.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store->HighestSequence("same|k"), 1);
}

std::string WithApplicationName(const std::string& url, const std::string& name) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + name;
}

// Kills the store's server sessions; the next call on a dead connection fails with Unavailable,
// the call after that reconnects.
TEST_F(PostgresStoreTest, ReconnectsOnTheCallAfterAConnectionLoss) {
  const std::string app = schema_;  // unique, and a valid application_name
  PostgresStoreOptions options;
  options.pool_size = 1;
  auto store = Open(std::move(options), WithApplicationName(url_, app));
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(*store->AppendEvents("re|k", 0, {Ev("1")}), 1);

  auto kill_sessions = [&] {
    ASSERT_TRUE(ExecutePostgresCommand(url_,
                                       "SELECT pg_terminate_backend(pid, 30000) FROM "
                                       "pg_stat_activity WHERE application_name = '" +
                                           app + "'")
                    .ok());
  };
  kill_sessions();
  auto lost = store->AppendEvents("re|k", 1, {Ev("2")});
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable) << lost.status();
  auto retried = store->AppendEvents("re|k", 1, {Ev("2")});
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(*retried, 2);

  kill_sessions();
  auto lost_read = store->HighestSequence("re|k");
  EXPECT_EQ(lost_read.status().code(), absl::StatusCode::kUnavailable) << lost_read.status();
  auto read = store->HighestSequence("re|k");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, 2);
  EXPECT_GE(store->Stats().reconnects, 2);
}

// Two store instances stand for two proxy processes writing one database: the schema is created
// once, both see each other's writes, and a writer racing from the other instance is rejected.
TEST_F(PostgresStoreTest, TwoInstancesShareTheJournalAndRejectStaleWriters) {
  auto first = Open();
  auto second = Open();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(*first->AppendEvents("two|k", 0, {Ev("1")}), 1);
  EXPECT_EQ(second->AppendEvents("two|k", 0, {Ev("x")}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*second->AppendEvents("two|k", 1, {Ev("2")}), 2);

  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "two|race" + std::to_string(round);
    std::barrier start(2);
    absl::StatusOr<int64_t> a = absl::UnknownError(""), b = absl::UnknownError("");
    std::thread ta([&] {
      start.arrive_and_wait();
      a = first->AppendEvents(key, 0, {Ev("a"), Ev("a")});
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      b = second->AppendEvents(key, 0, {Ev("b"), Ev("b")});
    });
    ta.join();
    tb.join();
    ASSERT_NE(a.ok(), b.ok()) << key << ": " << a.status() << " / " << b.status();
    const absl::StatusOr<int64_t>& loser = a.ok() ? b : a;
    EXPECT_EQ(loser.status().code(), absl::StatusCode::kFailedPrecondition) << loser.status();
    auto events = first->ReadEvents(key, 1, 0);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[0].payload, (*events)[1].payload);  // both from the winner
  }
}

TEST_F(PostgresStoreTest, ReopenSeesEverything) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_EQ(*store->AppendEvents("ro|k", 0, {Ev("1"), Ev("2")}), 2);
    ASSERT_TRUE(store->SaveSnapshot("ro|k", StoredSnapshot{2, Ev("s")}).ok());
    ASSERT_TRUE(store->UpsertValue("ro", "v", Ev("value")).ok());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->HighestSequence("ro|k"), 2);
  EXPECT_EQ((*store->LoadSnapshot("ro|k"))->sequence, 2);
  EXPECT_EQ(**store->LoadValue("ro", "v"), Ev("value"));
}

TEST_F(PostgresStoreTest, TextThatPostgresCannotStoreIsInvalidArgument) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::string nul_key("k\0x", 3);
  EXPECT_EQ(store->AppendEvents(nul_key, 0, {Ev("1")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->UpsertValue("p", std::string("\xc3\x28", 2), Ev("v")).code(),
            absl::StatusCode::kInvalidArgument);
  // The store keeps working afterwards.
  EXPECT_EQ(*store->AppendEvents("fine|k", 0, {Ev("1")}), 1);
}

}  // namespace
}  // namespace cloudstate::proxy::testing
