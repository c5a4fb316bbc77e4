// Kept apart from crdt_service.cc so that code using CrdtService without a Server (tests) does not
// pull in the Server.
#include <utility>

#include "cloudstate/sdk/crdt.h"

namespace cloudstate::sdk {

absl::Status AddCrdtEntity(Server& server, CrdtEntityOptions options, CrdtEntityFactory factory) {
  if (options.service == nullptr) {
    return absl::InvalidArgumentError("A CRDT entity has no service descriptor");
  }
  // The key is used only here, so the service behind it is always ours.
  auto* service = static_cast<CrdtService*>(server.GetOrAddProtocolService(
      kCrdtEntityType, [] { return std::make_unique<CrdtService>(); }));
  EntityDeclaration declaration{kCrdtEntityType, options.service, options.persistence_id,
                                options.passivation_timeout_ms};
  absl::Status status = service->Register(std::move(options), std::move(factory));
  if (!status.ok()) {
    return status;
  }
  server.Declare(std::move(declaration));
  return absl::OkStatus();
}

}  // namespace cloudstate::sdk
