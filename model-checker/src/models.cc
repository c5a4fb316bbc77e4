#include "cloudstate/model_checker/models.h"

#include <functional>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace cloudstate::model_checker {
namespace {

using nlohmann::json;

absl::Status OpError(const Operation& op, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("operation ", op.id, " (", op.f, "): ", what));
}

// Values are compared by their canonical JSON text (nlohmann sorts object keys).
std::optional<std::string> Canonical(const json& value) {
  if (value.is_null()) {
    return std::nullopt;
  }
  return value.dump();
}

uint64_t HashOptional(const std::optional<std::string>& value) {
  return value.has_value() ? absl::HashOf(*value) : 0x9e3779b97f4a7c15ULL;
}

std::string ShowOptional(const std::optional<std::string>& value) {
  return value.has_value() ? *value : "null";
}

bool OutputKnown(const Operation& op) { return op.status == OpStatus::kOk; }

}  // namespace

std::vector<std::string> ModelNames() {
  return {std::string(KvRegisterModel::kName), std::string(ValueEntityModel::kName),
          std::string(ShoppingCartModel::kName)};
}

// --- kv-register ---------------------------------------------------------------------------------

absl::StatusOr<KvRegisterModel::State> KvRegisterModel::Initial(const json& initial) {
  return Canonical(initial);
}

absl::StatusOr<KvRegisterModel::Step> KvRegisterModel::Prepare(const Operation& op) {
  Step step;
  if (op.f == "read") {
    step.kind = Kind::kRead;
    step.value = Canonical(op.output);
  } else if (op.f == "write") {
    step.kind = Kind::kWrite;
    step.value = Canonical(op.input);
  } else if (op.f == "cas") {
    step.kind = Kind::kCas;
    const json& in = op.input;
    if (in.is_array() && in.size() == 2) {
      step.expected = Canonical(in[0]);
      step.value = Canonical(in[1]);
    } else if (in.is_object() && in.contains("from") && in.contains("to") && in.size() == 2) {
      step.expected = Canonical(in["from"]);
      step.value = Canonical(in["to"]);
    } else {
      return OpError(op, "cas input must be [from, to] or {\"from\": ..., \"to\": ...}");
    }
    if (OutputKnown(op)) {
      if (op.output.is_boolean()) {
        step.cas_succeeded = op.output.get<bool>();
      } else if (!op.output.is_null()) {
        return OpError(op, "cas output must be true, false or null");
      }
    }
  } else {
    return OpError(op, "unknown operation for kv-register (expected read, write or cas)");
  }
  return step;
}

bool KvRegisterModel::Apply(const State& state, const Step& step, bool output_known, State* next) {
  switch (step.kind) {
    case Kind::kRead:
      *next = state;
      return !output_known || state == step.value;
    case Kind::kWrite:
      *next = step.value;
      return true;
    case Kind::kCas:
      if (!output_known) {
        *next = state == step.expected ? step.value : state;
        return true;
      }
      if (step.cas_succeeded) {
        *next = step.value;
        return state == step.expected;
      }
      *next = state;
      return state != step.expected;
  }
  return false;
}

bool KvRegisterModel::IsPure(const Step& step, bool output_known) {
  return step.kind == Kind::kRead ||
         (step.kind == Kind::kCas && output_known && !step.cas_succeeded);
}

uint64_t KvRegisterModel::Hash(const State& state) { return HashOptional(state); }

std::string KvRegisterModel::Show(const State& state) { return ShowOptional(state); }

// --- value-entity --------------------------------------------------------------------------------

absl::StatusOr<ValueEntityModel::State> ValueEntityModel::Initial(const json& initial) {
  return Canonical(initial);
}

absl::StatusOr<ValueEntityModel::Step> ValueEntityModel::Prepare(const Operation& op) {
  Step step;
  if (op.f == "get") {
    step.kind = Kind::kGet;
    step.value = Canonical(op.output);
  } else if (op.f == "update") {
    step.kind = Kind::kUpdate;
    step.value = Canonical(op.input);
    if (!step.value.has_value()) {
      return OpError(op, "update needs a non-null input (use delete to remove the state)");
    }
  } else if (op.f == "delete") {
    step.kind = Kind::kDelete;
  } else if (op.f == "process") {
    step.kind = Kind::kProcess;
    const json& actions =
        op.input.is_object() && op.input.contains("actions") ? op.input["actions"] : op.input;
    if (!actions.is_array()) {
      return OpError(op,
                     "process input must be a list of actions ({\"update\": v} or "
                     "{\"delete\": true})");
    }
    for (const json& action : actions) {
      if (action.is_object() && action.size() == 1 && action.contains("update") &&
          !action["update"].is_null()) {
        step.actions.push_back(Canonical(action["update"]));
      } else if (action.is_object() && action.size() == 1 && action.contains("delete")) {
        step.actions.push_back(std::nullopt);
      } else {
        return OpError(op, absl::StrCat("unknown process action ", action.dump(),
                                        " (expected {\"update\": v} or {\"delete\": true})"));
      }
    }
    if (OutputKnown(op)) {
      if (!op.output.is_string()) {
        return OpError(op, "process output must be the reply's string");
      }
      step.reply = Canonical(op.output);
    }
  } else {
    return OpError(op,
                   "unknown operation for value-entity (expected get, update, delete or "
                   "process)");
  }
  return step;
}

