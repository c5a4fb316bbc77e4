// The action TCK models: cloudstate.tck.model.action.ActionTckModel and ActionTwo.
#include "cloudstate/tck/model/action.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace model = cloudstate::tck::model::action;
using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;

constexpr char kActionTwo[] = "cloudstate.tck.model.action.ActionTwo";
constexpr char kActionTckModel[] = "cloudstate.tck.model.action.ActionTckModel";

class ActionTckModel final : public sdk::Action {
 public:
  explicit ActionTckModel(const Faults& faults)
      : drop_side_effect_(faults.Has(fault::kActionSideEffectDropped)),
        failure_drops_effects_(faults.Has(fault::kActionFailureDropsSideEffects)),
        forward_wrong_target_(faults.Has(fault::kActionForwardWrongTarget)) {}

  absl::StatusOr<ActionResponse> HandleUnary(const sdk::ActionContext& ctx,
                                             const ActionCommand& command) override {
    model::Request request;
    UnpackAny(command.payload(), &request);
    ActionResponse combined;
    for (const auto& group : request.groups()) {
      Fold(&combined, ProcessGroup(group));
    }
    return combined;
  }

  absl::StatusOr<ActionResponse> HandleStreamedIn(
      const sdk::ActionContext& ctx, const std::vector<ActionCommand>& commands) override {
    ActionResponse combined;
    for (const auto& command : commands) {
      model::Request request;
      UnpackAny(command.payload(), &request);
      for (const auto& group : request.groups()) {
        Fold(&combined, ProcessGroup(group));
      }
    }
    return combined;
  }

  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedOut(
      const sdk::ActionContext& ctx, const ActionCommand& command) override {
    return PerGroup(command);
  }

  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedMessage(
      const sdk::ActionContext& ctx, const ActionCommand& command) override {
    return PerGroup(command);
  }

 private:
  std::vector<ActionResponse> PerGroup(const ActionCommand& command) const {
    model::Request request;
    UnpackAny(command.payload(), &request);
    std::vector<ActionResponse> out;
    for (const auto& group : request.groups()) {
      out.push_back(ProcessGroup(group));
    }
    return out;
  }

  // A later outcome replaces an earlier one; "no reply" keeps it; side effects accumulate.
  static void Fold(ActionResponse* into, const ActionResponse& next) {
    if (next.response_case() != ActionResponse::RESPONSE_NOT_SET) {
      ActionResponse merged = next;
      merged.clear_side_effects();
      merged.mutable_side_effects()->CopyFrom(into->side_effects());
      *into = std::move(merged);
    }
    for (const auto& effect : next.side_effects()) {
      *into->add_side_effects() = effect;
    }
  }

  ActionResponse ProcessGroup(const model::ProcessGroup& group) const {
    ActionResponse response;
    for (const auto& step : group.steps()) {
      switch (step.step_case()) {
        case model::ProcessStep::kReply: {
          model::Response reply;
          reply.set_message(step.reply().message());
          *response.mutable_reply() = sdk::MakeReply(reply);
          break;
        }
        case model::ProcessStep::kForward: {
          model::OtherRequest other;
          other.set_id(step.forward().id());
          if (forward_wrong_target_) {
            *response.mutable_forward() = sdk::MakeForward(kActionTckModel, "ProcessUnary", other);
          } else {
            *response.mutable_forward() = sdk::MakeForward(kActionTwo, "Call", other);
          }
          break;
        }
        case model::ProcessStep::kFail:
          response.mutable_failure()->set_description(step.fail().message());
          break;
        case model::ProcessStep::kEffect: {
          model::OtherRequest other;
          other.set_id(step.effect().id());
          *response.add_side_effects() =
              sdk::MakeSideEffect(kActionTwo, "Call", other, step.effect().synchronous());
          break;
        }
        case model::ProcessStep::STEP_NOT_SET:
          break;
      }
    }
    if (drop_side_effect_ && response.side_effects_size() > 0) {
      response.mutable_side_effects()->RemoveLast();
    }
    if (failure_drops_effects_ && response.has_failure()) {
      response.clear_side_effects();
    }
    return response;
  }

  bool drop_side_effect_;
  bool failure_drops_effects_;
  bool forward_wrong_target_;
};

class ActionTwo final : public sdk::Action {
 public:
  explicit ActionTwo(bool non_empty) : non_empty_(non_empty) {}
  absl::StatusOr<ActionResponse> HandleUnary(const sdk::ActionContext& ctx,
                                             const ActionCommand& command) override {
    model::Response response;
    if (non_empty_) {
      response.set_message("unexpected");
    }
    return sdk::ActionReply(response);
  }

 private:
  bool non_empty_;
};

}  // namespace

void RegisterActionModels(sdk::Server& server, const Faults& faults) {
  sdk::ActionOptions options;
  options.service = FindService(kActionTckModel);
  options.quirks.streamed_out_ends_early = faults.Has(fault::kActionStreamedOutEndsEarly);
  options.quirks.streamed_in_answers_early = faults.Has(fault::kActionStreamedInAnswersEarly);
  options.quirks.drop_sync_flag = faults.Has(fault::kActionSideEffectSyncLost);
  server.AddAction(options, std::make_shared<ActionTckModel>(faults));
  sdk::ActionOptions two;
  two.service = FindService(kActionTwo);
  server.AddAction(two, std::make_shared<ActionTwo>(faults.Has(fault::kActionTwoNonEmptyReply)));
}

}  // namespace cloudstate::reference_function
