#include "cloudstate/sdk/effects.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/dynamic_message.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {

cloudstate::SideEffect MakeSideEffect(std::string service_name, std::string command_name,
                                      const google::protobuf::Message& payload, bool synchronous) {
  cloudstate::SideEffect effect;
  effect.set_service_name(std::move(service_name));
  effect.set_command_name(std::move(command_name));
  *effect.mutable_payload() = PackAny(payload);
  effect.set_synchronous(synchronous);
  return effect;
}

cloudstate::Forward MakeForward(std::string service_name, std::string command_name,
                                const google::protobuf::Message& payload) {
  cloudstate::Forward forward;
  forward.set_service_name(std::move(service_name));
  forward.set_command_name(std::move(command_name));
  *forward.mutable_payload() = PackAny(payload);
  return forward;
}

cloudstate::Reply MakeReply(const google::protobuf::Message& payload) {
  return MakeReply(PackAny(payload));
}

cloudstate::Reply MakeReply(google::protobuf::Any payload) {
  cloudstate::Reply reply;
  *reply.mutable_payload() = std::move(payload);
  return reply;
}

std::optional<std::string> MetadataString(const cloudstate::Metadata& metadata,
                                          std::string_view key) {
  for (const auto& entry : metadata.entries()) {
    if (entry.value_case() == cloudstate::MetadataEntry::kStringValue &&
        absl::EqualsIgnoreCase(entry.key(), absl::string_view(key.data(), key.size()))) {
      return entry.string_value();
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckPayload(const google::protobuf::Any& payload,
                                        const google::protobuf::Descriptor& expected) {
  if (expected.full_name() == google::protobuf::Any::descriptor()->full_name()) {
    return std::nullopt;
  }
  if (payload.type_url().empty()) {
    return absl::StrCat("Command payload has an empty type URL; expected ", TypeUrlFor(expected));
  }
  if (MessageNameOfTypeUrl(payload.type_url()) != expected.full_name()) {
    return absl::StrCat("Command payload has type URL [", payload.type_url(), "]; expected [",
                        TypeUrlFor(expected), "]");
  }
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&expected);
  // Declared first: a dynamic message must not outlive its factory.
  google::protobuf::DynamicMessageFactory dynamic_factory;
  std::unique_ptr<google::protobuf::Message> probe;
  if (prototype != nullptr) {
    probe.reset(prototype->New());
  } else {
    probe.reset(dynamic_factory.GetPrototype(&expected)->New());
  }
  if (!probe->ParseFromString(payload.value())) {
    return absl::StrCat("Command payload is not a valid ", expected.full_name());
  }
  return std::nullopt;
}

void EffectsCollector::AddSideEffect(cloudstate::SideEffect effect) {
  side_effects_.push_back(std::move(effect));
}

void EffectsCollector::SetForward(cloudstate::Forward forward) { forward_ = std::move(forward); }

void EffectsCollector::Fail(std::string description) { failure_ = std::move(description); }

std::optional<cloudstate::ClientAction> EffectsCollector::ClientActionFor(
    int64_t command_id, const std::optional<google::protobuf::Any>& reply) const {
  cloudstate::ClientAction action;
  if (failure_.has_value()) {
    action.mutable_failure()->set_command_id(command_id);
    action.mutable_failure()->set_description(*failure_);
    return action;
  }
  if (forward_.has_value()) {
    *action.mutable_forward() = *forward_;
    return action;
  }
  if (reply.has_value()) {
    *action.mutable_reply()->mutable_payload() = *reply;
    return action;
  }
  return std::nullopt;
}

}  // namespace cloudstate::sdk
