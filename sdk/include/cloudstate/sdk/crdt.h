#pragma once
// CRDT entities in one include: the data types (crdt_types.h), the entity API (crdt_entity.h) and
// the registration with a Server.
//
//   cloudstate::sdk::Server server;
//   cloudstate::sdk::AddCrdtEntity(server, {.service = Likes::descriptor()},
//                                  [](CrdtCreationContext& ctx) { return MakeLikes(ctx); });

#include "absl/status/status.h"

#include "cloudstate/sdk/crdt_entity.h"
#include "cloudstate/sdk/crdt_service.h"
#include "cloudstate/sdk/crdt_stream_core.h"
#include "cloudstate/sdk/crdt_types.h"
#include "cloudstate/sdk/server.h"

namespace cloudstate::sdk {

// Declares the service for discovery (entity type cloudstate.crdt.Crdt; persistence id
// defaulted as for every stateful entity, see Server::Declare) and
// serves it on the server's `cloudstate.crdt.Crdt` protocol service. Call before Start().
absl::Status AddCrdtEntity(Server& server, CrdtEntityOptions options, CrdtEntityFactory factory);

}  // namespace cloudstate::sdk
