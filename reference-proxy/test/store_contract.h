#pragma once
// The behaviour every Store must have, as a value-parameterised GoogleTest suite. A store test
// instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(StoreFactory{...}));

#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy::testing {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> open;
};

inline std::ostream& operator<<(std::ostream& os, const StoreFactory& f) { return os << f.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().open();
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<Store> store_;
};

inline StoredAny A(std::string type, std::string value) {
  return StoredAny{"type.googleapis.com/" + std::move(type), std::move(value)};
}

TEST_P(StoreContractTest, AppendsAndReadsEventsInOrder) {
  auto r = store_->AppendEvents("svc|e1", 0, {A("E", "a"), A("E", std::string("\0b", 2))});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2);
  r = store_->AppendEvents("svc|e1", 2, {A("E", "")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 3);
  auto events = store_->ReadEvents("svc|e1", 1, 0);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0], (StoredEvent{1, A("E", "a")}));
  EXPECT_EQ((*events)[1], (StoredEvent{2, A("E", std::string("\0b", 2))}));
  EXPECT_EQ((*events)[2], (StoredEvent{3, A("E", "")}));
  events = store_->ReadEvents("svc|e1", 2, 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].sequence, 2);
  EXPECT_EQ(*store_->HighestSequence("svc|e1"), 3);
  EXPECT_EQ(*store_->HighestSequence("svc|other"), 0);
  EXPECT_TRUE(store_->ReadEvents("svc|other", 1, 0)->empty());
}

TEST_P(StoreContractTest, RejectsStaleWriterWithoutWriting) {
  ASSERT_TRUE(store_->AppendEvents("k", 0, {A("E", "1")}).ok());
  auto r = store_->AppendEvents("k", 0, {A("E", "x"), A("E", "y")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*store_->HighestSequence("k"), 1);
  r = store_->AppendEvents("k", 5, {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  r = store_->AppendEvents("k", 1, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 1);
}

TEST_P(StoreContractTest, KeepsLatestSnapshot) {
  EXPECT_FALSE(store_->LoadSnapshot("k")->has_value());
  ASSERT_TRUE(store_->SaveSnapshot("k", StoredSnapshot{3, A("S", "three")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("k", StoredSnapshot{5, A("S", "five")}).ok());
  ASSERT_TRUE(store_->SaveSnapshot("k", StoredSnapshot{4, A("S", "four")}).ok());
  auto snap = store_->LoadSnapshot("k");
  ASSERT_TRUE(snap.ok());
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ(**snap, (StoredSnapshot{5, A("S", "five")}));
}

TEST_P(StoreContractTest, UpsertsLoadsAndDeletesValues) {
  EXPECT_FALSE(store_->LoadValue("cart1", "1")->has_value());
  ASSERT_TRUE(store_->UpsertValue("cart1", "1", A("V", "a")).ok());
  ASSERT_TRUE(store_->UpsertValue("cart1", "1", A("V", "")).ok());
  ASSERT_TRUE(store_->UpsertValue("cart2", "2", A("V", "other")).ok());
  auto v = store_->LoadValue("cart1", "1");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, A("V", ""));
  ASSERT_TRUE(store_->DeleteValue("cart1", "1").ok());
  ASSERT_TRUE(store_->DeleteValue("cart1", "1").ok());
  EXPECT_FALSE(store_->LoadValue("cart1", "1")->has_value());
  EXPECT_TRUE(store_->LoadValue("cart2", "2")->has_value());
  EXPECT_TRUE(store_->CheckReady().ok());
}

}  // namespace cloudstate::proxy::testing
