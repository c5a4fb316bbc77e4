// The sdk target for the event-sourced shopping cart (com.example.shoppingcart.ShoppingCart): the
// checker plays the proxy, keeps each cart's journal (events and the latest snapshot, opaque to
// it), replays them into restarted streams, and checks every answer against ShoppingCartModel.
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/event_sourced.grpc.pb.h"
#include "shoppingcart/shoppingcart.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/model_checker/models.h"
#include "entity_streams.h"
#include "sdk_property.h"

#if CS_MC_HAVE_RAPIDCHECK
#include "rapidcheck.h"
#include "rapidcheck/state.h"
#endif

namespace cloudstate::model_checker {

#if CS_MC_HAVE_RAPIDCHECK
namespace {

namespace es = cloudstate::eventsourced;
namespace api = com::example::shoppingcart;

constexpr char kCartService[] = "com.example.shoppingcart.ShoppingCart";

using Cart = ShoppingCartModel::State;

struct CartModel {
  std::map<std::string, Cart> carts{};
  std::set<std::string> open{};
};

std::string ShowCart(const Cart& cart) { return ShoppingCartModel::Show(cart); }

// What a proxy keeps of one cart: its events and its latest snapshot.
struct Journal {
  std::vector<google::protobuf::Any> events{};
  int64_t snapshot_sequence = 0;  // events folded into the snapshot
  std::optional<google::protobuf::Any> snapshot{};
};

class CartTarget {
 public:
  CartTarget(const std::shared_ptr<grpc::Channel>& channel, std::string run_prefix,
             double timeout_seconds)
      : streams_(channel, std::move(run_prefix), timeout_seconds) {}

  std::string WireId(const std::string& entity) const { return streams_.WireId(entity); }

  es::EventSourcedStreamOut Call(const std::string& entity, const std::string& name,
                                 const google::protobuf::Message& payload, int64_t* command_id) {
    Streams::Stream& stream = Open(entity);
    es::EventSourcedStreamIn in;
    Command* command = in.mutable_command();
    command->set_entity_id(WireId(entity));
    command->set_id(stream.next_command_id++);
    command->set_name(name);
    *command->mutable_payload() = PackAny(payload);
    *command_id = command->id();
    return streams_.Exchange(entity, stream, in);
  }

  // Persists an accepted command's events and snapshot, as a proxy does.
  void Persist(const std::string& entity, const es::EventSourcedReply& reply) {
    Journal& journal = journals_[entity];
    for (const auto& event : reply.events()) {
      journal.events.push_back(event);
    }
    if (reply.has_snapshot()) {
      journal.snapshot = reply.snapshot();
      journal.snapshot_sequence = static_cast<int64_t>(journal.events.size());
    }
  }

  void Restart(const std::string& entity) { streams_.Restart(entity); }

 private:
  using Streams =
      EntityStreams<es::EventSourced, es::EventSourcedStreamIn, es::EventSourcedStreamOut>;

  // Opens the cart's stream with its latest snapshot, then replays the events after it.
  Streams::Stream& Open(const std::string& entity) {
    if (Streams::Stream* open = streams_.Find(entity)) {
      return *open;
    }
    const Journal& journal = journals_[entity];
    std::vector<es::EventSourcedStreamIn> opening(1);
    es::EventSourcedInit* init = opening.front().mutable_init();
    init->set_service_name(kCartService);
    init->set_entity_id(WireId(entity));
    if (journal.snapshot.has_value()) {
      init->mutable_snapshot()->set_snapshot_sequence(journal.snapshot_sequence);
      *init->mutable_snapshot()->mutable_snapshot() = *journal.snapshot;
    }
    for (size_t i = static_cast<size_t>(journal.snapshot_sequence); i < journal.events.size();
         ++i) {
      es::EventSourcedEvent* event = opening.emplace_back().mutable_event();
      event->set_sequence(static_cast<int64_t>(i) + 1);
      *event->mutable_payload() = journal.events[i];
    }
    return streams_.Open(entity, opening);
  }

