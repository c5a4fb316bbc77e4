// Registers every model of the reference function and the discovery-level faults.
#include "google/protobuf/descriptor.pb.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"

// Set by CMake when src/crdt_model.cc exists (a compile definition rather than __has_include, so
// that compiler caches notice when the CRDT models appear).
#ifdef CS_HAVE_CRDT_MODELS
#include "crdt_model.h"
#endif

namespace cloudstate::reference_function {

void InstallDiscoveryFaults(sdk::Server& server, const Faults& faults) {
  const bool wrong_version = faults.Has(fault::kDiscoveryWrongProtocolVersion);
  const bool missing_import = faults.Has(fault::kDiscoveryMissingImport);
  const bool wrong_type = faults.Has(fault::kDiscoveryWrongEntityType);
  if (!wrong_version && !missing_import && !wrong_type) {
    return;
  }
  server.SetSpecHook([=](cloudstate::EntitySpec& spec) {
    if (wrong_version) {
      spec.mutable_service_info()->set_protocol_minor_version(1);
    }
    if (missing_import) {
      google::protobuf::FileDescriptorSet files;
      if (files.ParseFromString(spec.proto())) {
        google::protobuf::FileDescriptorSet kept;
        for (const auto& file : files.file()) {
          if (file.name() != "google/api/http.proto") {
            *kept.add_file() = file;
          }
        }
        kept.SerializeToString(spec.mutable_proto());
      }
    }
    if (wrong_type) {
      for (auto& entity : *spec.mutable_entities()) {
        if (entity.service_name() == "cloudstate.tck.model.action.ActionTwo") {
          entity.set_entity_type(sdk::kValueEntityType);
        }
      }
    }
  });
}

sdk::ServerOptions ReferenceServerOptions(const Faults& faults) {
  sdk::ServerOptions options;
  options.service_name = kServiceName;
  options.service_version = sdk::SupportLibraryVersion();
  options.crash_on_protocol_error = faults.Has(fault::kProtocolCrashOnError);
  return options;
}

void RegisterAll(sdk::Server& server, const Faults& faults) {
  RegisterActionModels(server, faults);
  RegisterValueEntityModels(server, faults);
  RegisterEventSourcedModels(server, faults);
#ifdef CS_HAVE_CRDT_MODELS
  RegisterCrdtModels(server, faults);
#endif
  RegisterEventingModels(server, faults);
  RegisterShoppingCart(server, faults);
  InstallDiscoveryFaults(server, faults);
}

}  // namespace cloudstate::reference_function
