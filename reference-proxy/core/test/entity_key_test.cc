// The key formats are part of stored data: pinned here.

#include "cloudstate/proxy_core/entity_key.h"

#include "gtest/gtest.h"

namespace cloudstate::proxy {
namespace {

TEST(EntityKeyTest, FormatsAreFixed) {
  EntityConfig config;
  config.service_name = "shop.Cart";
  config.persistence_id = "cart";
  EXPECT_EQ(EntityKey(KeyKind::kEntity, config, "u1"), "shop.Cart/u1");
  EXPECT_EQ(EntityKey(KeyKind::kJournal, config, "u1"), "cart|u1");
  EXPECT_EQ(EntityKey(KeyKind::kValue, config, "u1"), "cartu1");
  EXPECT_EQ(EntityKey(KeyKind::kCrdtState, config, "u1"), "shop.Cart/cart-u1");
}

}  // namespace
}  // namespace cloudstate::proxy
