// libFuzzer harness: validation of the user function's EntitySpec in discovery. The input is a
// serialized EntitySpec; when it names no entities, it is used as the descriptor set of a spec
// that declares the TCK model services of every entity kind.

#include <cstddef>
#include <cstdint>
#include <string>

#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "core/service_model.h"

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
  auto model =
      cloudstate::proxy::ServiceModel::Build(spec, cloudstate::proxy::SupportedEntityTypes());
  if (model.ok()) {
    for (const auto& [path, route] : (*model)->routes()) {
      (void)route.ExtractEntityId(path);
    }
  }
  return 0;
}
