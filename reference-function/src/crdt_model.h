#pragma once
// The CRDT TCK model services (catalog §3.4): cloudstate.tck.model.crdt.CrdtTckModel (Process,
// ProcessStreamed), CrdtTwo (owns a GCounter, honours delete) and CrdtConfigured (passivation
// timeout 100 ms), plus the CRDT deliberate faults (fault::kCrdt* of faults.def).

#include <vector>

#include "cloudstate/reference_function/faults.h"
#include "cloudstate/sdk/crdt.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::reference_function {

inline constexpr char kCrdtTckModelService[] = "cloudstate.tck.model.crdt.CrdtTckModel";
inline constexpr char kCrdtTwoService[] = "cloudstate.tck.model.crdt.CrdtTwo";
inline constexpr char kCrdtConfiguredService[] = "cloudstate.tck.model.crdt.CrdtConfigured";

// The three registrations (also used by tests that drive CrdtStreamCore directly).
std::vector<sdk::CrdtEntityRegistration> CrdtModelRegistrations(const Faults& faults);

// Registers the three services on `server`.
void RegisterCrdtModels(sdk::Server& server, const Faults& faults);

}  // namespace cloudstate::reference_function
