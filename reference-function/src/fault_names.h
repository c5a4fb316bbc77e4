#pragma once
// Names of the deliberate faults defined in faults.cc (one place, so a typo is a compile error).

namespace cloudstate::reference_function::fault {

inline constexpr char kDiscoveryWrongProtocolVersion[] = "discovery-wrong-protocol-version";
inline constexpr char kDiscoveryMissingImport[] = "discovery-missing-import";
inline constexpr char kDiscoveryPassivationDropped[] = "discovery-passivation-dropped";
inline constexpr char kDiscoveryWrongPersistenceId[] = "discovery-wrong-persistence-id";
inline constexpr char kDiscoveryWrongEntityType[] = "discovery-wrong-entity-type";
inline constexpr char kDiscoveryAnswersOnce[] = "discovery-answers-once";
inline constexpr char kDiscoveryRejectsPartialProxy[] = "discovery-rejects-partial-proxy";
inline constexpr char kDiscoveryDescriptorSetGarbled[] = "discovery-descriptor-set-garbled";
inline constexpr char kDiscoveryShortEntityTypes[] = "discovery-short-entity-types";
inline constexpr char kDiscoveryDuplicateEntity[] = "discovery-duplicate-entity";
inline constexpr char kDiscoveryPassivationZero[] = "discovery-passivation-zero";
inline constexpr char kDiscoveryServiceInfoIncomplete[] = "discovery-service-info-incomplete";
inline constexpr char kDiscoveryReportErrorUnimplemented[] = "discovery-report-error-unimplemented";

inline constexpr char kProtocolCrashOnError[] = "protocol-crash-on-error";
inline constexpr char kProtocolOpenAfterHalfClose[] = "protocol-open-after-half-close";
inline constexpr char kProtocolLargePayloadTruncated[] = "protocol-large-payload-truncated";

inline constexpr char kEsWrongCommandId[] = "es-wrong-command-id";
inline constexpr char kEsEventNotAppliedBeforeReply[] = "es-event-not-applied-before-reply";
inline constexpr char kEsSnapshotIgnoredOnInit[] = "es-snapshot-ignored-on-init";
inline constexpr char kEsReplayOutOfOrder[] = "es-replay-out-of-order";
inline constexpr char kEsSnapshotOffByOne[] = "es-snapshot-every-off-by-one";
inline constexpr char kEsFailureKeepsEvents[] = "es-failure-keeps-events";
inline constexpr char kEsFailureKeepsSideEffects[] = "es-failure-keeps-side-effects";
inline constexpr char kEsForwardWrongTarget[] = "es-forward-wrong-target";

inline constexpr char kVeDeleteIgnored[] = "ve-delete-ignored";
inline constexpr char kVeUpdatesNotCollapsed[] = "ve-updates-not-collapsed";
inline constexpr char kVeFailureWithoutDescription[] = "ve-failure-without-description";
inline constexpr char kVeFailureKeepsSideEffects[] = "ve-failure-keeps-side-effects";
inline constexpr char kVeInitStateIgnored[] = "ve-init-state-ignored";
inline constexpr char kVeReplyStaleState[] = "ve-reply-stale-state";
inline constexpr char kVeStateActionAlways[] = "ve-state-action-always";
inline constexpr char kVeSideEffectsReversed[] = "ve-side-effects-reversed";
inline constexpr char kVeSideEffectSyncLost[] = "ve-side-effect-sync-lost";
inline constexpr char kVeForwardDropsEffects[] = "ve-forward-drops-effects";

inline constexpr char kActionStreamedOutEndsEarly[] = "action-streamed-out-ends-early";
inline constexpr char kActionStreamedInAnswersEarly[] = "action-streamed-in-answers-early";
inline constexpr char kActionSideEffectSyncLost[] = "action-side-effect-sync-lost";
inline constexpr char kActionSideEffectDropped[] = "action-side-effect-dropped";
inline constexpr char kActionFailureDropsSideEffects[] = "action-failure-drops-side-effects";
inline constexpr char kActionForwardWrongTarget[] = "action-forward-wrong-target";
inline constexpr char kActionTwoNonEmptyReply[] = "action-two-non-empty-reply";
inline constexpr char kActionNoReplySendsEmptyReply[] = "action-no-reply-sends-empty-reply";
inline constexpr char kActionFailureWithoutDescription[] = "action-failure-without-description";
inline constexpr char kActionExitOnBadInput[] = "action-exit-on-bad-input";
inline constexpr char kActionExitOnCancel[] = "action-exit-on-cancel";
inline constexpr char kActionUnaryReplyCache[] = "action-unary-reply-cache";
inline constexpr char kActionNonAsciiMangled[] = "action-non-ascii-mangled";
inline constexpr char kActionReplyTypeUrlShort[] = "action-reply-type-url-short";

inline constexpr char kEventingJsonWrongTypeUrl[] = "eventing-json-wrong-type-url";
inline constexpr char kEventingIdFromSource[] = "eventing-id-from-source";

// Added for the coverage holes of issue #10 (kept apart: append-only).
inline constexpr char kDiscoverySharedPersistenceId[] = "discovery-shared-persistence-id";
inline constexpr char kDiscoveryRejectsOtherVersion[] = "discovery-rejects-other-protocol-version";
inline constexpr char kEsSnapshotOnlyOnMultiple[] = "es-snapshot-only-on-multiple";
inline constexpr char kActionMetadataEchoed[] = "action-metadata-echoed";
inline constexpr char kCartNegativeQuantityAccepted[] = "shoppingcart-negative-quantity-accepted";
inline constexpr char kCartRemoveMissingAccepted[] = "shoppingcart-remove-missing-accepted";
inline constexpr char kCartLinesNotMerged[] = "shoppingcart-lines-not-merged";
inline constexpr char kCartRemoveNotApplied[] = "shoppingcart-remove-not-applied";
inline constexpr char kCartSnapshotIgnored[] = "shoppingcart-snapshot-ignored";
inline constexpr char kCartWrongEventType[] = "shoppingcart-wrong-event-type";
inline constexpr char kCrdtVoteReplicatedResent[] = "crdt-vote-replicated-vote-resent";
inline constexpr char kCrdtORMapAddedKeyRemovedListed[] = "crdt-ormap-added-key-removed-listed";
inline constexpr char kCrdtDeleteConsistencyDropped[] = "crdt-delete-consistency-dropped";
inline constexpr char kCrdtStreamedOpeningDeltaLost[] = "crdt-streamed-opening-delta-lost";
inline constexpr char kEsTwoNonEmptyReply[] = "es-two-non-empty-reply";
inline constexpr char kVeTwoNonEmptyReply[] = "ve-two-non-empty-reply";
inline constexpr char kCrdtTwoIgnoresDelete[] = "crdt-two-ignores-delete";

}  // namespace cloudstate::reference_function::fault
