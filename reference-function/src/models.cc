// Registers every model of the reference function and the discovery-level faults.
#include "google/protobuf/descriptor.pb.h"

#include "cloudstate/entity.pb.h"

#include "cloudstate/reference_function/reference_function.h"
#include "crdt_model.h"
#include "fault_names.h"

namespace cloudstate::reference_function {

void InstallDiscoveryFaults(sdk::Server& server, const Faults& faults) {
  const bool wrong_version = faults.Has(fault::kDiscoveryWrongProtocolVersion);
  const bool missing_import = faults.Has(fault::kDiscoveryMissingImport);
  const bool wrong_type = faults.Has(fault::kDiscoveryWrongEntityType);
  const bool garbled = faults.Has(fault::kDiscoveryDescriptorSetGarbled);
  const bool short_types = faults.Has(fault::kDiscoveryShortEntityTypes);
  const bool duplicate = faults.Has(fault::kDiscoveryDuplicateEntity);
  const bool zero_passivation = faults.Has(fault::kDiscoveryPassivationZero);
  const bool info_incomplete = faults.Has(fault::kDiscoveryServiceInfoIncomplete);
  const bool shared_persistence_id = faults.Has(fault::kDiscoverySharedPersistenceId);
  if (!wrong_version && !missing_import && !wrong_type && !garbled && !short_types && !duplicate &&
      !zero_passivation && !info_incomplete && !shared_persistence_id) {
    return;
  }
  server.SetSpecHook([=](cloudstate::EntitySpec& spec) {
    if (garbled) {
      google::protobuf::FileDescriptorSet files;
      if (files.ParseFromString(spec.proto())) {
        // Text format where the binary serialization belongs.
        spec.set_proto(files.DebugString());
      }
    }
    for (auto& entity : *spec.mutable_entities()) {
      if (short_types) {
        const std::string& type = entity.entity_type();
        entity.set_entity_type(type.substr(type.rfind('.') + 1));
      }
      if (zero_passivation && entity.has_passivation_strategy()) {
        entity.mutable_passivation_strategy()->mutable_timeout()->set_timeout(0);
      }
    }
    if (duplicate) {
      for (int i = 0; i < spec.entities_size(); ++i) {
        if (spec.entities(i).service_name() == "com.example.shoppingcart.ShoppingCart") {
          cloudstate::Entity copy = spec.entities(i);
          *spec.add_entities() = std::move(copy);
          break;
        }
      }
    }
    if (info_incomplete) {
      auto* info = spec.mutable_service_info();
      info->clear_service_name();
      info->clear_service_version();
      info->clear_service_runtime();
      info->clear_support_library_name();
      info->clear_support_library_version();
    }
    if (shared_persistence_id) {
      std::string main_id;
      for (const auto& entity : spec.entities()) {
        if (entity.service_name() == "cloudstate.tck.model.crdt.CrdtTckModel") {
          main_id = entity.persistence_id();
        }
      }
      for (auto& entity : *spec.mutable_entities()) {
        if (entity.service_name() == "cloudstate.tck.model.crdt.CrdtTwo") {
          entity.set_persistence_id(main_id);
        }
      }
    }
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
        if (entity.service_name() == "cloudstate.tck.model.action.ActionTwo" ||
            entity.service_name() == "cloudstate.tck.model.crdt.CrdtTwo") {
          entity.set_entity_type(sdk::kValueEntityType);
        }
      }
    }
  });
}

