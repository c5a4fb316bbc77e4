// The value entity TCK models: ValueEntityTckModel, ValueEntityTwo, ValueEntityConfigured.
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace model = cloudstate::tck::model::valueentity;

constexpr char kTckModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
constexpr char kTwo[] = "cloudstate.tck.model.valueentity.ValueEntityTwo";
constexpr char kConfigured[] = "cloudstate.tck.model.valueentity.ValueEntityConfigured";

std::string CurrentValue(const std::optional<google::protobuf::Any>& state) {
  model::Persisted persisted;
  if (state.has_value()) {
    UnpackAny(*state, &persisted);
  }
  return persisted.value();
}

class ValueEntityTckModel final : public sdk::ValueEntity {
 public:
  explicit ValueEntityTckModel(const Faults& faults)
      : empty_failure_(faults.Has(fault::kVeFailureWithoutDescription)),
        stale_reply_(faults.Has(fault::kVeReplyStaleState)) {}

  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::ValueEntityContext& ctx) override {
    model::Request request;
    UnpackAny(command, &request);
    const std::string before = CurrentValue(ctx.state());
    for (const auto& action : request.actions()) {
      switch (action.action_case()) {
        case model::RequestAction::kUpdate: {
          model::Persisted persisted;
          persisted.set_value(action.update().value());
          ctx.UpdateState(persisted);
          break;
        }
        case model::RequestAction::kDelete:
          ctx.DeleteState();
          break;
        case model::RequestAction::kForward: {
          model::Request target;
          target.set_id(action.forward().id());
          ctx.Forward(kTwo, "Call", target);
          break;
        }
        case model::RequestAction::kEffect: {
          model::Request target;
          target.set_id(action.effect().id());
          ctx.SideEffect(kTwo, "Call", target, action.effect().synchronous());
          break;
        }
        case model::RequestAction::kFail:
          ctx.Fail(empty_failure_ ? "" : action.fail().message());
          break;
        case model::RequestAction::ACTION_NOT_SET:
          break;
      }
      if (ctx.failed()) {
        break;
      }
    }
    model::Response response;
    response.set_message(stale_reply_ ? before : CurrentValue(ctx.state()));
    return PackAny(response);
  }

 private:
  bool empty_failure_;
  bool stale_reply_;
};

// ValueEntityTwo and ValueEntityConfigured: reply with an empty Response.
class EmptyReplyEntity final : public sdk::ValueEntity {
 public:
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::ValueEntityContext& ctx) override {
    return PackAny(model::Response());
  }
};

}  // namespace

void RegisterValueEntityModels(sdk::Server& server, const Faults& faults) {
  const bool wrong_id = faults.Has(fault::kDiscoveryWrongPersistenceId);
  sdk::ValueEntityOptions main;
  main.service = FindService(kTckModel);
  main.persistence_id = wrong_id ? "value-entity-tck" : "value-entity-tck-model";
  main.quirks.ignore_delete = faults.Has(fault::kVeDeleteIgnored);
  main.quirks.keep_first_state_action = faults.Has(fault::kVeUpdatesNotCollapsed);
  main.quirks.keep_side_effects_on_failure = faults.Has(fault::kVeFailureKeepsSideEffects);
  main.quirks.ignore_init_state = faults.Has(fault::kVeInitStateIgnored);
  server.AddValueEntity(
      main, [faults](std::string_view) { return std::make_unique<ValueEntityTckModel>(faults); });

  sdk::ValueEntityOptions two;
  two.service = FindService(kTwo);
  two.persistence_id = "value-entity-tck-model-two";
  server.AddValueEntity(two, [](std::string_view) { return std::make_unique<EmptyReplyEntity>(); });

  sdk::ValueEntityOptions configured;
  configured.service = FindService(kConfigured);
  configured.persistence_id = "value-entity-configured";
  if (!faults.Has(fault::kDiscoveryPassivationDropped)) {
    configured.passivation_timeout_ms = 100;
  }
  server.AddValueEntity(configured,
                        [](std::string_view) { return std::make_unique<EmptyReplyEntity>(); });
}

}  // namespace cloudstate::reference_function
