#pragma once
// The SDK's fault seam: deliberate deviations from the protocol, for the conformance kit's own
// tests only (the reference function's `--fault`, the model checker's broken carts). A Server is
// given at most one FaultPlan (ServerOptions::fault_plan); the discovery service, the action
// dispatcher and every stream core ask it, at their deviation points, whether a deviation is on
// for the user service at hand. Without a plan (the default) the SDK never deviates, and nothing
// else in its API mentions faults.
//
//   auto plan = std::make_shared<cloudstate::sdk::FixedFaultPlan>();
//   plan->Enable(SdkFault::kEsReplayEventsReversed, "example.Counter");  // one service
//   plan->Enable(SdkFault::kCrashOnProtocolError);                       // server-wide
//   cloudstate::sdk::Server server({.service_name = "broken", .fault_plan = plan});

#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace cloudstate::sdk {

enum class SdkFault {
  // Server-wide (asked with an empty service name).
  kCrashOnProtocolError,         // a protocol error on an entity stream exits the process
  kDiscoverAnswersOnce,          // discover calls after the first fail with UNAVAILABLE
  kDiscoverRejectsPartialProxy,  // FAILED_PRECONDITION unless the proxy supports every type
  kDiscoverRejectsOtherVersion,  // FAILED_PRECONDITION unless the proxy announces 0.2
  kReportErrorUnimplemented,     // reportError answers UNIMPLEMENTED
  kExitOnActionCancel,           // a cancelled streamed action call exits the process
  kActionErrorsAsStatus,         // malformed action calls end with an error status
  kExitOnActionBadInput,         // malformed action calls exit the process
  // Event-sourced entities (per service).
  kEsReplyCommandIdPlusOne,     // replies carry the command id plus one
  kEsApplyEventsAfterHandler,   // the handler does not see its own events
  kEsIgnoreInitSnapshot,        // the snapshot in init is not given to the entity
  kEsReplayEventsReversed,      // replayed events are applied in reverse order
  kEsKeepEventsOnFailure,       // a failed command still sends its events
  kEsKeepSideEffectsOnFailure,  // a failed command keeps its side effects
  kEsSnapshotOnlyOnMultiple,    // snapshot only when the sequence lands on a multiple
  // Value entities (per service).
  kVeIgnoreDelete,              // a delete resets the state but sends no delete action
  kVeKeepFirstStateAction,      // several changes in one command: the first one is sent
  kVeKeepSideEffectsOnFailure,  // a failed command keeps its side effects
  kVeIgnoreInitState,           // the stored state in init is not loaded
  // Event-sourced and value entities (per service).
  kStayOpenWithoutCommands,  // a half-close before any command does not end the stream
  // Actions (per service).
  kActionStreamedOutEndsEarly,    // only the first response of a streamed-out call
  kActionStreamedInAnswersEarly,  // answer after the first payload message
  kActionDropSyncFlag,            // side effects lose `synchronous`
};

class FaultPlan {
 public:
  virtual ~FaultPlan() = default;
  // Whether `fault` is on for the user service `service` (full name; empty for the server-wide
  // faults). Called on gRPC threads, concurrently: must be thread-safe.
  virtual bool Has(SdkFault fault, std::string_view service) const = 0;
};

// A fixed set of deviations, each for one service or for every service.
class FixedFaultPlan final : public FaultPlan {
 public:
  // An empty `service` turns the fault on for every service (and server-wide).
  FixedFaultPlan& Enable(SdkFault fault, std::string service = "") {
    enabled_.emplace(fault, std::move(service));
    return *this;
  }
  bool Has(SdkFault fault, std::string_view service) const override {
    return enabled_.count({fault, ""}) > 0 ||
           (!service.empty() && enabled_.count({fault, std::string(service)}) > 0);
  }

 private:
  std::set<std::pair<SdkFault, std::string>> enabled_;
};

}  // namespace cloudstate::sdk
