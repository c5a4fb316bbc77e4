#include "cloudstate/sdk/action.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {

using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;

ActionResponse ActionReply(const google::protobuf::Message& payload) {
  return ActionReply(PackAny(payload));
}

ActionResponse ActionReply(google::protobuf::Any payload) {
  ActionResponse response;
  *response.mutable_reply()->mutable_payload() = std::move(payload);
  return response;
}

ActionResponse ActionForward(cloudstate::Forward forward) {
  ActionResponse response;
  *response.mutable_forward() = std::move(forward);
  return response;
}

ActionResponse ActionFailure(std::string description) {
  ActionResponse response;
  response.mutable_failure()->set_description(std::move(description));
  return response;
}

namespace {

absl::Status NotImplemented(const ActionContext& ctx, std::string_view shape) {
  return absl::UnimplementedError(absl::StrCat(ctx.service_name, ".", ctx.command_name, " has no ",
                                               std::string(shape), " handler"));
}

const char* ShapeName(ActionShape shape) {
  switch (shape) {
    case ActionShape::kUnary:
      return "unary";
    case ActionShape::kStreamedIn:
      return "streamed-in";
    case ActionShape::kStreamedOut:
      return "streamed-out";
    case ActionShape::kStreamed:
      return "streamed";
  }
  return "unknown";
}

ActionShape ShapeOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? ActionShape::kStreamed : ActionShape::kStreamedIn;
  }
  return method.server_streaming() ? ActionShape::kStreamedOut : ActionShape::kUnary;
}

}  // namespace

absl::StatusOr<ActionResponse> Action::HandleUnary(const ActionContext& ctx,
                                                   const ActionCommand& command) {
  return NotImplemented(ctx, "unary");
}

absl::StatusOr<ActionResponse> Action::HandleStreamedIn(
    const ActionContext& ctx, const std::vector<ActionCommand>& commands) {
  return NotImplemented(ctx, "streamed-in");
}

absl::StatusOr<std::vector<ActionResponse>> Action::HandleStreamedOut(
    const ActionContext& ctx, const ActionCommand& command) {
  return NotImplemented(ctx, "streamed-out");
}

absl::StatusOr<std::vector<ActionResponse>> Action::HandleStreamedMessage(
    const ActionContext& ctx, const ActionCommand& command) {
  return NotImplemented(ctx, "streamed");
}

absl::StatusOr<std::vector<ActionResponse>> Action::HandleStreamedEnd(const ActionContext& ctx) {
  return std::vector<ActionResponse>{};
}

ActionDispatcher::ActionDispatcher(ActionResolver resolver, std::shared_ptr<const FaultPlan> faults)
    : resolver_(std::move(resolver)),
      faults_(std::move(faults)),
      errors_as_status_(faults_ != nullptr && faults_->Has(SdkFault::kActionErrorsAsStatus, "")),
      exit_on_bad_input_(faults_ != nullptr && faults_->Has(SdkFault::kExitOnActionBadInput, "")) {}

bool ActionDispatcher::Deviates(const ActionRegistration& registration, SdkFault fault) const {
  return faults_ != nullptr && faults_->Has(fault, registration.options.service->full_name());
}

std::optional<std::string> ActionDispatcher::Checked(std::optional<std::string> problem) const {
  if (problem.has_value() && exit_on_bad_input_) {
    spdlog::error("Deliberate fault: exiting on a malformed action call: {}", *problem);
    std::_Exit(3);
  }
  return problem;
}

std::optional<std::string> ActionDispatcher::Resolve(
    const ActionCommand& header, ActionShape shape, ActionContext* ctx,
    const ActionRegistration** registration) const {
  return Checked(ResolveUnchecked(header, shape, ctx, registration));
}

std::optional<std::string> ActionDispatcher::ResolveUnchecked(
    const ActionCommand& header, ActionShape shape, ActionContext* ctx,
    const ActionRegistration** registration) const {
  const ActionRegistration* found = resolver_(header.service_name());
  if (found == nullptr) {
    return absl::StrCat("Unknown action service [", header.service_name(), "]");
  }
  const google::protobuf::MethodDescriptor* method =
      found->options.service->FindMethodByName(header.name());
  if (method == nullptr) {
    return absl::StrCat("Unknown command [", header.name(), "] on action service [",
                        header.service_name(), "]");
  }
  if (ShapeOf(*method) != shape) {
    return absl::StrCat("Command [", header.name(), "] of [", header.service_name(), "] is ",
                        ShapeName(ShapeOf(*method)), " but was called as ", ShapeName(shape));
  }
  ctx->service_name = header.service_name();
  ctx->command_name = header.name();
  ctx->method = method;
  ctx->metadata = header.metadata();
  *registration = found;
  return std::nullopt;
}

void ActionDispatcher::ApplyOutputFaults(const ActionRegistration& registration,
                                         ActionResponse* response) const {
  if (Deviates(registration, SdkFault::kActionDropSyncFlag)) {
    for (auto& effect : *response->mutable_side_effects()) {
      effect.set_synchronous(false);
    }
  }
}

absl::StatusOr<ActionResponse> ActionDispatcher::Malformed(std::string problem) const {
  if (errors_as_status_) {
    return absl::InvalidArgumentError(problem);
  }
  return ActionFailure(std::move(problem));
}

