// The example event sourced shopping cart (com.example.shoppingcart.ShoppingCart).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"

#include "shoppingcart/persistence/domain.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace api = com::example::shoppingcart;
namespace domain = com::example::shoppingcart::persistence;

constexpr char kShoppingCart[] = "com.example.shoppingcart.ShoppingCart";

// The deliberate faults of the example (fault_names.h, kCart*).
struct CartFaults {
  bool negative_quantity_accepted = false;
  bool remove_missing_accepted = false;
  bool lines_not_merged = false;
  bool remove_not_applied = false;
  bool snapshot_ignored = false;
  bool wrong_event_type = false;
};

class ShoppingCartEntity final : public sdk::EventSourcedEntity {
 public:
  explicit ShoppingCartEntity(CartFaults faults) : faults_(faults) {}

  absl::Status HandleSnapshot(const google::protobuf::Any& snapshot) override {
    domain::Cart cart;
    if (!UnpackAny(snapshot, &cart)) {
      return absl::InvalidArgumentError("snapshot is not a persistence.Cart");
    }
    if (!faults_.snapshot_ignored) {
      items_.assign(cart.items().begin(), cart.items().end());
    }
    return absl::OkStatus();
  }

  absl::Status HandleEvent(const google::protobuf::Any& event) override {
    domain::ItemAdded added;
    domain::ItemRemoved removed;
    if (UnpackAny(event, &added) || (faults_.wrong_event_type && UnpackWrongType(event, &added))) {
      auto it = Find(added.item().productid());
      if (it == items_.end() || faults_.lines_not_merged) {
        items_.push_back(added.item());
      } else {
        // Saturates: a journal written before AddItem refused overflows must still replay.
        const int64_t sum = int64_t{it->quantity()} + int64_t{added.item().quantity()};
        it->set_quantity(static_cast<int32_t>(std::clamp<int64_t>(
            sum, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max())));
      }
      return absl::OkStatus();
    }
    if (UnpackAny(event, &removed)) {
      auto it = Find(removed.productid());
      if (it != items_.end() && !faults_.remove_not_applied) {
        items_.erase(it);
      }
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown cart event ", event.type_url()));
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
      if (add.quantity() <= 0 && !faults_.negative_quantity_accepted) {
        ctx.Fail(absl::StrCat("Cannot add negative quantity of to item ", add.product_id()));
        return std::nullopt;
      }
      // A quantity the cart cannot hold is the command's failure, like a negative one.
      auto existing = Find(add.product_id());
      if (existing != items_.end() && int64_t{existing->quantity()} + int64_t{add.quantity()} >
                                          std::numeric_limits<int32_t>::max()) {
        ctx.Fail(absl::StrCat("Cannot add ", add.quantity(), " of item ", add.product_id(),
                              ": the cart would hold more than ",
                              std::numeric_limits<int32_t>::max()));
        return std::nullopt;
      }
      domain::ItemAdded event;
      event.mutable_item()->set_productid(add.product_id());
      event.mutable_item()->set_name(add.name());
      event.mutable_item()->set_quantity(add.quantity());
      absl::Status status = faults_.wrong_event_type ? EmitWrongType(event, ctx) : ctx.Emit(event);
      if (!status.ok()) {
        return status;
      }
      return PackAny(google::protobuf::Empty());
    }
    if (ctx.command_name() == "RemoveItem") {
      api::RemoveLineItem remove;
      UnpackAny(command, &remove);
      if (Find(remove.product_id()) == items_.end() && !faults_.remove_missing_accepted) {
        ctx.Fail(absl::StrCat("Cannot remove item ", remove.product_id(),
                              " because it is not in the cart."));
        return std::nullopt;
      }
      domain::ItemRemoved event;
      event.set_productid(remove.product_id());
      absl::Status status = ctx.Emit(event);
      if (!status.ok()) {
        return status;
      }
      return PackAny(google::protobuf::Empty());
    }
    if (ctx.command_name() == "GetCart") {
      api::Cart cart;
      for (const auto& item : items_) {
        api::LineItem* line = cart.add_items();
        line->set_product_id(item.productid());
        line->set_name(item.name());
        line->set_quantity(item.quantity());
      }
      return PackAny(cart);
    }
    return absl::UnimplementedError(absl::StrCat("unknown command ", ctx.command_name()));
  }

 private:
  // The fault kCartWrongEventType: the added line travels as the API's AddLineItem.
  static absl::Status EmitWrongType(const domain::ItemAdded& event, sdk::EventSourcedContext& ctx) {
    api::AddLineItem line;
    line.set_product_id(event.item().productid());
    line.set_name(event.item().name());
    line.set_quantity(event.item().quantity());
    return ctx.Emit(line);
  }
  static bool UnpackWrongType(const google::protobuf::Any& event, domain::ItemAdded* added) {
    api::AddLineItem line;
    if (!UnpackAny(event, &line)) {
      return false;
    }
    added->mutable_item()->set_productid(line.product_id());
    added->mutable_item()->set_name(line.name());
    added->mutable_item()->set_quantity(line.quantity());
    return true;
  }

  std::vector<domain::LineItem>::iterator Find(const std::string& product_id) {
    return std::find_if(items_.begin(), items_.end(), [&](const domain::LineItem& item) {
      return item.productid() == product_id;
    });
  }

  CartFaults faults_;
  std::vector<domain::LineItem> items_;  // in the order they were first added
};

}  // namespace

void RegisterShoppingCart(sdk::Server& server, const Faults& faults) {
  sdk::EventSourcedEntityOptions options;
  options.service = FindService(kShoppingCart);
  options.persistence_id = "shopping-cart";
  options.snapshot_every = 100;
  CartFaults cart_faults;
  cart_faults.negative_quantity_accepted = faults.Has(fault::kCartNegativeQuantityAccepted);
  cart_faults.remove_missing_accepted = faults.Has(fault::kCartRemoveMissingAccepted);
  cart_faults.lines_not_merged = faults.Has(fault::kCartLinesNotMerged);
  cart_faults.remove_not_applied = faults.Has(fault::kCartRemoveNotApplied);
  cart_faults.snapshot_ignored = faults.Has(fault::kCartSnapshotIgnored);
  cart_faults.wrong_event_type = faults.Has(fault::kCartWrongEventType);
  server.AddEventSourcedEntity(options, [cart_faults](std::string_view) {
    return std::make_unique<ShoppingCartEntity>(cart_faults);
  });
}

}  // namespace cloudstate::reference_function
