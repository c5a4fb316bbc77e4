#include "cloudstate/sdk/value_entity.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "spdlog/spdlog.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {

using cloudstate::valueentity::ValueEntityAction;
using cloudstate::valueentity::ValueEntityStreamIn;
using cloudstate::valueentity::ValueEntityStreamOut;

ValueEntityContext::ValueEntityContext(std::string entity_id, int64_t command_id,
                                       std::string command_name,
                                       std::optional<google::protobuf::Any> state)
    : entity_id_(std::move(entity_id)),
      command_id_(command_id),
      command_name_(std::move(command_name)),
      state_(std::move(state)) {}

void ValueEntityContext::UpdateState(const google::protobuf::Message& state) {
  UpdateStateAny(PackAny(state));
}

void ValueEntityContext::UpdateStateAny(google::protobuf::Any state) {
  ValueEntityAction action;
  *action.mutable_update()->mutable_value() = state;
  state_ = std::move(state);
  Record(std::move(action));
}

void ValueEntityContext::DeleteState() {
  ValueEntityAction action;
  action.mutable_delete_();
  state_.reset();
  Record(std::move(action));
}

void ValueEntityContext::Record(ValueEntityAction action) {
  if (!first_action_.has_value()) {
    first_action_ = action;
  }
  action_ = std::move(action);
}

namespace {

// Why `state` cannot be decoded by this process, or nullopt. Protobuf states must name a message
// linked into the function and parse as it; JSON and primitive encodings are always decodable.
std::optional<std::string> UndecodableState(const google::protobuf::Any& state) {
  const std::string& url = state.type_url();
  if (absl::StartsWith(url, "json.cloudstate.io/") || absl::StartsWith(url, "p.cloudstate.io/")) {
    return std::nullopt;
  }
  const std::string name(MessageNameOfTypeUrl(url));
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (descriptor == nullptr) {
    return absl::StrCat("Init state has unknown type [", url, "]");
  }
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
  std::unique_ptr<google::protobuf::Message> probe(prototype->New());
  if (!probe->ParseFromString(state.value())) {
    return absl::StrCat("Init state is not a valid ", name);
  }
  return std::nullopt;
}

}  // namespace

ValueEntityStreamCore::ValueEntityStreamCore(ValueEntityResolver resolver,
                                             std::shared_ptr<const FaultPlan> faults)
    : resolver_(std::move(resolver)),
      faults_(std::move(faults)),
      crash_on_protocol_error_(faults_ != nullptr &&
                               faults_->Has(SdkFault::kCrashOnProtocolError, "")) {}

bool ValueEntityStreamCore::Deviates(SdkFault fault) const {
  return faults_ != nullptr && registration_ != nullptr &&
         faults_->Has(fault, registration_->options.service->full_name());
}

StreamStep<ValueEntityStreamOut> ValueEntityStreamCore::OnMessage(const ValueEntityStreamIn& in) {
  switch (in.message_case()) {
    case ValueEntityStreamIn::kInit:
      return OnInit(in.init());
    case ValueEntityStreamIn::kCommand:
      return OnCommand(in.command());
    case ValueEntityStreamIn::MESSAGE_NOT_SET:
      break;
  }
  return StreamFailure(0, "Protocol error: empty ValueEntityStreamIn message");
}

StreamStep<ValueEntityStreamOut> ValueEntityStreamCore::OnInit(
    const cloudstate::valueentity::ValueEntityInit& init) {
  if (entity_ != nullptr) {
    return StreamFailure(0, "Protocol error: init received twice on one value entity stream");
  }
  registration_ = resolver_(init.service_name());
  if (registration_ == nullptr) {
    return StreamFailure(0, absl::StrCat("Protocol error: unknown value entity service [",
                                         init.service_name(), "]"));
  }
  entity_id_ = init.entity_id();
  entity_ = registration_->factory(entity_id_);
  if (entity_ == nullptr) {
    return StreamFailure(
        0, absl::StrCat("Entity factory of ", init.service_name(), " returned no entity"));
  }
  if (init.has_state() && init.state().has_value() && !Deviates(SdkFault::kVeIgnoreInitState)) {
    // VE-020: a stored state this function cannot decode is unrecoverable; starting from an
    // empty state would silently overwrite it on the next update.
    if (auto problem = UndecodableState(init.state().value())) {
      return StreamFailure(0, *problem);
    }
    state_ = init.state().value();
  }
  return {};
}

