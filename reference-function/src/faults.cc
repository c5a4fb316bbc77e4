#include "cloudstate/reference_function/faults.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"

#include "fault_names.h"

namespace cloudstate::reference_function {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, FaultInfo, std::less<>> faults;
};

Registry& GetRegistry() {
  // Function-local so that registrations from static initialisers of other files are safe.
  static Registry* registry = new Registry();
  return *registry;
}

const bool kBuiltInFaultsRegistered = [] {
  namespace f = fault;
  const FaultInfo kFaults[] = {
      {f::kDiscoveryWrongProtocolVersion, "discovery reports protocol version 0.1 instead of 0.2",
       "discovery"},
      {f::kDiscoveryMissingImport,
       "discovery descriptor set omits google/api/http.proto, an import of the model files",
       "discovery"},
      {f::kDiscoveryPassivationDropped,
       "the *Configured entities report no passivation strategy (should be 100 ms)", "discovery"},
      {f::kDiscoveryWrongPersistenceId,
       "EventSourcedTckModel and ValueEntityTckModel report wrong persistence ids", "discovery"},
      {f::kDiscoveryWrongEntityType,
       "ActionTwo and CrdtTwo are reported with entity type cloudstate.valueentity.ValueEntity",
       "discovery"},
      {f::kDiscoveryAnswersOnce,
       "discover answers only its first call; later calls fail with UNAVAILABLE", "discovery"},
      {f::kDiscoveryRejectsPartialProxy,
       "discover fails unless the proxy supports every declared entity type", "discovery"},
      {f::kDiscoveryDescriptorSetGarbled,
       "EntitySpec.proto carries the descriptor set in text format instead of binary", "discovery"},
      {f::kDiscoveryShortEntityTypes,
       "entity types are reported without their package (EventSourced, not "
       "cloudstate.eventsourced.EventSourced)",
       "discovery"},
      {f::kDiscoveryDuplicateEntity, "the shopping cart entity is declared twice", "discovery"},
      {f::kDiscoveryPassivationZero,
       "the *Configured entities report a passivation timeout of 0 ms", "discovery"},
      {f::kDiscoveryServiceInfoIncomplete,
       "ServiceInfo leaves the service and support library names, versions and runtime empty",
       "discovery"},
      {f::kDiscoveryReportErrorUnimplemented, "reportError answers UNIMPLEMENTED", "discovery"},
      {f::kProtocolOpenAfterHalfClose,
       "event sourced and value entity streams half-closed before any command never complete",
       "protocol"},
      {f::kProtocolLargePayloadTruncated,
       "strings longer than 64 KiB in action, value entity and event sourced replies are cut to "
       "64 KiB",
       "protocol"},
      {f::kVeStateActionAlways,
       "every value entity reply carries a state action, even when the state did not change",
       "valueentity"},
      {f::kVeSideEffectsReversed, "value entity side effects are sent in reverse order",
       "valueentity"},
      {f::kVeSideEffectSyncLost, "value entity side effects lose their synchronous flag",
       "valueentity"},
      {f::kVeForwardDropsEffects,
       "a forwarding value entity command drops its state update and side effects", "valueentity"},
      {f::kActionNoReplySendsEmptyReply,
       "an action outcome without reply, forward or failure is sent as an empty reply (streamed "
       "calls end with an extra empty reply)",
       "action"},
      {f::kActionFailureWithoutDescription, "action failures have an empty description", "action"},
      {f::kActionExitOnBadInput,
       "malformed action calls (unknown service or command, bad payload) make the function "
       "process exit",
       "action"},
      {f::kActionExitOnCancel,
       "the function process exits when a streamed action call is cancelled", "action"},
      {f::kActionUnaryReplyCache,
       "unary action replies are cached for 2 s by command and request shape, so calls in flight "
       "together get one answer",
       "action"},
      {f::kActionReplyTypeUrlShort,
       "action reply payloads carry the type URL type.googleapis.com/Response (no package)",
       "action"},
      {f::kActionNonAsciiMangled, "action replies replace non-ASCII bytes with '?'", "action"},
      {f::kProtocolCrashOnError,
       "protocol errors (command before init, unknown service) make the function process exit "
       "instead of sending a Failure message",
       "protocol"},
      {f::kEsWrongCommandId, "event sourced replies carry the command id plus one", "eventsourced"},
      {f::kEsEventNotAppliedBeforeReply,
       "emitted events are applied after the command handler, so the reply misses them",
       "eventsourced"},
      {f::kEsSnapshotIgnoredOnInit, "the snapshot in init is not applied to the entity",
       "eventsourced"},
      {f::kEsReplayOutOfOrder, "replayed events are applied in reverse order", "eventsourced"},
      {f::kEsSnapshotOffByOne, "EventSourcedTckModel snapshots every 6 events instead of 5",
       "eventsourced"},
      {f::kEsFailureKeepsEvents,
       "a failed command still sends its events (restart=false), so they are persisted",
       "eventsourced"},
      {f::kEsFailureKeepsSideEffects, "a failed event sourced command keeps its side effects",
       "eventsourced"},
      {f::kEsForwardWrongTarget,
       "event sourced forwards go to EventSourcedTckModel instead of EventSourcedTwo",
       "eventsourced"},
      {f::kVeDeleteIgnored, "a value entity delete sends no delete state action", "valueentity"},
      {f::kVeUpdatesNotCollapsed,
       "several state changes in one command send the first instead of the last", "valueentity"},
      {f::kVeFailureWithoutDescription, "value entity failures have an empty description",
       "valueentity"},
      {f::kVeFailureKeepsSideEffects, "a failed value entity command keeps its side effects",
       "valueentity"},
      {f::kVeInitStateIgnored, "the stored state in value entity init is ignored", "valueentity"},
      {f::kVeReplyStaleState, "value entity replies show the state from before the command",
       "valueentity"},
      {f::kActionStreamedOutEndsEarly, "streamed-out actions end after the first response",
       "action"},
      {f::kActionStreamedInAnswersEarly,
       "streamed-in actions answer after the first message instead of at the end", "action"},
      {f::kActionSideEffectSyncLost, "action side effects lose their synchronous flag", "action"},
      {f::kActionSideEffectDropped, "the last side effect of every action group is dropped",
       "action"},
      {f::kActionFailureDropsSideEffects, "action failures drop their side effects", "action"},
      {f::kActionForwardWrongTarget, "action forwards go to ActionTckModel/ProcessUnary", "action"},
      {f::kActionTwoNonEmptyReply, "ActionTwo.Call replies with a non-empty Response", "action"},
      {f::kEventingJsonWrongTypeUrl,
       "EventSourcedEntityTwo emits its JSON event with a type.googleapis.com type URL",
       "eventing"},
      {f::kEventingIdFromSource,
       "the event-log subscriber takes the id from ce-source instead of ce-subject", "eventing"},
      {f::kDiscoverySharedPersistenceId,
       "CrdtTwo reports the persistence id of CrdtTckModel, so both share state in the proxy",
       "discovery"},
      {f::kDiscoveryRejectsOtherVersion,
       "discover fails with FAILED_PRECONDITION unless the proxy announces protocol 0.2",
       "discovery"},
      {f::kEsSnapshotOnlyOnMultiple,
       "a snapshot is taken only when a reply's last sequence number is a multiple of "
       "snapshot-every, not when its events cross one",
       "eventsourced"},
      {f::kActionMetadataEchoed,
       "unary action replies, forwards and side effects carry the command's metadata", "action"},
      {f::kCartNegativeQuantityAccepted, "ShoppingCart.AddItem accepts a zero or negative quantity",
       "shoppingcart"},
      {f::kCartRemoveMissingAccepted,
       "ShoppingCart.RemoveItem of an item not in the cart succeeds and emits ItemRemoved",
       "shoppingcart"},
      {f::kCartLinesNotMerged,
       "ShoppingCart: adding a product already in the cart adds a second line", "shoppingcart"},
      {f::kCartRemoveNotApplied, "ShoppingCart: the ItemRemoved event does not remove the line",
       "shoppingcart"},
      {f::kCartSnapshotIgnored,
       "ShoppingCart: the snapshot in init is ignored (the cart starts empty)", "shoppingcart"},
      {f::kCartWrongEventType,
       "ShoppingCart.AddItem emits its ItemAdded event under the type URL of the API's "
       "AddLineItem",
       "shoppingcart"},
      {f::kCrdtVoteReplicatedResent,
       "Vote: after a replicated delta changed this node's vote, the next command that does not "
       "vote still sends a vote delta",
       "crdt"},
      {f::kCrdtORMapAddedKeyRemovedListed,
       "ORMap: a key added and removed in one command is listed in the delta's removed keys",
       "crdt"},
      {f::kCrdtDeleteConsistencyDropped,
       "a CRDT delete action always carries LOCAL instead of the requested write consistency",
       "crdt"},
      {f::kCrdtStreamedOpeningDeltaLost,
       "the reply opening a streamed CRDT call omits the delta of its own initial update", "crdt"},
      {f::kEsTwoNonEmptyReply, "EventSourcedTwo.Call replies with a non-empty Response",
       "eventsourced"},
      {f::kVeTwoNonEmptyReply, "ValueEntityTwo.Call replies with a non-empty Response",
       "valueentity"},
      {f::kCrdtTwoIgnoresDelete, "CrdtTwo.Call ignores a delete action", "crdt"},
  };
  for (const auto& info : kFaults) {
    RegisterFault(info);
  }
  return true;
}();

}  // namespace

bool RegisterFault(FaultInfo info) {
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  std::string name = info.name;
  registry.faults.emplace(std::move(name), std::move(info));
  return true;
}

std::vector<FaultInfo> AllFaults() {
  (void)kBuiltInFaultsRegistered;
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  std::vector<FaultInfo> out;
  for (const auto& [name, info] : registry.faults) {
    out.push_back(info);
  }
  return out;
}

bool IsKnownFault(std::string_view name) {
  (void)kBuiltInFaultsRegistered;
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  return registry.faults.find(name) != registry.faults.end();
}

std::string FormatFaultList() {
  std::string out;
  for (const auto& info : AllFaults()) {
    absl::StrAppend(&out, info.name, "\t", info.area, "\t", info.description, "\n");
  }
  return out;
}

absl::StatusOr<Faults> Faults::FromNames(const std::vector<std::string>& names) {
  Faults faults;
  for (const auto& name : names) {
    if (!IsKnownFault(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Unknown fault [", name, "]; see --list-faults"));
    }
    faults.enabled_.insert(name);
  }
  return faults;
}

bool Faults::Has(std::string_view name) const { return enabled_.find(name) != enabled_.end(); }

}  // namespace cloudstate::reference_function
