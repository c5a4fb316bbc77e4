#pragma once
// The user function's services as the proxy sees them after discovery: the descriptor pool built
// from EntitySpec.proto, one Route per gRPC method (looked up by "/pkg.Service/Method"), and the
// entity-key extraction rules. Pure protobuf, no gRPC: unit tests and benchmarks drive it directly.
//
//   CS_ASSIGN_OR_RETURN(auto model, ServiceModel::Build(spec, {kEventSourcedType, ...}));
//   const Route* route = model->FindRoute("/shopping.ShoppingCart/AddItem");
//   CS_ASSIGN_OR_RETURN(std::string id, route->ExtractEntityId(request_bytes));

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/common/protocol.h"

namespace cloudstate::proxy {

// The entity types (common/protocol.h) as string views.
inline constexpr std::string_view kEventSourcedType = cloudstate::kEventSourcedEntityType;
inline constexpr std::string_view kValueEntityType = cloudstate::kValueEntityType;
inline constexpr std::string_view kCrdtType = cloudstate::kCrdtEntityType;
inline constexpr std::string_view kActionType = cloudstate::kActionEntityType;

inline constexpr int kEntityKeyOption = 1080;
inline constexpr int kLegacyEntityKeyOption = 50002;

enum class EntityKind { kEventSourced, kValueEntity, kCrdt, kAction };
std::string_view EntityKindName(EntityKind kind);

// The entity types the proxy supports, as announced in ProxyInfo (also declared in
// cloudstate/proxy/proxy.h).
std::vector<std::string> SupportedEntityTypes();

// One field of the input message that makes up the entity id.
struct KeyField {
  int number = 0;
  google::protobuf::FieldDescriptor::Type type = google::protobuf::FieldDescriptor::TYPE_STRING;
  const google::protobuf::EnumDescriptor* enum_type = nullptr;  // for TYPE_ENUM
};

// An entity declared by the user function.
struct EntityConfig {
  EntityKind kind = EntityKind::kAction;
  std::string entity_type;   // protocol service full name
  std::string service_name;  // user service full name
  std::string persistence_id;
  std::optional<absl::Duration> passivation_timeout;  // from discovery, if given
  const google::protobuf::ServiceDescriptor* service = nullptr;
};

struct Route {
  std::string path;  // "/pkg.Service/Method"
  const EntityConfig* entity = nullptr;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string input_type_url;   // "type.googleapis.com/<input full name>"
  std::string output_type_url;  // "type.googleapis.com/<output full name>"
  bool client_streaming = false;
  bool server_streaming = false;
  std::vector<KeyField> key_fields;  // declaration order

  // The entity id of a serialized input message: key fields rendered as text, joined with "-".
  // InvalidArgument if the bytes are not a valid message.
  absl::StatusOr<std::string> ExtractEntityId(std::string_view request_bytes) const;
};

// Key fields of a message: fields whose options carry 1080 or 50002 = true, read from the raw
// option bytes so that unknown extensions count too.
std::vector<KeyField> EntityKeyFields(const google::protobuf::Descriptor& message);

// Renders the key fields of a serialized message (wire scan, no DynamicMessage).
absl::StatusOr<std::string> ExtractEntityId(const std::vector<KeyField>& key_fields,
                                            std::string_view message_bytes);

class ServiceModel {
 public:
  // Validates the spec and builds the routes. `supported_types` are the entity types this proxy
  // announced. Errors are InvalidArgument/FailedPrecondition with a message meant for reportError.
  static absl::StatusOr<std::unique_ptr<ServiceModel>> Build(
      const cloudstate::EntitySpec& spec, const std::vector<std::string>& supported_types);

  const Route* FindRoute(std::string_view path) const;
  // By service full name + method name (forwards and side effects).
  const Route* FindRoute(std::string_view service, std::string_view method) const;
  const std::vector<std::unique_ptr<EntityConfig>>& entities() const { return entities_; }
  const std::map<std::string, Route, std::less<>>& routes() const { return routes_; }
  const google::protobuf::DescriptorPool& pool() const { return *pool_; }
  // The serialized FileDescriptorSet the function sent (served by reflection).
  const std::string& descriptor_set() const { return descriptor_set_; }

 private:
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::vector<std::unique_ptr<EntityConfig>> entities_;
  std::map<std::string, Route, std::less<>> routes_;
  std::string descriptor_set_;
};

// Checks ServiceInfo's protocol version against the proxy's (0.2); FailedPrecondition otherwise.
absl::Status CheckProtocolVersion(const cloudstate::ServiceInfo& info);

}  // namespace cloudstate::proxy
