#include "cloudstate/proxy_core/router.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

namespace {

// Room for the command's fields around payload and entity id (names, ids, tags).
constexpr size_t kEnvelopeOverhead = 256;

}  // namespace

routing::Dispatch PlanDispatch(const Route& route, std::string payload,
                               cloudstate::Metadata metadata, CallHandle handle,
                               size_t function_message_limit) {
  if (route.entity->kind == EntityKind::kAction) {
    routing::ToAction to_action;
    auto& command = to_action.command;
    command.set_service_name(route.entity->service_name);
    command.set_name(route.method->name());
    command.mutable_payload()->set_type_url(route.input_type_url);
    command.mutable_payload()->set_value(std::move(payload));
    *command.mutable_metadata() = std::move(metadata);
    return to_action;
  }
  absl::StatusOr<std::string> id = route.ExtractEntityId(payload);
  if (!id.ok()) {
    return routing::Reject{absl::InvalidArgumentError(id.status().message())};
  }
  // The command as sent to the function: payload, entity id (also in the init message), names
  // and metadata.
  const size_t envelope = payload.size() + 2 * id->size() + route.input_type_url.size() +
                          route.method->name().size() + metadata.ByteSizeLong() + kEnvelopeOverhead;
  if (envelope > function_message_limit) {
    return routing::Reject{absl::ResourceExhaustedError(
        absl::StrCat("command with its entity key is too large for the user function (", envelope,
                     " bytes, limit ", function_message_limit, ")"))};
  }
  routing::ToEntity to_entity;
  to_entity.entity_id = std::move(*id);
  ClientCommand& command = to_entity.command;
  command.handle = handle;
  command.name = route.method->name();
  command.payload.set_type_url(route.input_type_url);
  command.payload.set_value(std::move(payload));
  command.streamed = route.server_streaming;
  return to_entity;
}

std::vector<routing::SideEffect> PlanSideEffects(
    const ServiceModel& model, const Route& origin,
    const std::vector<cloudstate::SideEffect>& side_effects) {
  std::vector<routing::SideEffect> out;
  out.reserve(side_effects.size());
  for (const cloudstate::SideEffect& effect : side_effects) {
    routing::SideEffect step;
    step.synchronous = effect.synchronous();
    step.target = model.FindRoute(effect.service_name(), effect.command_name());
    if (step.target == nullptr) {
      step.error = absl::StrCat("Service [", effect.service_name(), "] or command [",
                                effect.command_name(), "] unknown\n  side-effect of\n",
                                origin.entity->service_name, ".", origin.method->name());
    } else {
      step.payload = effect.payload().value();
      step.metadata = effect.metadata();
    }
    out.push_back(std::move(step));
  }
  return out;
}

routing::ClientStep PlanClientAction(const ServiceModel& model, const Route& origin,
                                     const std::optional<cloudstate::ClientAction>& action,
                                     bool final) {
  if (!action.has_value()) {
    return routing::Nothing{final};
  }
  switch (action->action_case()) {
    case cloudstate::ClientAction::kReply: {
      const auto& reply = action->reply();
      routing::Reply out;
      out.bytes = reply.payload().value();
      out.final = final;
      if (reply.has_payload() && reply.payload().type_url() != origin.output_type_url) {
        out.warning =
            absl::StrCat("Warning: ", origin.entity->service_name, ".", origin.method->name(),
                         ": Expected reply type_url to be [", origin.output_type_url, "] but was [",
                         reply.payload().type_url(), "].");
      }
      return out;
    }
    case cloudstate::ClientAction::kFailure:
      return routing::Failure{action->failure().description()};
    case cloudstate::ClientAction::kForward: {
      const auto& forward = action->forward();
      const Route* target = model.FindRoute(forward.service_name(), forward.command_name());
      if (target == nullptr) {
        return routing::Error{absl::StrCat(
            "Service [", forward.service_name(), "] or command [", forward.command_name(),
            "] unknown\n  forward of\n", origin.entity->service_name, ".", origin.method->name())};
      }
      return routing::Forward{target, forward.payload().value(), forward.metadata(), final};
    }
    default:  // ACTION_NOT_SET
      return routing::Nothing{final};
  }
}

}  // namespace cloudstate::proxy
