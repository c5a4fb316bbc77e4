#pragma once
// Registration of every model service of the reference function.
//
// CRDT models are written in crdt_model.{h,cc} by their own owner and must provide, in namespace
// cloudstate::reference_function:
//
//   void RegisterCrdtModels(cloudstate::sdk::Server& server, const Faults& faults);
//
// registering CrdtTckModel, CrdtTwo and CrdtConfigured (see sdk/include/cloudstate/sdk/server.h
// for the Declare / GetOrAddProtocolService contract).

#include "cloudstate/reference_function/faults.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::reference_function {

void RegisterActionModels(sdk::Server& server, const Faults& faults);
void RegisterValueEntityModels(sdk::Server& server, const Faults& faults);
void RegisterEventSourcedModels(sdk::Server& server, const Faults& faults);
void RegisterEventingModels(sdk::Server& server, const Faults& faults);
void RegisterShoppingCart(sdk::Server& server, const Faults& faults);

}  // namespace cloudstate::reference_function
