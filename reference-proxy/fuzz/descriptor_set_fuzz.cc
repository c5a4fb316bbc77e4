// libFuzzer harness: validation of the user function's EntitySpec in discovery. The input is a
// serialized EntitySpec; when it names no entities, it is used as the descriptor set of a spec
// that declares the TCK model services of every entity kind.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy_core/service_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cloudstate::EntitySpec spec;
  if (!spec.ParseFromArray(data, static_cast<int>(size)) || spec.entities().empty()) {
    spec.Clear();
    spec.set_proto(std::string(reinterpret_cast<const char*>(data), size));
    const char* kinds[][2] = {
        {"cloudstate.valueentity.ValueEntity",
         "cloudstate.tck.model.valueentity.ValueEntityTckModel"},
        {"cloudstate.eventsourced.EventSourced", "cloudstate.tck.model.EventSourcedTckModel"},
        {"cloudstate.crdt.Crdt", "cloudstate.tck.model.crdt.CrdtTckModel"},
        {"cloudstate.action.ActionProtocol", "cloudstate.tck.model.action.ActionTckModel"},
    };
    for (const auto& kind : kinds) {
      auto* entity = spec.add_entities();
      entity->set_entity_type(kind[0]);
      entity->set_service_name(kind[1]);
      entity->set_persistence_id("fuzz");
    }
  }
  static const std::vector<std::string> kTypes = {std::string(cloudstate::proxy::kCrdtType),
                                                  std::string(cloudstate::proxy::kActionType),
                                                  std::string(cloudstate::proxy::kEventSourcedType),
                                                  std::string(cloudstate::proxy::kValueEntityType)};
  auto model = cloudstate::proxy::ServiceModel::Build(spec, kTypes);
  if (model.ok()) {
    for (const auto& [path, route] : (*model)->routes()) {
      (void)route.ExtractEntityId(path);
    }
  }
  return 0;
}
