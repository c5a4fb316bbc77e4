#pragma once
// Registration of conformance cases. Every case has a stable name, the spec rules it checks, a
// level, a one-line description, a hint for the SDK author when it fails, the model services it
// needs, and a body written with the scenario DSL (scenario.h).
//
//   TCK_CASES(EventSourcedBasics) {
//     Case("eventsourced.single_emitted_event")
//         .Rules({"ES-008", "ES-009"})
//         .Describe("an emitted event is returned in order and applied before the reply")
//         .Hint("emit must append to the reply's events and update the state immediately")
//         .Needs({kEventSourcedTckModel, kEventSourcedTwo})
//         .Run([](CaseContext& ctx) { ... });
//   }
//
// Cases self-register at static-initialisation time; the library is linked whole-archive so that
// files holding only cases are kept by the linker.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/common/protocol.h"
#include "cloudstate/reports/results.h"

namespace cloudstate::tck {

class CaseContext;

using CaseLevel = ::cloudstate::reports::CaseLevel;
using CaseBody = std::function<void(CaseContext&)>;

struct CaseSpec {
  std::string name;                   // "<area>.<snake_case>", unique
  std::string area;                   // derived from the name's prefix unless set explicitly
  std::vector<std::string> rule_ids;  // e.g. {"ES-004"}
  CaseLevel level = CaseLevel::kRequired;
  std::string description;            // one line: what is checked
  std::string hint;                   // one line: what to look at when it fails
  std::vector<std::string> services;  // model services (full names) the function must declare
  std::string original_id;            // id in the original Scala TCK (e.g. "ES6"), empty if new
  CaseBody body;
};

// Fluent builder returned by Case(); it points at the registered entry, so every setter updates the
// registered spec directly.
class CaseBuilder {
 public:
  explicit CaseBuilder(CaseSpec* spec) : spec_(spec) {}
  CaseBuilder& Rules(std::vector<std::string> rule_ids);
  CaseBuilder& Required();
  CaseBuilder& Optional();
  // The case feeds an input no conforming proxy sends (unknown names, bad type URLs, messages out
  // of order or empty, init for an unknown service, undecodable init state): any orderly reaction
  // passes, and the case is reported apart from the required verdict.
  CaseBuilder& Robustness();
  CaseBuilder& Describe(std::string description);
  CaseBuilder& Hint(std::string hint);
  CaseBuilder& Needs(std::vector<std::string> services);
  CaseBuilder& Original(std::string original_id);  // e.g. "ES6"
  CaseBuilder& Area(std::string area);
  CaseBuilder& Run(CaseBody body);

 private:
  CaseSpec* spec_;
};

class CaseRegistry {
 public:
  static CaseRegistry& Global();

  // Registers a new case; the name's prefix before the first '.' becomes the area.
  CaseBuilder Add(std::string name);

  // Cases in registration order grouped by area order (discovery, action, valueentity,
  // eventsourced, crdt, then the rest alphabetically), by name within an area.
  std::vector<const CaseSpec*> Sorted() const;
  const CaseSpec* Find(std::string_view name) const;
  size_t size() const { return specs_.size(); }

  // Problems such as duplicate names, missing rules/body/description (empty when all is well).
  std::vector<std::string> Validate() const;

 private:
  std::vector<std::unique_ptr<CaseSpec>> specs_;
};

// Shorthand used inside TCK_CASES blocks.
inline CaseBuilder Case(std::string name) { return CaseRegistry::Global().Add(std::move(name)); }

namespace internal {
struct CaseRegistrar {
  explicit CaseRegistrar(void (*fn)()) { fn(); }
};
}  // namespace internal

// Defines a block of case registrations that runs once at start-up.
#define TCK_CASES(group)                                                         \
  static void TckRegister_##group();                                             \
  static const ::cloudstate::tck::internal::CaseRegistrar tck_registrar_##group{ \
      &TckRegister_##group};                                                     \
  static void TckRegister_##group()

// Full names of the model services, for Needs().
inline constexpr const char* kActionTckModel = "cloudstate.tck.model.action.ActionTckModel";
inline constexpr const char* kActionTwo = "cloudstate.tck.model.action.ActionTwo";
inline constexpr const char* kValueEntityTckModel =
    "cloudstate.tck.model.valueentity.ValueEntityTckModel";
inline constexpr const char* kValueEntityTwo = "cloudstate.tck.model.valueentity.ValueEntityTwo";
inline constexpr const char* kValueEntityConfigured =
    "cloudstate.tck.model.valueentity.ValueEntityConfigured";
inline constexpr const char* kEventSourcedTckModel = "cloudstate.tck.model.EventSourcedTckModel";
inline constexpr const char* kEventSourcedTwo = "cloudstate.tck.model.EventSourcedTwo";
inline constexpr const char* kEventSourcedConfigured =
    "cloudstate.tck.model.EventSourcedConfigured";
inline constexpr const char* kCrdtTckModel = "cloudstate.tck.model.crdt.CrdtTckModel";
inline constexpr const char* kCrdtTwo = "cloudstate.tck.model.crdt.CrdtTwo";
inline constexpr const char* kCrdtConfigured = "cloudstate.tck.model.crdt.CrdtConfigured";

// Entity types (protocol service names, common/protocol.h).
inline constexpr const char* kActionProtocol = cloudstate::kActionEntityType;
inline constexpr const char* kValueEntityProtocol = cloudstate::kValueEntityType;
inline constexpr const char* kEventSourcedProtocol = cloudstate::kEventSourcedEntityType;
inline constexpr const char* kCrdtProtocol = cloudstate::kCrdtEntityType;

}  // namespace cloudstate::tck
