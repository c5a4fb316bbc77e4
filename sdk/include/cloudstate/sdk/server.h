#pragma once
// The user-function server: one gRPC server that answers the proxy's discovery call and serves the
// entity protocols (event sourced, value entity, action, and — through the generic hooks below —
// CRDT) for every entity added to it.
//
//   cloudstate::sdk::Server server({.service_name = "shopping-cart"});
//   server.AddEventSourcedEntity(
//       {.service = ShoppingCart::descriptor(), .persistence_id = "carts"},
//       [](std::string_view entity_id) { return std::make_unique<CartEntity>(); });
//   CS_RETURN_IF_ERROR(server.Start("127.0.0.1", 8080));
//   server.Wait();
//
// Contract for entity kinds implemented outside this file (the CRDT support is one):
//   1. Declare(EntityDeclaration) once per user service, so discovery reports it;
//   2. GetOrAddProtocolService(key, make) to register the protocol's gRPC service (e.g. the
//      callback service of `cloudstate.crdt.Crdt`) exactly once per Server, whatever the number of
//      entities of that kind. The returned pointer stays valid for the Server's lifetime.
// Both must happen before Start(). Errors in what was added (no service descriptor, a service
// added twice) are reported by Start(). Discovery needs nothing else: the descriptor set is built
// from the declared services' files and their transitive imports.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/common/protocol.h"
#include "cloudstate/sdk/action.h"
#include "cloudstate/sdk/event_sourced.h"
#include "cloudstate/sdk/fault_plan.h"
#include "cloudstate/sdk/value_entity.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace cloudstate {
class EntitySpec;
}  // namespace cloudstate

namespace cloudstate::sdk {

// Entity types as reported in discovery, and the protocol version (common/protocol.h).
using cloudstate::kActionEntityType;
using cloudstate::kCrdtEntityType;
using cloudstate::kEventSourcedEntityType;
using cloudstate::kProtocolMajorVersion;
using cloudstate::kProtocolMinorVersion;
using cloudstate::kValueEntityType;
inline constexpr char kSupportLibraryName[] = "cloudstate-cpp-sdk";

// The version string of this library (the kit version).
std::string SupportLibraryVersion();
// "C++ <compiler and version>", as reported in ServiceInfo.service_runtime.
std::string ServiceRuntime();

// One entry of the discovery reply.
struct EntityDeclaration {
  std::string entity_type;                                       // one of the k*EntityType above
  const google::protobuf::ServiceDescriptor* service = nullptr;  // the user's service
  std::string persistence_id;                                    // empty for actions
  std::optional<int64_t> passivation_timeout_ms;                 // absent: proxy default
};

struct ServerOptions {
  std::string service_name = "cloudstate-cpp-function";
  std::string service_version = "0.0.0";
  // Deliberate deviations from the protocol, for the conformance kit only (fault_plan.h);
  // nullptr (the default): none.
  std::shared_ptr<const FaultPlan> fault_plan;
};

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Built-in entity kinds (see event_sourced.h, value_entity.h, action.h). A factory is called
  // once per entity stream (i.e. per entity incarnation) with the entity id.
  Server& AddEventSourcedEntity(EventSourcedEntityOptions options, EventSourcedFactory factory);
  Server& AddValueEntity(ValueEntityOptions options, ValueEntityFactory factory);
  Server& AddAction(ActionOptions options, std::shared_ptr<Action> action);

  // Generic hooks for other entity kinds (see the contract at the top of this file).
  Server& Declare(EntityDeclaration declaration);
  grpc::Service* GetOrAddProtocolService(
      const std::string& key, const std::function<std::unique_ptr<grpc::Service>()>& make);
  // Adds a file (with its imports) to the discovery descriptor set even if no service uses it.
  Server& AddDescriptorFile(const google::protobuf::FileDescriptor* file);
  // Runs on every discovery reply before it is sent: for tests and deliberate faults only.
  Server& SetSpecHook(std::function<void(cloudstate::EntitySpec&)> hook);

  const ServerOptions& options() const;
  const std::vector<EntityDeclaration>& declarations() const;
  // The declaration of `service_full_name` with entity type `entity_type`, or nullptr.
  const EntityDeclaration* FindDeclaration(std::string_view entity_type,
                                           std::string_view service_full_name) const;

  // The discovery reply as the proxy would receive it (hook applied).
  absl::StatusOr<cloudstate::EntitySpec> BuildSpec() const;

  // Binds host:port (port 0 = ephemeral, read back with port()) and starts serving.
  absl::Status Start(const std::string& host, int port);
  int port() const;
  // Blocks until Shutdown() (from another thread) has finished.
  void Wait();
  // Stops accepting calls, cancels open streams and returns once the server is down. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudstate::sdk