absl::StatusOr<ActionResponse> ActionDispatcher::Unary(const ActionCommand& command) const {
  ActionContext ctx;
  const ActionRegistration* registration = nullptr;
  if (auto problem = Resolve(command, ActionShape::kUnary, &ctx, &registration)) {
    return Malformed(*problem);
  }
  if (auto problem = Checked(CheckPayload(command.payload(), *ctx.method->input_type()))) {
    return Malformed(*problem);
  }
  absl::StatusOr<ActionResponse> response = registration->action->HandleUnary(ctx, command);
  if (response.ok()) {
    ApplyOutputFaults(*registration, &*response);
  }
  return response;
}

absl::StatusOr<std::vector<ActionResponse>> ActionDispatcher::StreamedOut(
    const ActionCommand& command) const {
  ActionContext ctx;
  const ActionRegistration* registration = nullptr;
  if (auto problem = Resolve(command, ActionShape::kStreamedOut, &ctx, &registration)) {
    if (errors_as_status_) {
      return absl::InvalidArgumentError(*problem);
    }
    return std::vector<ActionResponse>{ActionFailure(*problem)};
  }
  if (auto problem = Checked(CheckPayload(command.payload(), *ctx.method->input_type()))) {
    if (errors_as_status_) {
      return absl::InvalidArgumentError(*problem);
    }
    return std::vector<ActionResponse>{ActionFailure(*problem)};
  }
  absl::StatusOr<std::vector<ActionResponse>> responses =
      registration->action->HandleStreamedOut(ctx, command);
  if (responses.ok()) {
    for (auto& response : *responses) {
      ApplyOutputFaults(*registration, &response);
    }
    if (Deviates(*registration, SdkFault::kActionStreamedOutEndsEarly) && responses->size() > 1) {
      responses->resize(1);
    }
  }
  return responses;
}

std::optional<absl::StatusOr<ActionResponse>> ActionStreamedInCore::Feed(
    const ActionCommand& command) {
  if (!have_header_) {
    have_header_ = true;
    problem_ = dispatcher_.Resolve(command, ActionShape::kStreamedIn, &ctx_, &registration_);
    if (problem_.has_value()) {
      return dispatcher_.Malformed(*problem_);
    }
    if (!command.has_payload()) {
      return std::nullopt;
    }
  }
  if (auto problem =
          dispatcher_.Checked(CheckPayload(command.payload(), *ctx_.method->input_type()))) {
    return dispatcher_.Malformed(*problem);
  }
  commands_.push_back(command);
  if (dispatcher_.Deviates(*registration_, SdkFault::kActionStreamedInAnswersEarly)) {
    return End();
  }
  return std::nullopt;
}

absl::StatusOr<ActionResponse> ActionStreamedInCore::End() {
  if (!have_header_) {
    return ActionFailure("Streamed-in call ended without any command");
  }
  if (problem_.has_value()) {
    return dispatcher_.Malformed(*problem_);
  }
  absl::StatusOr<ActionResponse> response =
      registration_->action->HandleStreamedIn(ctx_, commands_);
  if (response.ok()) {
    dispatcher_.ApplyOutputFaults(*registration_, &*response);
  }
  return response;
}

StreamStep<ActionResponse> ActionStreamedCore::FromResult(
    absl::StatusOr<std::vector<ActionResponse>> result, bool finish) {
  StreamStep<ActionResponse> step;
  if (!result.ok()) {
    step.finish = true;
    step.status = result.status();
    return step;
  }
  for (auto& response : *result) {
    dispatcher_.ApplyOutputFaults(*registration_, &response);
    step.messages.push_back(std::move(response));
  }
  step.finish = finish;
  return step;
}

StreamStep<ActionResponse> ActionStreamedCore::OnMessage(const ActionCommand& in) {
  if (!have_header_) {
    have_header_ = true;
    if (auto problem = dispatcher_.Resolve(in, ActionShape::kStreamed, &ctx_, &registration_)) {
      StreamStep<ActionResponse> step;
      step.finish = true;
      if (dispatcher_.errors_as_status()) {
        step.status = absl::InvalidArgumentError(*problem);
        return step;
      }
      step.messages.push_back(ActionFailure(*problem));
      return step;
    }
    if (!in.has_payload()) {
      return {};
    }
  }
  if (auto problem = dispatcher_.Checked(CheckPayload(in.payload(), *ctx_.method->input_type()))) {
    StreamStep<ActionResponse> step;
    if (dispatcher_.errors_as_status()) {
      step.finish = true;
      step.status = absl::InvalidArgumentError(*problem);
      return step;
    }
    step.messages.push_back(ActionFailure(*problem));
    return step;
  }
  return FromResult(registration_->action->HandleStreamedMessage(ctx_, in), false);
}

StreamStep<ActionResponse> ActionStreamedCore::OnInputEnd() {
  if (!have_header_ || registration_ == nullptr) {
    StreamStep<ActionResponse> step;
    step.finish = true;
    return step;
  }
  return FromResult(registration_->action->HandleStreamedEnd(ctx_), true);
}

}  // namespace cloudstate::sdk
