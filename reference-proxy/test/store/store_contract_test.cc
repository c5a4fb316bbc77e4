// The store contract over all three stores. The first cases live in ../store_contract.h; the cases
// here are modelled on Akka Persistence's JournalSpec and SnapshotStoreSpec plus the concurrency,
// binary-data and key cases a proxy store needs. All are TEST_Ps of one suite, StoreContractTest,
// instantiated below for memory, SQLite (a fresh file per test) and PostgreSQL (a fresh schema per
// test in the database at CS_POSTGRES_URL; every case is skipped when it is unset).
//
// store_contract.h defines TEST_Ps, so this must stay the only file of proxy_test including it.
//
// Akka's journal ranges are (from, to, max); this interface has (from, max_count), so "to" is
// expressed as max_count = to - from + 1, and max_count <= 0 means "no limit" (Akka: max = 0
// returns nothing, which has no counterpart here).

#include "store_contract.h"

#include <unistd.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "postgres_test_util.h"

namespace cloudstate::proxy::testing {
namespace {

// The JournalSpec fixture: five events for `key`, events 2 and 3 written as one atomic append.
void WriteFive(Store& store, const std::string& key) {
  ASSERT_EQ(*store.AppendEvents(key, 0, {A("E", "e1")}), 1);
  ASSERT_EQ(*store.AppendEvents(key, 1, {A("E", "e2"), A("E", "e3")}), 3);
  ASSERT_EQ(*store.AppendEvents(key, 3, {A("E", "e4")}), 4);
  ASSERT_EQ(*store.AppendEvents(key, 4, {A("E", "e5")}), 5);
}

// Sequence numbers of a read, after checking each payload is "e<sequence>".
std::vector<int64_t> Replay(Store& store, const std::string& key, int64_t from, int64_t max) {
  auto events = store.ReadEvents(key, from, max);
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<int64_t> out;
  if (!events.ok()) {
    return out;
  }
  for (const StoredEvent& e : *events) {
    EXPECT_EQ(e.payload, A("E", "e" + std::to_string(e.sequence)));
    out.push_back(e.sequence);
  }
  return out;
}

using Seqs = std::vector<int64_t>;

// ---- JournalSpec: replay ----

TEST_P(StoreContractTest, JournalReplaysAllEvents) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 1, 0), (Seqs{1, 2, 3, 4, 5}));
  EXPECT_EQ(Replay(*store_, "p|a", 0, 0), (Seqs{1, 2, 3, 4, 5}));
  EXPECT_EQ(Replay(*store_, "p|a", 1, 100), (Seqs{1, 2, 3, 4, 5}));
}

TEST_P(StoreContractTest, JournalReplaysFromLowerBound) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 3, 0), (Seqs{3, 4, 5}));
  EXPECT_EQ(Replay(*store_, "p|a", 5, 0), (Seqs{5}));
}

TEST_P(StoreContractTest, JournalReplaysUpToUpperBound) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 1, 3), (Seqs{1, 2, 3}));  // to = 3
}

TEST_P(StoreContractTest, JournalReplaysLowerAndUpperBound) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 2, 3), (Seqs{2, 3, 4}));  // from 2 to 4
}

TEST_P(StoreContractTest, JournalReplaysSingleWhenLowerEqualsUpper) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 2, 1), (Seqs{2}));
}

TEST_P(StoreContractTest, JournalReplaysAtMostMaxCount) {
  WriteFive(*store_, "p|a");
  EXPECT_EQ(Replay(*store_, "p|a", 1, 1), (Seqs{1}));
  EXPECT_EQ(Replay(*store_, "p|a", 4, 10), (Seqs{4, 5}));
}

TEST_P(StoreContractTest, JournalReplaysNothingAboveHighest) {
  WriteFive(*store_, "p|a");
  EXPECT_TRUE(Replay(*store_, "p|a", 6, 0).empty());
  EXPECT_TRUE(Replay(*store_, "p|a", 1000, 3).empty());
}

TEST_P(StoreContractTest, JournalUnknownKeyIsEmptyAtSequenceZero) {
  WriteFive(*store_, "p|a");
  EXPECT_TRUE(Replay(*store_, "p|never", 1, 0).empty());
  EXPECT_EQ(*store_->HighestSequence("p|never"), 0);
  EXPECT_FALSE(store_->LoadSnapshot("p|never")->has_value());
}