  Streams streams_;
  std::map<std::string, Journal> journals_;
};

using CartCommand = rc::state::Command<CartModel, CartTarget>;

// The reply to `command_id`; fails the case on a stream failure or another command id.
const es::EventSourcedReply& ExpectReply(const es::EventSourcedStreamOut& out, int64_t command_id) {
  MC_FAIL_IF(out.has_failure(), "the function failed the stream: " + out.failure().description());
  MC_FAIL_IF(!out.has_reply(), "the function's answer is not a reply");
  MC_FAIL_IF(
      out.reply().command_id() != command_id,
      absl::StrCat("reply to command ", out.reply().command_id(), ", expected ", command_id));
  return out.reply();
}

struct AddCommand : CartCommand {
  std::string entity, product, name;
  int quantity;

  explicit AddCommand(const std::vector<std::string>& entities)
      : entity(*rc::gen::elementOf(entities)),
        product(*rc::gen::element<std::string>("apple", "pear", "plum")),
        name(*rc::gen::element<std::string>("A", "B")),
        quantity(*rc::gen::weightedElement<int>({{1, -1}, {1, 0}, {4, 1}, {3, 2}, {1, 5}})) {}

  void apply(CartModel& model) const override {
    model.open.insert(entity);
    if (quantity > 0) {
      auto [it, inserted] =
          model.carts[entity].try_emplace(product, ShoppingCartModel::Item{name, quantity});
      if (!inserted) {
        it->second.quantity += quantity;
      }
    }
  }

  void run(const CartModel& model, CartTarget& target) const override {
    api::AddLineItem add;
    add.set_user_id(target.WireId(entity));
    add.set_product_id(product);
    add.set_name(name);
    add.set_quantity(quantity);
    int64_t id = 0;
    const es::EventSourcedStreamOut out = target.Call(entity, "AddItem", add, &id);
    const es::EventSourcedReply& reply = ExpectReply(out, id);
    if (quantity <= 0) {
      MC_FAIL_IF(!reply.client_action().has_failure(),
                 absl::StrCat("adding quantity ", quantity, " was not rejected"));
      return;  // a proxy drops the events of a failed command
    }
    MC_FAIL_IF(!reply.client_action().has_reply(), "AddItem was not answered with a reply: " +
                                                       reply.client_action().ShortDebugString());
    MC_FAIL_IF(reply.events().empty(), "AddItem emitted no event");
    target.Persist(entity, reply);
  }

  void show(std::ostream& os) const override {
    os << "AddItem(" << entity << ", " << product << ", \"" << name << "\", " << quantity << ")";
  }
};

struct RemoveCommand : CartCommand {
  std::string entity, product;

  explicit RemoveCommand(const std::vector<std::string>& entities)
      : entity(*rc::gen::elementOf(entities)),
        product(*rc::gen::element<std::string>("apple", "pear", "plum")) {}

  void apply(CartModel& model) const override {
    model.open.insert(entity);
    model.carts[entity].erase(product);
  }

  void run(const CartModel& model, CartTarget& target) const override {
    api::RemoveLineItem remove;
    remove.set_user_id(target.WireId(entity));
    remove.set_product_id(product);
    int64_t id = 0;
    const es::EventSourcedStreamOut out = target.Call(entity, "RemoveItem", remove, &id);
    const es::EventSourcedReply& reply = ExpectReply(out, id);
    auto cart = model.carts.find(entity);
    const bool present = cart != model.carts.end() && cart->second.contains(product);
    if (!present) {
      MC_FAIL_IF(!reply.client_action().has_failure(),
                 "removing " + product + ", which is not in the cart, was not rejected");
      return;
    }
    MC_FAIL_IF(!reply.client_action().has_reply(),
               "RemoveItem of " + product + " (in the cart) was not answered with a reply: " +
                   reply.client_action().ShortDebugString());
    MC_FAIL_IF(reply.events().empty(), "RemoveItem emitted no event");
    target.Persist(entity, reply);
  }