namespace {

// The faults that the SDK's fault seam carries out (sdk/fault_plan.h): which deviation each one
// switches on, and for which service ("" = server-wide). The other faults live in the models.
struct SdkDeviation {
  const char* fault;
  sdk::SdkFault deviation;
  const char* service;
};

constexpr char kEsTckModel[] = "cloudstate.tck.model.EventSourcedTckModel";
constexpr char kVeTckModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kActionTckModel[] = "cloudstate.tck.model.action.ActionTckModel";

constexpr SdkDeviation kSdkDeviations[] = {
    {fault::kProtocolCrashOnError, sdk::SdkFault::kCrashOnProtocolError, ""},
    {fault::kDiscoveryAnswersOnce, sdk::SdkFault::kDiscoverAnswersOnce, ""},
    {fault::kDiscoveryRejectsPartialProxy, sdk::SdkFault::kDiscoverRejectsPartialProxy, ""},
    {fault::kDiscoveryReportErrorUnimplemented, sdk::SdkFault::kReportErrorUnimplemented, ""},
    {fault::kDiscoveryRejectsOtherVersion, sdk::SdkFault::kDiscoverRejectsOtherVersion, ""},
    {fault::kActionExitOnBadInput, sdk::SdkFault::kExitOnActionBadInput, ""},
    {fault::kActionExitOnCancel, sdk::SdkFault::kExitOnActionCancel, ""},
    {fault::kEsWrongCommandId, sdk::SdkFault::kEsReplyCommandIdPlusOne, kEsTckModel},
    {fault::kEsEventNotAppliedBeforeReply, sdk::SdkFault::kEsApplyEventsAfterHandler, kEsTckModel},
    {fault::kEsSnapshotIgnoredOnInit, sdk::SdkFault::kEsIgnoreInitSnapshot, kEsTckModel},
    {fault::kEsReplayOutOfOrder, sdk::SdkFault::kEsReplayEventsReversed, kEsTckModel},
    {fault::kEsFailureKeepsEvents, sdk::SdkFault::kEsKeepEventsOnFailure, kEsTckModel},
    {fault::kEsFailureKeepsSideEffects, sdk::SdkFault::kEsKeepSideEffectsOnFailure, kEsTckModel},
    {fault::kEsSnapshotOnlyOnMultiple, sdk::SdkFault::kEsSnapshotOnlyOnMultiple, kEsTckModel},
    {fault::kProtocolOpenAfterHalfClose, sdk::SdkFault::kStayOpenWithoutCommands, kEsTckModel},
    {fault::kProtocolOpenAfterHalfClose, sdk::SdkFault::kStayOpenWithoutCommands, kVeTckModel},
    {fault::kVeDeleteIgnored, sdk::SdkFault::kVeIgnoreDelete, kVeTckModel},
    {fault::kVeUpdatesNotCollapsed, sdk::SdkFault::kVeKeepFirstStateAction, kVeTckModel},
    {fault::kVeFailureKeepsSideEffects, sdk::SdkFault::kVeKeepSideEffectsOnFailure, kVeTckModel},
    {fault::kVeInitStateIgnored, sdk::SdkFault::kVeIgnoreInitState, kVeTckModel},
    {fault::kActionStreamedOutEndsEarly, sdk::SdkFault::kActionStreamedOutEndsEarly,
     kActionTckModel},
    {fault::kActionStreamedInAnswersEarly, sdk::SdkFault::kActionStreamedInAnswersEarly,
     kActionTckModel},
    {fault::kActionSideEffectSyncLost, sdk::SdkFault::kActionDropSyncFlag, kActionTckModel},
};

}  // namespace

sdk::ServerOptions ReferenceServerOptions(const Faults& faults) {
  sdk::ServerOptions options;
  options.service_name = kServiceName;
  options.service_version = sdk::SupportLibraryVersion();
  auto plan = std::make_shared<sdk::FixedFaultPlan>();
  bool any = false;
  for (const auto& d : kSdkDeviations) {
    if (faults.Has(d.fault)) {
      plan->Enable(d.deviation, d.service);
      any = true;
    }
  }
  if (any) {
    options.fault_plan = std::move(plan);
  }
  return options;
}

void RegisterAll(sdk::Server& server, const Faults& faults) {
  RegisterActionModels(server, faults);
  RegisterValueEntityModels(server, faults);
  RegisterEventSourcedModels(server, faults);
  RegisterCrdtModels(server, faults);
  RegisterEventingModels(server, faults);
  RegisterShoppingCart(server, faults);
  InstallDiscoveryFaults(server, faults);
}

}  // namespace cloudstate::reference_function
