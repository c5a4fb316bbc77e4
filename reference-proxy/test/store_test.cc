// Memory and SQLite stores against the store contract, plus SQLite durability across reopen.

#include <unistd.h>

#include <filesystem>

#include "store_contract.h"

namespace cloudstate::proxy::testing {
namespace {

std::string TempDbPath() {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path();
  return (dir / ("cs-proxy-store-" + std::to_string(getpid()) + "-" + std::to_string(++counter) +
                 ".db"))
      .string();
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StoreContractTest,
    ::testing::Values(StoreFactory{"memory", [] { return NewMemoryStore(); }},
                      StoreFactory{"sqlite",
                                   [] {
                                     auto s = OpenSqliteStore(TempDbPath());
                                     return s.ok() ? std::move(*s) : nullptr;
                                   }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteStoreTest, DataSurvivesReopen) {
  const std::string path = TempDbPath();
  {
    auto store = OpenStore("sqlite:" + path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->AppendEvents("k", 0, {A("E", "1")}).ok());
    ASSERT_TRUE((*store)->UpsertValue("p", "e", A("V", "v")).ok());
  }
  auto store = OpenStore("sqlite:" + path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->HighestSequence("k"), 1);
  EXPECT_EQ(**(*store)->LoadValue("p", "e"), A("V", "v"));
  std::filesystem::remove(path);
}

TEST(OpenStoreTest, ParsesUrls) {
  EXPECT_TRUE(OpenStore("memory").ok());
  EXPECT_EQ(OpenStore("redis://x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore("sqlite:").status().code(), absl::StatusCode::kInvalidArgument);
  auto pg = OpenStore("postgres://nobody@127.0.0.1:1/none");
  EXPECT_FALSE(pg.ok());
}

}  // namespace
}  // namespace cloudstate::proxy::testing