  void show(std::ostream& os) const override {
    os << "RemoveItem(" << entity << ", " << product << ")";
  }
};

struct GetCommand : CartCommand {
  std::string entity;

  explicit GetCommand(const std::vector<std::string>& entities)
      : entity(*rc::gen::elementOf(entities)) {}

  void apply(CartModel& model) const override { model.open.insert(entity); }

  void run(const CartModel& model, CartTarget& target) const override {
    api::GetShoppingCart get;
    get.set_user_id(target.WireId(entity));
    int64_t id = 0;
    const es::EventSourcedStreamOut out = target.Call(entity, "GetCart", get, &id);
    const es::EventSourcedReply& reply = ExpectReply(out, id);
    MC_FAIL_IF(!reply.client_action().has_reply(), "GetCart was not answered with a reply: " +
                                                       reply.client_action().ShortDebugString());
    api::Cart cart;
    MC_FAIL_IF(!UnpackAny(reply.client_action().reply().payload(), &cart),
               "the GetCart reply is not a com.example.shoppingcart.Cart");
    Cart seen;
    for (const auto& item : cart.items()) {
      MC_FAIL_IF(!seen.try_emplace(item.product_id(),
                                   ShoppingCartModel::Item{item.name(), item.quantity()})
                      .second,
                 "the cart lists " + item.product_id() + " twice");
    }
    auto it = model.carts.find(entity);
    const Cart expected = it == model.carts.end() ? Cart() : it->second;
    MC_FAIL_IF(seen != expected,
               "cart " + ShowCart(seen) + ", the model says " + ShowCart(expected));
  }

  void show(std::ostream& os) const override { os << "GetCart(" << entity << ")"; }
};

struct CartRestartCommand : CartCommand {
  std::string entity;

  explicit CartRestartCommand(const CartModel& model)
      : entity(
            *rc::gen::elementOf(std::vector<std::string>(model.open.begin(), model.open.end()))) {}

  void checkPreconditions(const CartModel& model) const override {
    RC_PRE(model.open.contains(entity));
  }
  void apply(CartModel& model) const override { model.open.erase(entity); }
  void run(const CartModel& model, CartTarget& target) const override { target.Restart(entity); }
  void show(std::ostream& os) const override {
    os << "Restart(" << entity << ")  // stream ended; the next command replays the journal";
  }
};

}  // namespace

int RunShoppingCartTarget(const SdkTargetOptions& options,
                          const std::shared_ptr<grpc::Channel>& channel, uint64_t seed) {
  std::vector<std::string> entities;
  entities.reserve(options.entities);
  for (int i = 0; i < options.entities; ++i) {
    entities.push_back(absl::StrCat("cart", i));
  }
  int sequence = 0;
  return RunSdkProperty(
      options, seed,
      {.name = "sdk[shoppingcart.ShoppingCart]",
       .area = "eventsourced",
       .service = kCartService,
       .description = "the event-sourced shopping cart conforms to the sequential model"},
      [&] {
        CartModel model;
        CartTarget target(channel, absl::StrCat("mc", seed % 100000, "-", sequence++),
                          options.timeout_seconds);
        rc::state::check(model, target, [&](const CartModel& m) {
          using CommandPtr = std::shared_ptr<const CartCommand>;
          auto add =
              rc::gen::exec([&] { return CommandPtr(std::make_shared<AddCommand>(entities)); });
          auto remove =
              rc::gen::exec([&] { return CommandPtr(std::make_shared<RemoveCommand>(entities)); });
          auto get =
              rc::gen::exec([&] { return CommandPtr(std::make_shared<GetCommand>(entities)); });
          if (m.open.empty()) {
            return rc::gen::weightedOneOf<CommandPtr>({{4, add}, {2, remove}, {3, get}});
          }
          auto restart =
              rc::gen::exec([m] { return CommandPtr(std::make_shared<CartRestartCommand>(m)); });
          return rc::gen::weightedOneOf<CommandPtr>(
              {{4, add}, {2, remove}, {3, get}, {1, restart}});
        });
      });
}

#endif

}  // namespace cloudstate::model_checker
