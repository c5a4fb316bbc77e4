#pragma once
// The CRDT TCK model services (catalog §3.4): cloudstate.tck.model.crdt.CrdtTckModel (Process,
// ProcessStreamed), CrdtTwo (owns a GCounter, honours delete) and CrdtConfigured (passivation
// timeout 100 ms), plus the CRDT deliberate faults (names below).

#include <vector>

#include "cloudstate/reference_function/faults.h"
#include "cloudstate/sdk/crdt.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::reference_function {

namespace crdt_fault {
inline constexpr char kDeltaLost[] = "crdt-delta-lost";
inline constexpr char kORSetRemoveWins[] = "crdt-orset-remove-wins";
inline constexpr char kLwwClockIgnored[] = "crdt-lww-clock-ignored";
inline constexpr char kGCounterNotAggregated[] = "crdt-gcounter-delta-not-aggregated";
inline constexpr char kFlagDeltaAlways[] = "crdt-flag-delta-always";
inline constexpr char kVoteFullDelta[] = "crdt-vote-full-delta";
inline constexpr char kWriteConsistencyDropped[] = "crdt-write-consistency-dropped";
inline constexpr char kStreamCancelIgnored[] = "crdt-stream-cancel-ignored";
inline constexpr char kDeleteNotSent[] = "crdt-delete-not-sent";
inline constexpr char kReplicatedDeltaIgnored[] = "crdt-replicated-delta-ignored";
inline constexpr char kStreamNotEnded[] = "crdt-stream-not-ended";
inline constexpr char kEmptyStateDelta[] = "crdt-empty-state-delta";
inline constexpr char kInitStateIgnored[] = "crdt-init-state-ignored";
inline constexpr char kDeleteAnswered[] = "crdt-delete-answered";
inline constexpr char kFailureWithoutDescription[] = "crdt-failure-without-description";
inline constexpr char kFailureKeepsSideEffects[] = "crdt-failure-keeps-side-effects";
inline constexpr char kSideEffectSyncLost[] = "crdt-side-effect-sync-lost";
}  // namespace crdt_fault

inline constexpr char kCrdtTckModelService[] = "cloudstate.tck.model.crdt.CrdtTckModel";
inline constexpr char kCrdtTwoService[] = "cloudstate.tck.model.crdt.CrdtTwo";
inline constexpr char kCrdtConfiguredService[] = "cloudstate.tck.model.crdt.CrdtConfigured";

// The three registrations (also used by tests that drive CrdtStreamCore directly).
std::vector<sdk::CrdtEntityRegistration> CrdtModelRegistrations(const Faults& faults);

// Registers the three services on `server`.
void RegisterCrdtModels(sdk::Server& server, const Faults& faults);

}  // namespace cloudstate::reference_function
