// SQLite durability across reopen and OpenStore URL parsing. The store contract (store_contract.h)
// is instantiated for memory, SQLite and PostgreSQL in store/store_contract_test.cc: the header
// defines TEST_Ps, so exactly one translation unit of proxy_test may include it.

#include "cloudstate/proxy/store.h"

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace cloudstate::proxy::testing {
namespace {

std::string TempDbPath() {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path();
  return (dir /
          ("cs-proxy-store-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ".db"))
      .string();
}

StoredAny A(std::string type, std::string value) {
  return StoredAny{"type.googleapis.com/" + std::move(type), std::move(value)};
}

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