bool ValueEntityModel::Apply(const State& state, const Step& step, bool output_known, State* next) {
  switch (step.kind) {
    case Kind::kGet:
      *next = state;
      return !output_known || state == step.value;
    case Kind::kUpdate:
      *next = step.value;
      return true;
    case Kind::kDelete:
      next->reset();
      return true;
    case Kind::kProcess: {
      *next = state;
      for (const auto& action : step.actions) {
        *next = action;
      }
      if (!output_known) {
        return true;
      }
      // The TCK model replies with the state's string, "" when there is none.
      static const std::string kEmptyReply = "\"\"";
      return (next->has_value() ? **next : kEmptyReply) == step.reply;
    }
  }
  return false;
}

bool ValueEntityModel::IsPure(const Step& step, bool output_known) {
  return step.kind == Kind::kGet || (step.kind == Kind::kProcess && step.actions.empty());
}

uint64_t ValueEntityModel::Hash(const State& state) { return HashOptional(state); }

std::string ValueEntityModel::Show(const State& state) { return ShowOptional(state); }

// --- shopping-cart -------------------------------------------------------------------------------

namespace {

absl::StatusOr<ShoppingCartModel::State> ParseCart(const json& j) {
  const json& items = j.is_object() && j.contains("items") ? j["items"] : j;
  ShoppingCartModel::State cart;
  if (items.is_null()) {
    return cart;
  }
  if (!items.is_array()) {
    return absl::InvalidArgumentError("a cart must be a list of items");
  }
  for (const json& item : items) {
    if (!item.is_object() || !item.contains("product") || !item["product"].is_string() ||
        !item.contains("quantity") || !item["quantity"].is_number_integer() ||
        (item.contains("name") && !item["name"].is_string())) {
      return absl::InvalidArgumentError(
          absl::StrCat("cart item ", item.dump(),
                       " must be {\"product\": string, \"name\": string, \"quantity\": integer}"));
    }
    std::string product = item["product"].get<std::string>();
    if (cart.contains(product)) {
      return absl::InvalidArgumentError(absl::StrCat("cart lists product ", product, " twice"));
    }
    cart[product] = {.name = item.value("name", std::string()),
                     .quantity = item["quantity"].get<int64_t>()};
  }
  return cart;
}

}  // namespace

absl::StatusOr<ShoppingCartModel::State> ShoppingCartModel::Initial(const json& initial) {
  auto cart = ParseCart(initial);
  if (!cart.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("initial: ", cart.status().message()));
  }
  return cart;
}

absl::StatusOr<ShoppingCartModel::Step> ShoppingCartModel::Prepare(const Operation& op) {
  Step step;
  if (op.f == "add" || op.f == "remove") {
    const json& in = op.input;
    if (!in.is_object() || !in.contains("product") || !in["product"].is_string()) {
      return OpError(op, "input needs a string \"product\"");
    }
    step.product = in["product"].get<std::string>();
    if (op.f == "remove") {
      step.kind = Kind::kRemove;
      return step;
    }
    step.kind = Kind::kAdd;
    if (!in.contains("quantity") || !in["quantity"].is_number_integer() ||
        (in.contains("name") && !in["name"].is_string())) {
      return OpError(op, "add input needs an integer \"quantity\" and a string \"name\"");
    }
    step.item = {.name = in.value("name", std::string()),
                 .quantity = in["quantity"].get<int64_t>()};
    if (step.item.quantity <= 0) {
      return OpError(op,
                     "add of a non-positive quantity must have status fail (the cart "
                     "rejects it)");
    }
    return step;
  }
  if (op.f == "get") {
    step.kind = Kind::kGet;
    if (OutputKnown(op)) {
      auto cart = ParseCart(op.output);
      if (!cart.ok()) {
        return OpError(op, cart.status().message());
      }
      step.cart = *std::move(cart);
    }
    return step;
  }
  return OpError(op, "unknown operation for shopping-cart (expected add, remove or get)");
}

bool ShoppingCartModel::Apply(const State& state, const Step& step, bool output_known,
                              State* next) {
  switch (step.kind) {
    case Kind::kAdd: {
      *next = state;
      auto [it, inserted] = next->try_emplace(step.product, step.item);
      if (!inserted &&
          __builtin_add_overflow(it->second.quantity, step.item.quantity, &it->second.quantity)) {
        return false;  // no cart holds more than 2^63 - 1 of a product
      }
      return true;
    }
    case Kind::kRemove:
      *next = state;
      // An acknowledged remove of a product that is not in the cart cannot happen: the cart
      // rejects it. An unknown one that would be rejected simply has no effect.
      return next->erase(step.product) == 1 || !output_known;
    case Kind::kGet:
      *next = state;
      return !output_known || state == step.cart;
  }
  return false;
}

bool ShoppingCartModel::IsPure(const Step& step, bool output_known) {
  return step.kind == Kind::kGet;
}

uint64_t ShoppingCartModel::Hash(const State& state) {
  uint64_t h = 0x84222325cbf29ce4ULL;
  for (const auto& [product, item] : state) {
    h = absl::HashOf(h, product, item.name, item.quantity);
  }
  return h;
}

std::string ShoppingCartModel::Show(const State& state) {
  json items = json::array();
  for (const auto& [product, item] : state) {
    items.push_back({{"product", product}, {"name", item.name}, {"quantity", item.quantity}});
  }
  return items.dump();
}

}  // namespace cloudstate::model_checker
