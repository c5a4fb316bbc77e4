// The value entity TCK models: ValueEntityTckModel, ValueEntityTwo, ValueEntityConfigured.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

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
        stale_reply_(faults.Has(fault::kVeReplyStaleState)),
        state_action_always_(faults.Has(fault::kVeStateActionAlways)),
        effects_reversed_(faults.Has(fault::kVeSideEffectsReversed)),
        sync_lost_(faults.Has(fault::kVeSideEffectSyncLost)),
        forward_drops_effects_(faults.Has(fault::kVeForwardDropsEffects)),
        truncate_large_(faults.Has(fault::kProtocolLargePayloadTruncated)) {}

  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::ValueEntityContext& ctx) override {
    model::Request request;
    UnpackAny(command, &request);
    const std::string before = CurrentValue(ctx.state());
    bool forwards = false;
    for (const auto& action : request.actions()) {
      forwards = forwards || action.has_forward();
    }
    const bool drop_effects = forward_drops_effects_ && forwards;
    bool changed = false;
    std::vector<std::pair<std::string, bool>> effects;  // target id, synchronous
    for (const auto& action : request.actions()) {
      if (drop_effects && (action.has_update() || action.has_delete_() || action.has_effect())) {
        continue;
      }
      changed = changed || action.has_update() || action.has_delete_();
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
        case model::RequestAction::kEffect:
          effects.emplace_back(action.effect().id(), action.effect().synchronous() && !sync_lost_);
          break;
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
    if (effects_reversed_) {
      std::reverse(effects.begin(), effects.end());
    }
    for (const auto& [id, synchronous] : effects) {
      model::Request target;
      target.set_id(id);
      ctx.SideEffect(kTwo, "Call", target, synchronous);
    }
    if (state_action_always_ && !changed && !ctx.failed()) {
      // Re-send what is there (or a delete when there is nothing).
      if (ctx.state().has_value()) {
        ctx.UpdateStateAny(*ctx.state());
      } else {
        ctx.DeleteState();
      }
    }
    model::Response response;
    response.set_message(
        MaybeTruncated(stale_reply_ ? before : CurrentValue(ctx.state()), truncate_large_));
    return PackAny(response);
  }

 private:
  bool empty_failure_;
  bool stale_reply_;
  bool state_action_always_;
  bool effects_reversed_;
  bool sync_lost_;
  bool forward_drops_effects_;
  bool truncate_large_;
};

// ValueEntityTwo and ValueEntityConfigured: reply with an empty Response.
class EmptyReplyEntity final : public sdk::ValueEntity {
 public:
  explicit EmptyReplyEntity(bool non_empty = false) : non_empty_(non_empty) {}
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::ValueEntityContext& ctx) override {
    model::Response response;
    if (non_empty_) {
      response.set_message("unexpected");  // the fault ve-two-non-empty-reply
    }
    return PackAny(response);
  }

 private:
  bool non_empty_;
};

}  // namespace

void RegisterValueEntityModels(sdk::Server& server, const Faults& faults) {
  const bool wrong_id = faults.Has(fault::kDiscoveryWrongPersistenceId);
  sdk::ValueEntityOptions main;
  main.service = FindService(kTckModel);
  main.persistence_id = wrong_id ? "value-entity-tck" : "value-entity-tck-model";
  server.AddValueEntity(
      main, [faults](std::string_view) { return std::make_unique<ValueEntityTckModel>(faults); });

  sdk::ValueEntityOptions two;
  two.service = FindService(kTwo);
  two.persistence_id = "value-entity-tck-model-two";
  const bool two_non_empty = faults.Has(fault::kVeTwoNonEmptyReply);
  server.AddValueEntity(two, [two_non_empty](std::string_view) {
    return std::make_unique<EmptyReplyEntity>(two_non_empty);
  });

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