TEST_P(StoreContractTest, JournalKeysDoNotShareEventsOrPrefixes) {
  WriteFive(*store_, "p|a");
  ASSERT_EQ(*store_->AppendEvents("p|ab", 0, {A("E", "e1")}), 1);
  ASSERT_EQ(*store_->AppendEvents("p|", 0, {A("E", "e1")}), 1);
  EXPECT_EQ(*store_->HighestSequence("p|a"), 5);
  EXPECT_EQ(Replay(*store_, "p|ab", 1, 0), (Seqs{1}));
  EXPECT_EQ(Replay(*store_, "p|", 1, 0), (Seqs{1}));
}

// ---- JournalSpec: writes ----

TEST_P(StoreContractTest, JournalHighestSequenceFollowsAppends) {
  EXPECT_EQ(*store_->HighestSequence("p|a"), 0);
  WriteFive(*store_, "p|a");
  EXPECT_EQ(*store_->HighestSequence("p|a"), 5);
  std::vector<StoredAny> three = {A("E", "e6"), A("E", "e7"), A("E", "e8")};
  EXPECT_EQ(*store_->AppendEvents("p|a", 5, three), 8);
  EXPECT_EQ(*store_->HighestSequence("p|a"), 8);
  EXPECT_EQ(Replay(*store_, "p|a", 1, 0), (Seqs{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_P(StoreContractTest, JournalLongSequenceHasNoGaps) {
  for (int64_t i = 0; i < 100; ++i) {
    auto r = store_->AppendEvents("p|long", i, {A("E", "e" + std::to_string(i + 1))});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(*r, i + 1);
  }
  Seqs expected;
  for (int64_t i = 1; i <= 100; ++i) {
    expected.push_back(i);
  }
  EXPECT_EQ(Replay(*store_, "p|long", 1, 0), expected);
  EXPECT_EQ(Replay(*store_, "p|long", 51, 0).size(), 50u);
}

TEST_P(StoreContractTest, JournalStaleMultiEventAppendWritesNothing) {
  WriteFive(*store_, "p|a");
  std::vector<StoredAny> batch = {A("E", "x1"), A("E", "x2"), A("E", "x3")};
  for (int64_t stale : {0, 3, 4, 6, 100}) {
    auto r = store_->AppendEvents("p|a", stale, batch);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << "expected " << stale;
  }
  EXPECT_EQ(*store_->HighestSequence("p|a"), 5);
  EXPECT_EQ(Replay(*store_, "p|a", 1, 0), (Seqs{1, 2, 3, 4, 5}));
}

TEST_P(StoreContractTest, JournalVeryLargeAppendIsAllOrNothing) {
  std::vector<StoredAny> thousand(1000, A("E", "t"));
  ASSERT_EQ(*store_->AppendEvents("p|large", 0, thousand), 1000);
  // Stale, and large enough that a store writing it in pieces could be fooled part-way.
  std::vector<StoredAny> many(2500, A("E", "m"));
  EXPECT_EQ(store_->AppendEvents("p|large", 0, many).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->HighestSequence("p|large"), 1000);
  ASSERT_EQ(*store_->AppendEvents("p|large", 1000, many), 3500);
  auto events = store_->ReadEvents("p|large", 999, 3);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0], (StoredEvent{999, A("E", "t")}));
  EXPECT_EQ((*events)[1], (StoredEvent{1000, A("E", "t")}));
  EXPECT_EQ((*events)[2], (StoredEvent{1001, A("E", "m")}));
}

TEST_P(StoreContractTest, JournalSecondWriterWithSameExpectationIsRejected) {
  WriteFive(*store_, "p|a");
  ASSERT_EQ(*store_->AppendEvents("p|a", 5, {A("E", "e6")}), 6);
  auto loser = store_->AppendEvents("p|a", 5, {A("E", "other")});
  EXPECT_EQ(loser.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Replay(*store_, "p|a", 6, 0), (Seqs{6}));
}

TEST_P(StoreContractTest, JournalEmptyAppendOnlyChecksExpectation) {
  auto r = store_->AppendEvents("p|new", 0, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(*store_->HighestSequence("p|new"), 0);
  WriteFive(*store_, "p|a");
  EXPECT_EQ(*store_->AppendEvents("p|a", 5, {}), 5);
  EXPECT_EQ(store_->AppendEvents("p|a", 4, {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AppendEvents("p|new", 1, {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->HighestSequence("p|a"), 5);
}

// ---- concurrency ----

TEST_P(StoreContractTest, ConcurrentAppendsToDifferentKeysAllLand) {
  constexpr int kThreads = 8;
  constexpr int kAppends = 25;
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string key = "conc|" + std::to_string(t);
      start.arrive_and_wait();
      for (int i = 0; i < kAppends; ++i) {
        auto r = store_->AppendEvents(key, i, {A("E", "e" + std::to_string(i + 1))});
        if (!r.ok() || *r != i + 1) {
          errors[t] = r.ok() ? "wrong sequence" : r.status().ToString();
          return;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    const std::string key = "conc|" + std::to_string(t);
    EXPECT_EQ(*store_->HighestSequence(key), kAppends);
    EXPECT_EQ(Replay(*store_, key, 1, 0).size(), static_cast<size_t>(kAppends));
  }
}

// Many appends arriving at once (what group commit batches): every acknowledged append is
// readable, and stale appends mixed into the same burst fail alone without writing.
TEST_P(StoreContractTest, BurstOfAppendsWithStaleOnesMixedIn) {
  constexpr int kKeys = 32;
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_EQ(*store_->AppendEvents("burst|" + std::to_string(k), 0, {A("E", "e1")}), 1);
  }
  // Thread k appends to key k: even threads with the right expectation (1), odd ones stale (0).
  std::barrier start(kKeys);
  std::vector<absl::StatusOr<int64_t>> results(kKeys, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int k = 0; k < kKeys; ++k) {
    threads.emplace_back([&, k] {
      const int64_t expected = k % 2 == 0 ? 1 : 0;
      start.arrive_and_wait();
      results[k] = store_->AppendEvents("burst|" + std::to_string(k), expected,
                                        {A("E", "e2"), A("E", "e3")});
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "burst|" + std::to_string(k);
    if (k % 2 == 0) {
      ASSERT_TRUE(results[k].ok()) << key << ": " << results[k].status();
      EXPECT_EQ(*results[k], 3);
      EXPECT_EQ(Replay(*store_, key, 1, 0), (Seqs{1, 2, 3}));
    } else {
      EXPECT_EQ(results[k].status().code(), absl::StatusCode::kFailedPrecondition) << key;
      EXPECT_EQ(Replay(*store_, key, 1, 0), (Seqs{1}));
    }
  }
}

TEST_P(StoreContractTest, RacingWritersOnOneKeyExactlyOneWins) {
  constexpr int kThreads = 12;
  std::barrier start(kThreads);
  std::vector<absl::StatusOr<int64_t>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = store_->AppendEvents("race|k", 0, {A("W", std::to_string(t)), A("W", "b")});
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  int winners = 0;
  int winner = -1;
  for (int t = 0; t < kThreads; ++t) {
    if (results[t].ok()) {
      ++winners;
      winner = t;
      EXPECT_EQ(*results[t], 2);
    } else {
      EXPECT_EQ(results[t].status().code(), absl::StatusCode::kFailedPrecondition)
          << results[t].status();
    }
  }
  ASSERT_EQ(winners, 1);
  auto events = store_->ReadEvents("race|k", 1, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].payload, A("W", std::to_string(winner)));
}

TEST_P(StoreContractTest, ConcurrentReadersSeeOnlyWholeAppends) {
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop.load()) {
      auto events = store_->ReadEvents("atomic|k", 1, 0);
      if (events.ok() && events->size() % 3 != 0) {
        torn.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        store_->AppendEvents("atomic|k", i * 3, {A("E", "a"), A("E", "b"), A("E", "c")}).ok());
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(*store_->HighestSequence("atomic|k"), 90);
}

// ---- SnapshotStoreSpec ----

TEST_P(StoreContractTest, SnapshotNoneForUnknownKey) {
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{3, A("S", "3")}).ok());
  EXPECT_FALSE(store_->LoadSnapshot("p|b")->has_value());
  EXPECT_FALSE(store_->LoadSnapshot("p|")->has_value());
}

TEST_P(StoreContractTest, SnapshotLoadsMostRecent) {
  for (int64_t seq : {1, 2, 5, 9}) {
    ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{seq, A("S", std::to_string(seq))}).ok());
  }
  auto snap = store_->LoadSnapshot("p|a");
  ASSERT_TRUE(snap.ok() && snap->has_value());
  EXPECT_EQ(**snap, (StoredSnapshot{9, A("S", "9")}));
}

TEST_P(StoreContractTest, SnapshotOlderDoesNotReplaceNewer) {
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{7, A("S", "7")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{6, A("S", "6")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{0, A("S", "0")}).ok());
  EXPECT_EQ(**store_->LoadSnapshot("p|a"), (StoredSnapshot{7, A("S", "7")}));
}

TEST_P(StoreContractTest, SnapshotSameSequenceOverwrites) {
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{4, A("S", "first")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{4, A("T", "second")}).ok());
  EXPECT_EQ(**store_->LoadSnapshot("p|a"), (StoredSnapshot{4, A("T", "second")}));
}

TEST_P(StoreContractTest, SnapshotsArePerKeyAndIndependentOfJournal) {
  WriteFive(*store_, "p|a");
  ASSERT_TRUE(store_->SaveSnapshot("p|a", StoredSnapshot{5, A("S", "a5")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("p|b", StoredSnapshot{2, A("S", "b2")}).ok());
  EXPECT_EQ(**store_->LoadSnapshot("p|a"), (StoredSnapshot{5, A("S", "a5")}));
  EXPECT_EQ(**store_->LoadSnapshot("p|b"), (StoredSnapshot{2, A("S", "b2")}));
  EXPECT_EQ(Replay(*store_, "p|a", 1, 0), (Seqs{1, 2, 3, 4, 5}));
  EXPECT_EQ(*store_->HighestSequence("p|b"), 0);
}

// ---- value entities ----

TEST_P(StoreContractTest, ValueUpsertLoadDeleteCycle) {
  EXPECT_FALSE(store_->LoadValue("svc1", "1")->has_value());
  ASSERT_TRUE(store_->UpsertValue("svc1", "1", A("V", "one")).ok());
  EXPECT_EQ(**store_->LoadValue("svc1", "1"), A("V", "one"));
  ASSERT_TRUE(store_->UpsertValue("svc1", "1", A("W", "two")).ok());
  EXPECT_EQ(**store_->LoadValue("svc1", "1"), A("W", "two"));
  ASSERT_TRUE(store_->DeleteValue("svc1", "1").ok());
  EXPECT_FALSE(store_->LoadValue("svc1", "1")->has_value());
  ASSERT_TRUE(store_->UpsertValue("svc1", "1", A("V", "three")).ok());
  EXPECT_EQ(**store_->LoadValue("svc1", "1"), A("V", "three"));
}

TEST_P(StoreContractTest, ValueDeleteMissingIsOk) {
  EXPECT_TRUE(store_->DeleteValue("never", "written").ok());
  ASSERT_TRUE(store_->UpsertValue("svc1", "1", A("V", "x")).ok());
  EXPECT_TRUE(store_->DeleteValue("svc1", "2").ok());
  EXPECT_TRUE(store_->LoadValue("svc1", "1")->has_value());
}

TEST_P(StoreContractTest, ValueKeysAreTheWholePair) {
  ASSERT_TRUE(store_->UpsertValue("ab", "c", A("V", "ab/c")).ok());
  ASSERT_TRUE(store_->UpsertValue("a", "bc", A("V", "a/bc")).ok());
  ASSERT_TRUE(store_->UpsertValue("c", "ab", A("V", "c/ab")).ok());
  EXPECT_EQ(**store_->LoadValue("ab", "c"), A("V", "ab/c"));
  EXPECT_EQ(**store_->LoadValue("a", "bc"), A("V", "a/bc"));
  EXPECT_EQ(**store_->LoadValue("c", "ab"), A("V", "c/ab"));
  ASSERT_TRUE(store_->DeleteValue("a", "bc").ok());
  EXPECT_TRUE(store_->LoadValue("ab", "c")->has_value());
  EXPECT_TRUE(store_->LoadValue("c", "ab")->has_value());
}

// ---- data ----

std::string AllBytes() {
  std::string s;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) {
      s.push_back(static_cast<char>(b));
    }
  }
  return s;
}

TEST_P(StoreContractTest, BinaryPayloadsWithNulBytesRoundTrip) {
  const std::string bytes = AllBytes();
  const std::string nuls(17, '\0');
  ASSERT_EQ(*store_->AppendEvents("bin|k", 0, {A("E", bytes), A("E", nuls), A("E", "")}), 3);
  auto events = store_->ReadEvents("bin|k", 1, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].payload.value, bytes);
  EXPECT_EQ((*events)[1].payload.value, nuls);
  EXPECT_EQ((*events)[2].payload.value, "");
  ASSERT_TRUE(store_->SaveSnapshot("bin|k", StoredSnapshot{3, A("S", bytes)}).ok());
  EXPECT_EQ((*store_->LoadSnapshot("bin|k"))->payload.value, bytes);
  ASSERT_TRUE(store_->UpsertValue("bin", "k", A("V", nuls + bytes)).ok());
  EXPECT_EQ((*store_->LoadValue("bin", "k"))->value, nuls + bytes);
}

TEST_P(StoreContractTest, OneMebibytePayloadsRoundTrip) {
  std::string big(size_t{1} << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  }
  ASSERT_EQ(*store_->AppendEvents("big|k", 0, {A("E", big), A("E", "small"), A("E", big)}), 3);
  auto events = store_->ReadEvents("big|k", 1, 0);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_TRUE((*events)[0].payload.value == big);
  EXPECT_TRUE((*events)[2].payload.value == big);
  ASSERT_TRUE(store_->SaveSnapshot("big|k", StoredSnapshot{3, A("S", big)}).ok());
  EXPECT_TRUE((*store_->LoadSnapshot("big|k"))->payload.value == big);
  ASSERT_TRUE(store_->UpsertValue("big", "k", A("V", big)).ok());
  EXPECT_TRUE((*store_->LoadValue("big", "k"))->value == big);
}

TEST_P(StoreContractTest, NonAsciiKeysAndTypeUrls) {
  const std::string key = "Warenkorb|Grüße-日本語-🛒";
  const std::string similar = "Warenkorb|Grüsse-日本語-🛒";
  ASSERT_EQ(*store_->AppendEvents(key, 0, {A("Ereignis_ä", "ü")}), 1);
  ASSERT_EQ(*store_->AppendEvents(similar, 0, {A("E", "ss")}), 1);
  auto events = store_->ReadEvents(key, 1, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].payload, A("Ereignis_ä", "ü"));
  EXPECT_EQ(*store_->HighestSequence(similar), 1);
  ASSERT_TRUE(store_->SaveSnapshot(key, StoredSnapshot{1, A("S", "ß")}).ok());
  EXPECT_EQ((*store_->LoadSnapshot(key))->payload.value, "ß");
  EXPECT_FALSE(store_->LoadSnapshot(similar)->has_value());
  ASSERT_TRUE(store_->UpsertValue("Корзина", "ключ-κλειδί", A("V", "значение")).ok());
  EXPECT_EQ(**store_->LoadValue("Корзина", "ключ-κλειδί"), A("V", "значение"));
  EXPECT_FALSE(store_->LoadValue("Корзина", "ключ")->has_value());
}

// ---- instantiations ----

std::unique_ptr<Store> OpenSqliteForContract() {
  static std::atomic<int> counter{0};
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("cs-store-contract-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ".db"))
          .string();
  auto store = OpenSqliteStore(path);
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open the SQLite store at " << path << ": " << store.status();
    return nullptr;
  }
  return std::make_unique<StoreWithCleanup>(std::move(*store), [path] {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
  });
}

// Records a skip for the running test when no server is configured. The placeholder store it
// returns is never used: gtest does not run a test body after a skip in SetUp.
std::unique_ptr<Store> OpenPostgresForContract() {
  const std::string url = PostgresUrl();
  if (url.empty()) {
    [] { GTEST_SKIP() << kNoPostgresMessage; }();
    return NewMemoryStore();
  }
  const std::string schema = FreshSchemaName("contract");
  PostgresStoreOptions options;
  options.schema = schema;
  auto store = OpenPostgresStore(url, std::move(options));
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open the PostgreSQL store at " << url << ": " << store.status();
    return nullptr;
  }
  return std::make_unique<StoreWithCleanup>(std::move(*store),
                                            [url, schema] { DropSchema(url, schema); });
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest,
                         ::testing::Values(StoreFactory{"memory", [] { return NewMemoryStore(); }},
                                           StoreFactory{"sqlite", &OpenSqliteForContract},
                                           StoreFactory{"postgres", &OpenPostgresForContract}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cloudstate::proxy::testing
