#pragma once
// The case model and its one registry. Every case of every suite has a stable name, the spec rules
// it checks, a level, a one-line description, a hint for the implementer when it fails, the model
// services it needs, the capabilities it needs from the target (an interceptor on the wire, an
// HTTP address), and a body. The suite says which kind of target the body is written for: the SDK
// suite plays the proxy against a user function (CaseContext, scenario.h); the proxy suite plays
// the client of a proxy (ProxyCaseContext, proxy_suite/proxy_suite.h). The pipeline that selects,
// gates, runs and reports cases is in engine.h.
//
//   TCK_CASES(EventSourcedBasics) {
//     Case("eventsourced.single_emitted_event")
//         .Rules({"ES-008", "ES-009"})
//         .Describe("an emitted event is returned in order and applied before the reply")
//         .Hint("emit must append to the reply's events and update the state immediately")
//         .Needs({kEventSourcedTckModel, kEventSourcedTwo})
//         .Run([](CaseContext& ctx) { ... });
//     Case("proxy.some_wire_case")          // a proxy-suite case: the body takes ProxyCaseContext
//         .Rules({"FE-001"})
//         .Describe("...")
//         .NeedsInterceptor()
//         .Run([](proxy_suite::ProxyCaseContext& ctx) { ... });
//   }
//
// (PROXY_CASE in proxy_suite.h registers into the same registry.) Cases self-register at
// static-initialisation time; the library is linked whole-archive so that files holding only cases
// are kept by the linker.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/common/protocol.h"
#include "cloudstate/reports/results.h"

namespace cloudstate::tck {

class CaseContext;
namespace proxy_suite {
class ProxyCaseContext;
}  // namespace proxy_suite

using CaseLevel = ::cloudstate::reports::CaseLevel;
using CaseBody = std::function<void(CaseContext&)>;
using ProxyCaseBody = std::function<void(proxy_suite::ProxyCaseContext&)>;

// Which kind of target a case's body is written for.
enum class Suite {
  kFunction,  // the kit plays the proxy against a user function (`cloudstate-tck run`)
  kProxy,     // the kit is a client of a proxy, optionally tapping its wire (`... proxy`)
};

// What a case needs from its target beyond the model services; a target that lacks one skips the
// case with a reason.
enum Capability : uint32_t {
  kCapInterceptor = 1u << 0,  // the proxy->function wire is tapped (proxy suite, intercepting)
  kCapHttp = 1u << 1,         // the proxy's HTTP/JSON address is known
};

struct CaseSpec {
  std::string name;                   // "<area>.<snake_case>", unique
  std::string area;                   // derived from the name's prefix unless set explicitly
  std::vector<std::string> rule_ids;  // e.g. {"ES-004"}
  CaseLevel level = CaseLevel::kRequired;
  std::string description;            // one line: what is checked
  std::string hint;                   // one line: what to look at when it fails
  std::vector<std::string> services;  // model services (full names) the function must declare
  std::string original_id;            // id in the original Scala TCK (e.g. "ES6"), empty if new
  Suite suite = Suite::kFunction;
  uint32_t capabilities = 0;  // Capability bits
  CaseBody body;              // suite kFunction
  ProxyCaseBody proxy_body;   // suite kProxy

  bool Needs(Capability c) const { return (capabilities & c) != 0; }
  bool HasBody() const {
    return suite == Suite::kFunction ? static_cast<bool>(body) : static_cast<bool>(proxy_body);
  }
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
  CaseBuilder& NeedsInterceptor();
  CaseBuilder& NeedsHttp();
  CaseBuilder& Run(CaseBody body);
  // A proxy-suite body: makes the case one of the proxy suite.
  CaseBuilder& Run(ProxyCaseBody body);

 private:
  CaseSpec* spec_;
};

class CaseRegistry {
 public:
  static CaseRegistry& Global();

  // Registers a new case; the name's prefix before the first '.' becomes the area.
  CaseBuilder Add(std::string name);
  // Registers a complete case (its area is derived from the name when empty).
  const CaseSpec* Add(CaseSpec spec);

  // The cases of `suite` in their run order. SDK suite: grouped by area (discovery, action,
  // valueentity, eventsourced, crdt, eventing, then the rest alphabetically), in registration
  // order within an area. Proxy suite: by name.
  std::vector<const CaseSpec*> Sorted(Suite suite = Suite::kFunction) const;
  // The case named `name` in any suite (names are unique across suites).
  const CaseSpec* Find(std::string_view name) const;
  size_t size() const { return specs_.size(); }
  size_t size(Suite suite) const;

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