StreamStep<ValueEntityStreamOut> ValueEntityStreamCore::OnCommand(
    const cloudstate::Command& command) {
  if (entity_ == nullptr) {
    return StreamFailure(command.id(), "Protocol error: command received before init");
  }
  seen_command_ = true;
  const int64_t reply_id = command.id();
  StreamStep<Out> step;
  Out& out = step.messages.emplace_back();
  auto* reply = out.mutable_reply();
  reply->set_command_id(reply_id);

  const google::protobuf::MethodDescriptor* method =
      registration_->options.service->FindMethodByName(command.name());
  std::optional<std::string> problem;
  if (method == nullptr) {
    problem = absl::StrCat("Unknown command [", command.name(), "] on service [",
                           registration_->options.service->full_name(), "]");
  } else {
    problem = CheckPayload(command.payload(), *method->input_type());
  }
  if (problem.has_value()) {
    auto* failure = reply->mutable_client_action()->mutable_failure();
    failure->set_command_id(reply_id);
    failure->set_description(*problem);
    return step;
  }

  ValueEntityContext ctx(entity_id_, command.id(), command.name(), state_);
  absl::StatusOr<std::optional<google::protobuf::Any>> result =
      entity_->HandleCommand(command.payload(), ctx);
  if (!result.ok()) {
    return StreamFailure(command.id(), absl::StrCat("Command handler of ", command.name(),
                                                    " failed: ", result.status().message()));
  }
  if (ctx.failed()) {
    auto* failure = reply->mutable_client_action()->mutable_failure();
    failure->set_command_id(reply_id);
    failure->set_description(*ctx.failure());
    if (Deviates(SdkFault::kVeKeepSideEffectsOnFailure)) {
      for (const auto& effect : ctx.side_effects()) {
        *reply->add_side_effects() = effect;
      }
    }
    return step;
  }
  if (auto action = ctx.ClientActionFor(reply_id, *result)) {
    *reply->mutable_client_action() = std::move(*action);
  }
  for (const auto& effect : ctx.side_effects()) {
    *reply->add_side_effects() = effect;
  }
  std::optional<ValueEntityAction> action =
      Deviates(SdkFault::kVeKeepFirstStateAction) ? ctx.first_state_action() : ctx.state_action();
  if (action.has_value() && action->has_delete_() && Deviates(SdkFault::kVeIgnoreDelete)) {
    action.reset();
  }
  if (action.has_value()) {
    *reply->mutable_state_action() = std::move(*action);
  }
  state_ = ctx.state();
  return step;
}

StreamStep<ValueEntityStreamOut> ValueEntityStreamCore::OnInputEnd() {
  StreamStep<Out> step;
  step.finish = !(!seen_command_ && Deviates(SdkFault::kStayOpenWithoutCommands));
  return step;
}

StreamStep<ValueEntityStreamOut> ValueEntityStreamCore::StreamFailure(int64_t command_id,
                                                                      std::string description) {
  spdlog::warn("Value entity [{}]: {}", entity_id_, description);
  StreamStep<Out> step;
  step.finish = true;
  if (crash_on_protocol_error_) {
    // The deliberate fault: what an SDK that dereferences the missing state would do.
    spdlog::error("Deliberate fault: exiting on a protocol error: {}", description);
    std::_Exit(3);
  }
  Out out;
  out.mutable_failure()->set_command_id(command_id);
  out.mutable_failure()->set_description(std::move(description));
  step.messages.push_back(std::move(out));
  return step;
}

}  // namespace cloudstate::sdk
