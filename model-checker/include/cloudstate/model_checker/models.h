#pragma once
// Sequential models the linearizability checker replays histories against. Every model turns an
// Operation into a compact prepared step once (Prepare), then the search applies steps to states
// (Apply) millions of times, so states are small, hashable values.
//
// A model is a struct with:
//   using State = ...;                  // equality-comparable
//   struct Step { ... };                // a prepared operation
//   static constexpr std::string_view kName;
//   static absl::StatusOr<State> Initial(const nlohmann::json& initial);
//   static absl::StatusOr<Step> Prepare(const Operation& op);   // input and (if known) output
//   // Whether `step` may happen in `state` giving the recorded output; `output_known` is false for
//   // operations whose outcome is unknown, which then only change the state.
//   static bool Apply(const State& state, const Step& step, bool output_known, State* next);
//   // Whether the step never changes the state when it applies (e.g. a read): the search
//   // linearizes such steps as soon as they apply, without trying alternatives.
//   static bool IsPure(const Step& step, bool output_known);
//   static uint64_t Hash(const State& state);
//   static std::string Show(const State& state);
//
// The operations of each model are documented in model-checker/README.md.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "cloudstate/model_checker/history.h"

namespace cloudstate::model_checker {

// A key-value register (one register per entity): read, write, cas. Values are any JSON value,
// compared by their canonical JSON text; the initial value is `initial` (null: absent).
struct KvRegisterModel {
  static constexpr std::string_view kName = "kv-register";
  using State = std::optional<std::string>;  // canonical JSON text; nullopt: absent (null)
  enum class Kind { kRead, kWrite, kCas };
  struct Step {
    Kind kind = Kind::kRead;
    std::optional<std::string> value{};     // read: the value read; write: written; cas: new value
    std::optional<std::string> expected{};  // cas: the value compared with
    bool cas_succeeded = true;              // cas: output {"ok": false} means it did not swap
  };
  static absl::StatusOr<State> Initial(const nlohmann::json& initial);
  static absl::StatusOr<Step> Prepare(const Operation& op);
  static bool Apply(const State& state, const Step& step, bool output_known, State* next);
  static bool IsPure(const Step& step, bool output_known);
  static uint64_t Hash(const State& state);
  static std::string Show(const State& state);
};

// A value entity: get, update, delete, and process (the TCK ValueEntityTckModel command: a list of
// update/delete actions, replying with the resulting value, "" when there is none).
struct ValueEntityModel {
  static constexpr std::string_view kName = "value-entity";
  using State = std::optional<std::string>;  // canonical JSON text; nullopt: no state (deleted)
  enum class Kind { kGet, kUpdate, kDelete, kProcess };
  struct Step {
    Kind kind = Kind::kGet;
    std::optional<std::string> value{};  // get: value read; update: new value
    // process: the actions in order (nullopt: delete, else update to the JSON text).
    std::vector<std::optional<std::string>> actions{};
    std::optional<std::string> reply{};  // process: the reply's value (JSON text of a string)
  };
  static absl::StatusOr<State> Initial(const nlohmann::json& initial);
  static absl::StatusOr<Step> Prepare(const Operation& op);
  static bool Apply(const State& state, const Step& step, bool output_known, State* next);
  static bool IsPure(const Step& step, bool output_known);
  static uint64_t Hash(const State& state);
  static std::string Show(const State& state);
};

// The event-sourced shopping cart of the Cloudstate examples (com.example.shoppingcart): add
// merges quantities of a product (keeping the first name), remove deletes a product that must be
// in the cart, get returns the items. Rejected commands (non-positive quantity, removing a
// missing product) have status fail and are therefore not part of the check.
struct ShoppingCartModel {
  static constexpr std::string_view kName = "shopping-cart";
  struct Item {
    std::string name{};
    int64_t quantity = 0;
    friend bool operator==(const Item&, const Item&) = default;
  };
  using State = std::map<std::string, Item>;  // by product id
  enum class Kind { kAdd, kRemove, kGet };
  struct Step {
    Kind kind = Kind::kAdd;
    std::string product{};
    Item item{};   // add
    State cart{};  // get: the cart read
  };
  static absl::StatusOr<State> Initial(const nlohmann::json& initial);
  static absl::StatusOr<Step> Prepare(const Operation& op);
  static bool Apply(const State& state, const Step& step, bool output_known, State* next);
  static bool IsPure(const Step& step, bool output_known);
  static uint64_t Hash(const State& state);
  static std::string Show(const State& state);
};

// The names of the models CheckHistory knows.
std::vector<std::string> ModelNames();

}  // namespace cloudstate::model_checker
