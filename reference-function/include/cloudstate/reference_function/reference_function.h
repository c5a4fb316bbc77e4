#pragma once
// The reference user function: every TCK model service (actions, value entities, event sourced
// entities, CRDTs, event-log eventing) plus the shopping-cart example, with optional deliberate
// faults.
//
// CRDT models are written in src/crdt_model.{h,cc} by their own owner and provide, in this
// namespace:
//
//   void RegisterCrdtModels(cloudstate::sdk::Server& server, const Faults& faults);
//
// registering CrdtTckModel, CrdtTwo and CrdtConfigured through the generic Server hooks
// (Declare / GetOrAddProtocolService, see cloudstate/sdk/server.h).

#include "cloudstate/reference_function/faults.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::reference_function {

inline constexpr char kServiceName[] = "cloudstate-reference-function";

void RegisterActionModels(sdk::Server& server, const Faults& faults);
void RegisterValueEntityModels(sdk::Server& server, const Faults& faults);
void RegisterEventSourcedModels(sdk::Server& server, const Faults& faults);
void RegisterEventingModels(sdk::Server& server, const Faults& faults);
void RegisterShoppingCart(sdk::Server& server, const Faults& faults);
// Installs the discovery-level faults (a spec hook).
void InstallDiscoveryFaults(sdk::Server& server, const Faults& faults);

// Everything above plus the CRDT models (when built in).
void RegisterAll(sdk::Server& server, const Faults& faults);
// ServerOptions for the reference function (faults may change protocol behaviour).
sdk::ServerOptions ReferenceServerOptions(const Faults& faults);

}  // namespace cloudstate::reference_function
