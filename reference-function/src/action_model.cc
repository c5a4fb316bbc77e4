// The action TCK models: cloudstate.tck.model.action.ActionTckModel and ActionTwo.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

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
        forward_wrong_target_(faults.Has(fault::kActionForwardWrongTarget)),
        no_reply_as_empty_(faults.Has(fault::kActionNoReplySendsEmptyReply)),
        failure_without_description_(faults.Has(fault::kActionFailureWithoutDescription)),
        reply_cache_(faults.Has(fault::kActionUnaryReplyCache)),
        mangle_non_ascii_(faults.Has(fault::kActionNonAsciiMangled)),
        short_type_url_(faults.Has(fault::kActionReplyTypeUrlShort)),
        truncate_large_(faults.Has(fault::kProtocolLargePayloadTruncated)),
        echo_metadata_(faults.Has(fault::kActionMetadataEchoed)) {}

  absl::StatusOr<ActionResponse> HandleUnary(const sdk::ActionContext& ctx,
                                             const ActionCommand& command) override {
    model::Request request;
    UnpackAny(command.payload(), &request);
    std::string cache_key;
    if (reply_cache_) {
      cache_key = absl::StrCat(ctx.command_name, "/", request.groups_size());
      if (request.groups_size() > 0 && request.groups(0).steps_size() > 0) {
        absl::StrAppend(&cache_key, "/", request.groups(0).steps(0).step_case());
      }
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto it = cache_.find(cache_key);
      if (it != cache_.end() &&
          std::chrono::steady_clock::now() - it->second.first < std::chrono::seconds(2)) {
        return it->second.second;
      }
    }
    ActionResponse combined;
    for (const auto& group : request.groups()) {
      Fold(&combined, ProcessGroup(group));
    }
    NoReplyAsEmpty(&combined);
    if (echo_metadata_) {
      EchoMetadata(ctx.metadata, &combined);
    }
    if (reply_cache_) {
      std::lock_guard<std::mutex> lock(cache_mu_);
      cache_[cache_key] = {std::chrono::steady_clock::now(), combined};
    }
    return combined;
  }

  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedEnd(
      const sdk::ActionContext& ctx) override {
    std::vector<ActionResponse> out;
    if (no_reply_as_empty_) {
      out.push_back(sdk::ActionReply(model::Response()));
    }
    return out;
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
    NoReplyAsEmpty(&combined);
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
    if (out.empty() && no_reply_as_empty_) {
      out.push_back(sdk::ActionReply(model::Response()));
    }
    return out;
  }

  // The fault: the command's metadata is copied onto everything the reply sends on.
  static void EchoMetadata(const cloudstate::Metadata& metadata, ActionResponse* response) {
    if (metadata.entries_size() == 0) {
      return;
    }
    if (response->has_reply()) {
      *response->mutable_reply()->mutable_metadata() = metadata;
    }
    if (response->has_forward()) {
      *response->mutable_forward()->mutable_metadata() = metadata;
    }
    for (auto& effect : *response->mutable_side_effects()) {
      *effect.mutable_metadata() = metadata;
    }
  }

  void NoReplyAsEmpty(ActionResponse* response) const {
    if (no_reply_as_empty_ && response->response_case() == ActionResponse::RESPONSE_NOT_SET) {
      *response->mutable_reply() = sdk::MakeReply(model::Response());
    }
  }

  std::string ReplyText(std::string text) const {
    if (mangle_non_ascii_) {
      for (char& c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
          c = '?';
        }
      }
    }
    return MaybeTruncated(std::move(text), truncate_large_);
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
          reply.set_message(ReplyText(step.reply().message()));
          *response.mutable_reply() = sdk::MakeReply(reply);
          if (short_type_url_) {
            response.mutable_reply()->mutable_payload()->set_type_url(
                "type.googleapis.com/Response");
          }
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
          response.mutable_failure()->set_description(
              failure_without_description_ ? "" : step.fail().message());
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
    NoReplyAsEmpty(&response);
    return response;
  }

  bool drop_side_effect_;
  bool failure_drops_effects_;
  bool forward_wrong_target_;
  bool no_reply_as_empty_;
  bool failure_without_description_;
  bool reply_cache_;
  bool mangle_non_ascii_;
  bool short_type_url_;
  bool truncate_large_;
  bool echo_metadata_;
  std::mutex cache_mu_;
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, ActionResponse>> cache_;
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
  server.AddAction(options, std::make_shared<ActionTckModel>(faults));
  sdk::ActionOptions two;
  two.service = FindService(kActionTwo);
  server.AddAction(two, std::make_shared<ActionTwo>(faults.Has(fault::kActionTwoNonEmptyReply)));
}

}  // namespace cloudstate::reference_function
