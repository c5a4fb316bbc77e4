// The shopping-cart sdk target against carts served in-process by the C++ SDK: it passes against a
// correct cart and reports (exit 1) carts that the SDK's deliberate deviations (sdk/fault_plan.h)
// break. The reference function's faults do not reach its shopping cart, so the broken carts are
// built here.
#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"
#include <gtest/gtest.h>

#include "shoppingcart/persistence/domain.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/model_checker/cli.h"
#include "cloudstate/model_checker/sdk_target.h"
#include "cloudstate/sdk/event_sourced.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::model_checker {
namespace {

namespace api = com::example::shoppingcart;
namespace domain = com::example::shoppingcart::persistence;

// A cart with the example's semantics: add merges quantities (keeping the first name), remove
// needs the product, both reject bad input with a failure.
class TestCart final : public sdk::EventSourcedEntity {
 public:
  absl::Status HandleSnapshot(const google::protobuf::Any& snapshot) override {
    domain::Cart cart;
    if (!UnpackAny(snapshot, &cart)) {
      return absl::InvalidArgumentError("snapshot is not a Cart");
    }
    items_.assign(cart.items().begin(), cart.items().end());
    return absl::OkStatus();
  }

  absl::Status HandleEvent(const google::protobuf::Any& event) override {
    domain::ItemAdded added;
    domain::ItemRemoved removed;
    if (UnpackAny(event, &added)) {
      if (auto* item = Find(added.item().productid()); item != nullptr) {
        item->set_quantity(item->quantity() + added.item().quantity());
      } else {
        items_.push_back(added.item());
      }
      return absl::OkStatus();
    }
    if (UnpackAny(event, &removed)) {
      std::erase_if(
          items_, [&](const domain::LineItem& i) { return i.productid() == removed.productid(); });
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError("unknown event");
  }

  std::optional<google::protobuf::Any> Snapshot() const override {
    domain::Cart cart;
    for (const auto& item : items_) {
      *cart.add_items() = item;
    }
    return PackAny(cart);
  }

  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::EventSourcedContext& ctx) override {
    if (ctx.command_name() == "AddItem") {
      api::AddLineItem add;
      UnpackAny(command, &add);
      if (add.quantity() <= 0) {
        ctx.Fail("non-positive quantity");
        return std::nullopt;
      }
      domain::ItemAdded event;
      event.mutable_item()->set_productid(add.product_id());
      event.mutable_item()->set_name(add.name());
      event.mutable_item()->set_quantity(add.quantity());
      if (absl::Status s = ctx.Emit(event); !s.ok()) {
        return s;
      }
      return PackAny(google::protobuf::Empty());
    }
    if (ctx.command_name() == "RemoveItem") {
      api::RemoveLineItem remove;
      UnpackAny(command, &remove);
      if (Find(remove.product_id()) == nullptr) {
        ctx.Fail("not in the cart");
        return std::nullopt;
      }
      domain::ItemRemoved event;
      event.set_productid(remove.product_id());
      if (absl::Status s = ctx.Emit(event); !s.ok()) {
        return s;
      }
      return PackAny(google::protobuf::Empty());
    }
    api::Cart cart;
    for (const auto& item : items_) {
      auto* line = cart.add_items();
      line->set_product_id(item.productid());
      line->set_name(item.name());
      line->set_quantity(item.quantity());
    }
    return PackAny(cart);
  }

 private:
  domain::LineItem* Find(const std::string& product) {
    for (auto& item : items_) {
      if (item.productid() == product) {
        return &item;
      }
    }
    return nullptr;
  }

  std::vector<domain::LineItem> items_;
};

struct Variant {
  const char* name;
  std::vector<sdk::SdkFault> faults;  // SDK deviations (sdk/fault_plan.h) of the cart service
  int64_t snapshot_every;
  int expected_exit;
};

// Names the variant in test names and messages (instead of its bytes).
void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class SdkCartTarget : public ::testing::TestWithParam<Variant> {};

TEST_P(SdkCartTarget, VerdictMatchesTheCart) {
  const Variant& v = GetParam();
  auto plan = std::make_shared<sdk::FixedFaultPlan>();
  for (sdk::SdkFault fault : v.faults) {
    plan->Enable(fault, "com.example.shoppingcart.ShoppingCart");
  }
  sdk::Server server(sdk::ServerOptions{"model-checker-test-cart", "1.0", plan});
  sdk::EventSourcedEntityOptions options;
  options.service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      "com.example.shoppingcart.ShoppingCart");
  ASSERT_NE(options.service, nullptr);
  options.persistence_id = "shopping-cart";
  options.snapshot_every = v.snapshot_every;
  server.AddEventSourcedEntity(options,
                               [](std::string_view) { return std::make_unique<TestCart>(); });
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  SdkTargetOptions target;
  target.function = absl::StrCat("127.0.0.1:", server.port());
  target.entity = "shopping-cart";
  target.seed = 20261204;
  target.tests = 300;
  EXPECT_EQ(RunSdkTarget(target), v.expected_exit) << v.name;
  server.Shutdown();
}

INSTANTIATE_TEST_SUITE_P(
    Carts, SdkCartTarget,
    ::testing::Values(
        Variant{"healthy", {}, 3, kExitOk},
        Variant{"replay_reversed", {sdk::SdkFault::kEsReplayEventsReversed}, 0, kExitViolation},
        Variant{"wrong_command_id", {sdk::SdkFault::kEsReplyCommandIdPlusOne}, 0, kExitViolation},
        Variant{"snapshot_ignored", {sdk::SdkFault::kEsIgnoreInitSnapshot}, 3, kExitViolation}),
    [](const ::testing::TestParamInfo<Variant>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace cloudstate::model_checker
