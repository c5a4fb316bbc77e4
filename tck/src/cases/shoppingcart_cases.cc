// The shopping cart example (com.example.shoppingcart.ShoppingCart), the first service many SDKs
// implement. Expectations follow what the original JavaScript and Java samples both do: Empty
// replies to AddItem/RemoveItem, ItemAdded/ItemRemoved events of the persistence package, quantity
// merging, client-action failures for a quantity below 1 and for removing a missing item. Where the
// samples differ (failure texts, how often they snapshot) the cases accept either: failure
// descriptions are not compared and replies are compared without their snapshot, except in the
// snapshot case, which checks any snapshot that comes.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"

#include "shoppingcart/persistence/domain.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "model.h"

namespace cloudstate::tck::cases {
namespace {

namespace api = ::com::example::shoppingcart;
namespace domain = ::com::example::shoppingcart::persistence;

constexpr const char* kShoppingCart = "com.example.shoppingcart.ShoppingCart";
const std::vector<std::string> kNeeds = {kShoppingCart};

api::AddLineItem Add(const std::string& user, const std::string& product, const std::string& name,
                     int quantity) {
  api::AddLineItem add;
  add.set_user_id(user);
  add.set_product_id(product);
  add.set_name(name);
  add.set_quantity(quantity);
  return add;
}

api::RemoveLineItem Remove(const std::string& user, const std::string& product) {
  api::RemoveLineItem remove;
  remove.set_user_id(user);
  remove.set_product_id(product);
  return remove;
}

api::GetShoppingCart Get(const std::string& user) {
  api::GetShoppingCart get;
  get.set_user_id(user);
  return get;
}

domain::ItemAdded Added(const std::string& product, const std::string& name, int quantity) {
  domain::ItemAdded added;
  added.mutable_item()->set_productid(product);
  added.mutable_item()->set_name(name);
  added.mutable_item()->set_quantity(quantity);
  return added;
}

domain::ItemRemoved Removed(const std::string& product) {
  domain::ItemRemoved removed;
  removed.set_productid(product);
  return removed;
}

struct Line {
  std::string product;
  std::string name;
  int quantity;
};

api::Cart CartOf(const std::vector<Line>& lines) {
  api::Cart cart;
  for (const auto& line : lines) {
    auto* item = cart.add_items();
    item->set_product_id(line.product);
    item->set_name(line.name);
    item->set_quantity(line.quantity);
  }
  return cart;
}

domain::Cart SnapshotOf(const std::vector<Line>& lines) {
  domain::Cart cart;
  for (const auto& line : lines) {
    auto* item = cart.add_items();
    item->set_productid(line.product);
    item->set_name(line.name);
    item->set_quantity(line.quantity);
  }
  return cart;
}

// The samples snapshot at different intervals (JavaScript every 5 events, Java every 100 by
// default): replies are compared without their snapshot.
void DropSnapshot(google::protobuf::Message* message) {
  auto* out = static_cast<es::Out*>(message);
  if (out->has_reply()) {
    out->mutable_reply()->clear_snapshot();
  }
}
const CompareOptions kIgnoreSnapshot{.normalize = &DropSnapshot};

es::In AddCommand(int64_t id, const std::string& user, const std::string& product,
                  const std::string& name, int quantity) {
  return es::Command(id, user, "AddItem", Add(user, product, name, quantity));
}

// A client-action failure for command `id` that persists nothing (the text is not compared: the
// samples word it differently).
std::string IsCartFailure(const es::Out& out, int64_t id) {
  if (!out.has_reply() || !out.reply().has_client_action() ||
      !out.reply().client_action().has_failure()) {
    return absl::StrCat("expected a client-action failure for command ", id, ", got ",
                        ShortText(out));
  }
  if (out.reply().command_id() != id) {
    return absl::StrCat("the failure answers command ", out.reply().command_id(), ", not ", id);
  }
  if (out.reply().events_size() > 0 || out.reply().has_snapshot() ||
      out.reply().side_effects_size() > 0) {
    return "the failure reply carries events, a snapshot or side effects";
  }
  return "";
}

}  // namespace

TCK_CASES(ShoppingCart) {
  Case("shoppingcart.add_items_and_get_cart")
      .Rules({"ES-030", "ES-032", "ES-008", "ES-009"})
      .Describe(
          "AddItem answers Empty with an ItemAdded event; a product added again has its quantity "
          "summed; GetCart lists the lines in first-added order without events")
      .Hint(
          "emit persistence.ItemAdded{item} per AddItem, sum quantities of one product in the "
          "ItemAdded handler, answer GetCart from the state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id));
        es.Send(AddCommand(1, id, "apple", "Apple", 1));
        es.Expect(
            es::Reply(1, google::protobuf::Empty(), {.events = {Pack(Added("apple", "Apple", 1))}}),
            kIgnoreSnapshot);
        es.Send(AddCommand(2, id, "pear", "Pear", 2));
        es.Expect(
            es::Reply(2, google::protobuf::Empty(), {.events = {Pack(Added("pear", "Pear", 2))}}),
            kIgnoreSnapshot);
        es.Send(AddCommand(3, id, "apple", "Apple", 3));
        es.Expect(
            es::Reply(3, google::protobuf::Empty(), {.events = {Pack(Added("apple", "Apple", 3))}}),
            kIgnoreSnapshot);
        es.Send(es::Command(4, id, "GetCart", Get(id)));
        es.Expect(es::Reply(4, CartOf({{"apple", "Apple", 4}, {"pear", "Pear", 2}})),
                  kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.remove_item")
      .Rules({"ES-030", "ES-032", "ES-008"})
      .Describe(
          "RemoveItem of a product in the cart answers Empty with an ItemRemoved event and the "
          "whole line leaves the cart")
      .Hint("emit persistence.ItemRemoved{productId}; its handler drops the product's line")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id));
        es.Send(AddCommand(1, id, "apple", "Apple", 2));
        es.Expect(
            es::Reply(1, google::protobuf::Empty(), {.events = {Pack(Added("apple", "Apple", 2))}}),
            kIgnoreSnapshot);
        es.Send(AddCommand(2, id, "pear", "Pear", 1));
        es.Expect(
            es::Reply(2, google::protobuf::Empty(), {.events = {Pack(Added("pear", "Pear", 1))}}),
            kIgnoreSnapshot);
        es.Send(es::Command(3, id, "RemoveItem", Remove(id, "apple")));
        es.Expect(es::Reply(3, google::protobuf::Empty(), {.events = {Pack(Removed("apple"))}}),
                  kIgnoreSnapshot);
        es.Send(es::Command(4, id, "GetCart", Get(id)));
        es.Expect(es::Reply(4, CartOf({{"pear", "Pear", 1}})), kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.non_positive_quantity_rejected")
      .Rules({"ES-031", "ES-017", "DUR-004"})
      .Describe(
          "AddItem with quantity -1 and with quantity 0 fails without an event; the cart stays "
          "as it was and the stream stays usable")
      .Hint("fail AddItem when quantity < 1 (ctx.fail), before emitting anything")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id));
        es.Send(AddCommand(1, id, "apple", "Apple", 1));
        es.Expect(
            es::Reply(1, google::protobuf::Empty(), {.events = {Pack(Added("apple", "Apple", 1))}}),
            kIgnoreSnapshot);
        es.Send(AddCommand(2, id, "pear", "Pear", -1));
        es.ExpectThat("a failure for command 2",
                      [](const es::Out& out) { return IsCartFailure(out, 2); });
        es.Send(AddCommand(3, id, "apple", "Apple", 0));
        es.ExpectThat("a failure for command 3",
                      [](const es::Out& out) { return IsCartFailure(out, 3); });
        es.Send(es::Command(4, id, "GetCart", Get(id)));
        es.Expect(es::Reply(4, CartOf({{"apple", "Apple", 1}})), kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.remove_missing_item_rejected")
      .Rules({"ES-031", "ES-017", "DUR-004"})
      .Describe(
          "RemoveItem of a product that is not in the cart fails without an event and the stream "
          "stays usable")
      .Hint("fail RemoveItem (ctx.fail) when the product has no line, before emitting anything")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id));
        es.Send(es::Command(1, id, "RemoveItem", Remove(id, "apple")));
        es.ExpectThat("a failure for command 1",
                      [](const es::Out& out) { return IsCartFailure(out, 1); });
        es.Send(AddCommand(2, id, "pear", "Pear", 1));
        es.Expect(
            es::Reply(2, google::protobuf::Empty(), {.events = {Pack(Added("pear", "Pear", 1))}}),
            kIgnoreSnapshot);
        es.Send(es::Command(3, id, "RemoveItem", Remove(id, "apple")));
        es.ExpectThat("a failure for command 3",
                      [](const es::Out& out) { return IsCartFailure(out, 3); });
        es.Send(es::Command(4, id, "GetCart", Get(id)));
        es.Expect(es::Reply(4, CartOf({{"pear", "Pear", 1}})), kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.journal_replay_after_passivation")
      .Rules({"ES-032", "ES-004", "DUR-008"})
      .Describe(
          "the events a first incarnation emitted, replayed into a new stream after passivation, "
          "rebuild the same cart (merged quantities, removed line)")
      .Hint(
          "apply replayed ItemAdded/ItemRemoved events with the same handlers as live ones, in "
          "order, before the first command")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        std::vector<google::protobuf::Any> journal;
        {
          auto es = ctx.EventSourced();
          es.Send(es::Init(kShoppingCart, id));
          const std::vector<es::In> commands = {
              AddCommand(1, id, "apple", "Apple", 2), AddCommand(2, id, "pear", "Pear", 1),
              AddCommand(3, id, "plum", "Plum", 4), AddCommand(4, id, "apple", "Apple", 5),
              es::Command(5, id, "RemoveItem", Remove(id, "pear"))};
          for (const auto& command : commands) {
            es.Send(command);
            auto out = es.Receive();
            if (!out || !ctx.Check(out->has_reply() && !out->reply().client_action().has_failure(),
                                   absl::StrCat("command ", command.command().id(),
                                                " was not answered with a reply"))) {
              return;
            }
            for (const auto& event : out->reply().events()) {
              journal.push_back(event);
            }
          }
          es.Passivate();
        }
        if (ctx.failed()) {
          return;
        }
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id));
        for (size_t i = 0; i < journal.size(); ++i) {
          es.Send(es::Event(static_cast<int64_t>(i + 1), journal[i]));
        }
        es.Send(es::Command(1, id, "GetCart", Get(id)));
        es.Expect(es::Reply(1, CartOf({{"apple", "Apple", 7}, {"plum", "Plum", 4}})),
                  kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.snapshot_restores_cart")
      .Rules({"ES-032", "ES-004"})
      .Describe(
          "a persistence.Cart snapshot in init, followed by an ItemAdded event, becomes the cart "
          "GetCart lists")
      .Hint("apply the init snapshot with the snapshot handler, then the events that follow it")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id, 7,
                         SnapshotOf({{"apple", "Apple", 2}, {"pear", "Pear", 5}})));
        es.Send(es::Event(8, Added("pear", "Pear", 1)));
        es.Send(es::Command(1, id, "GetCart", Get(id)));
        es.Expect(es::Reply(1, CartOf({{"apple", "Apple", 2}, {"pear", "Pear", 6}})),
                  kIgnoreSnapshot);
        es.Passivate();
      });

  Case("shoppingcart.own_snapshot_is_the_cart")
      .Rules({"ES-032", "ES-011", "ES-013", "DUR-003"})
      .Describe(
          "adding items one command at a time (up to 100 events): any snapshot a reply carries is "
          "the persistence.Cart of the state after that reply, and it restores the same cart")
      .Hint(
          "snapshot the whole cart as persistence.Cart including the reply's own events; the "
          "snapshot handler must read it back")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("cart");
        const std::vector<Line> products = {
            {"apple", "Apple", 0}, {"pear", "Pear", 0}, {"plum", "Plum", 0}};
        std::vector<Line> lines;
        std::optional<google::protobuf::Any> snapshot;
        int64_t snapshot_sequence = 0;
        {
          auto es = ctx.EventSourced();
          es.Send(es::Init(kShoppingCart, id));
          for (int64_t n = 1; n <= 100 && !snapshot; ++n) {
            const Line& product = products[(n - 1) % products.size()];
            es.Send(AddCommand(n, id, product.product, product.name, 1));
            if (lines.size() < products.size()) {
              lines.push_back({product.product, product.name, 1});
            } else {
              lines[(n - 1) % products.size()].quantity += 1;
            }
            auto out = es.Receive();
            if (!out ||
                !ctx.Check(out->has_reply() && out->reply().events_size() == 1,
                           absl::StrCat("AddItem ", n, " was not answered with one event"))) {
              return;
            }
            if (out->reply().has_snapshot()) {
              snapshot = out->reply().snapshot();
              snapshot_sequence = n;
            }
          }
          es.Passivate();
        }
        if (ctx.failed()) {
          return;
        }
        if (!snapshot) {
          ctx.Note("no snapshot in 100 events (snapshots are optional, ES-013)");
          return;
        }
        auto r = CompareMessages(Pack(SnapshotOf(lines)), *snapshot);
        if (!ctx.Check(r.equal, absl::StrCat("the snapshot after event ", snapshot_sequence,
                                             " is not the cart:\n", r.diff))) {
          return;
        }
        auto es = ctx.EventSourced();
        es.Send(es::Init(kShoppingCart, id, snapshot_sequence, *snapshot));
        es.Send(es::Command(1, id, "GetCart", Get(id)));
        es.Expect(es::Reply(1, CartOf(lines)), kIgnoreSnapshot);
        es.Passivate();
      });
}

}  // namespace cloudstate::tck::cases
