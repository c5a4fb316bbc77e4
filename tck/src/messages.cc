#include "cloudstate/tck/messages.h"

#include "cloudstate/common/any.h"

namespace cloudstate::tck {

google::protobuf::Any Pack(const google::protobuf::Message& message) {
  if (message.GetDescriptor() == google::protobuf::Any::descriptor()) {
    google::protobuf::Any any;
    any.CopyFrom(message);
    return any;
  }
  return PackAny(message);
}

cloudstate::SideEffect SideEffect(std::string_view service, std::string_view command,
                                  const google::protobuf::Message& payload, bool synchronous) {
  cloudstate::SideEffect effect;
  effect.set_service_name(std::string(service));
  effect.set_command_name(std::string(command));
  *effect.mutable_payload() = Pack(payload);
  effect.set_synchronous(synchronous);
  return effect;
}

cloudstate::ClientAction ClientReply(const google::protobuf::Message& payload) {
  cloudstate::ClientAction action;
  *action.mutable_reply()->mutable_payload() = Pack(payload);
  return action;
}

cloudstate::ClientAction ClientForward(std::string_view service, std::string_view command,
                                       const google::protobuf::Message& payload) {
  cloudstate::ClientAction action;
  auto* forward = action.mutable_forward();
  forward->set_service_name(std::string(service));
  forward->set_command_name(std::string(command));
  *forward->mutable_payload() = Pack(payload);
  return action;
}

cloudstate::ClientAction ClientFailure(int64_t command_id, std::string_view description,
                                       bool restart) {
  cloudstate::ClientAction action;
  auto* failure = action.mutable_failure();
  failure->set_command_id(command_id);
  failure->set_description(std::string(description));
  failure->set_restart(restart);
  return action;
}

cloudstate::Command EntityCommand(int64_t id, std::string_view entity_id, std::string_view name,
                                  const google::protobuf::Message& payload, bool streamed) {
  cloudstate::Command command;
  command.set_entity_id(std::string(entity_id));
  command.set_id(id);
  command.set_name(std::string(name));
  *command.mutable_payload() = Pack(payload);
  command.set_streamed(streamed);
  return command;
}

namespace {
template <typename Effects>
void AddSideEffects(const Effects& effects,
                    google::protobuf::RepeatedPtrField<cloudstate::SideEffect>* out) {
  for (const auto& effect : effects.side_effects) {
    *out->Add() = effect;
  }
}
}  // namespace

// ---------------------------------------------------------------------------------------------
namespace es {

In Init(std::string_view service, std::string_view entity_id) {
  In in;
  in.mutable_init()->set_service_name(std::string(service));
  in.mutable_init()->set_entity_id(std::string(entity_id));
  return in;
}

In Init(std::string_view service, std::string_view entity_id, int64_t snapshot_sequence,
        const google::protobuf::Message& snapshot) {
  In in = Init(service, entity_id);
  auto* snap = in.mutable_init()->mutable_snapshot();
  snap->set_snapshot_sequence(snapshot_sequence);
  *snap->mutable_snapshot() = Pack(snapshot);
  return in;
}

In Event(int64_t sequence, const google::protobuf::Message& payload) {
  In in;
  in.mutable_event()->set_sequence(sequence);
  *in.mutable_event()->mutable_payload() = Pack(payload);
  return in;
}

In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload) {
  In in;
  *in.mutable_command() = EntityCommand(id, entity_id, name, payload);
  return in;
}

Out NoReply(int64_t command_id, const Effects& effects) {
  Out out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(command_id);
  AddSideEffects(effects, reply->mutable_side_effects());
  for (const auto& event : effects.events) {
    *reply->add_events() = event;
  }
  if (effects.snapshot) {
    *reply->mutable_snapshot() = *effects.snapshot;
  }
  return out;
}

Out Reply(int64_t command_id, const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientReply(payload);
  return out;
}

Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientForward(service, command, payload);
  return out;
}

Out Failure(int64_t command_id, std::string_view description, bool restart) {
  Out out = NoReply(command_id);
  *out.mutable_reply()->mutable_client_action() = ClientFailure(command_id, description, restart);
  return out;
}

Out StreamFailure(int64_t command_id, std::string_view description) {
  Out out;
  out.mutable_failure()->set_command_id(command_id);
  out.mutable_failure()->set_description(std::string(description));
  return out;
}

}  // namespace es

// ---------------------------------------------------------------------------------------------
namespace ve {

In Init(std::string_view service, std::string_view entity_id) {
  In in;
  in.mutable_init()->set_service_name(std::string(service));
  in.mutable_init()->set_entity_id(std::string(entity_id));
  in.mutable_init()->mutable_state();  // always present, empty for a new entity
  return in;
}

In Init(std::string_view service, std::string_view entity_id,
        const google::protobuf::Message& state) {
  In in = Init(service, entity_id);
  *in.mutable_init()->mutable_state()->mutable_value() = Pack(state);
  return in;
}

In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload) {
  In in;
  *in.mutable_command() = EntityCommand(id, entity_id, name, payload);
  return in;
}

Out NoReply(int64_t command_id, const Effects& effects) {
  Out out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(command_id);
  AddSideEffects(effects, reply->mutable_side_effects());
  if (effects.update) {
    *reply->mutable_state_action()->mutable_update()->mutable_value() = *effects.update;
  } else if (effects.del) {
    reply->mutable_state_action()->mutable_delete_();
  }
  return out;
}

Out Reply(int64_t command_id, const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientReply(payload);
  return out;
}

Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientForward(service, command, payload);
  return out;
}

Out Failure(int64_t command_id, std::string_view description) {
  Out out = NoReply(command_id);
  *out.mutable_reply()->mutable_client_action() = ClientFailure(command_id, description);
  return out;
}

}  // namespace ve

// ---------------------------------------------------------------------------------------------
namespace crdt {

In Init(std::string_view service, std::string_view entity_id) {
  In in;
  in.mutable_init()->set_service_name(std::string(service));
  in.mutable_init()->set_entity_id(std::string(entity_id));
  return in;
}

In Init(std::string_view service, std::string_view entity_id,
        const cloudstate::crdt::CrdtDelta& delta) {
  In in = Init(service, entity_id);
  *in.mutable_init()->mutable_delta() = delta;
  return in;
}

In Delta(const cloudstate::crdt::CrdtDelta& delta) {
  In in;
  *in.mutable_delta() = delta;
  return in;
}

In Delete() {
  In in;
  in.mutable_delete_();
  return in;
}

In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload, bool streamed) {
  In in;
  *in.mutable_command() = EntityCommand(id, entity_id, name, payload, streamed);
  return in;
}

In StreamCancelled(std::string_view entity_id, int64_t command_id) {
  In in;
  in.mutable_stream_cancelled()->set_entity_id(std::string(entity_id));
  in.mutable_stream_cancelled()->set_id(command_id);
  return in;
}

Out NoReply(int64_t command_id, const Effects& effects) {
  Out out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(command_id);
  AddSideEffects(effects, reply->mutable_side_effects());
  if (effects.state_action) {
    *reply->mutable_state_action() = *effects.state_action;
  }
  reply->set_streamed(effects.streamed);
  return out;
}

Out Reply(int64_t command_id, const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientReply(payload);
  return out;
}

Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects) {
  Out out = NoReply(command_id, effects);
  *out.mutable_reply()->mutable_client_action() = ClientForward(service, command, payload);
  return out;
}

Out Failure(int64_t command_id, std::string_view description) {
  Out out = NoReply(command_id);
  *out.mutable_reply()->mutable_client_action() = ClientFailure(command_id, description);
  return out;
}

Out Streamed(int64_t command_id, const google::protobuf::Message& payload,
             const std::vector<cloudstate::SideEffect>& side_effects, bool end_stream) {
  Out out;
  auto* message = out.mutable_streamed_message();
  message->set_command_id(command_id);
  *message->mutable_client_action() = ClientReply(payload);
  for (const auto& effect : side_effects) {
    *message->add_side_effects() = effect;
  }
  message->set_end_stream(end_stream);
  return out;
}

Out StreamCancelledResponse(int64_t command_id,
                            std::optional<cloudstate::crdt::CrdtStateAction> state_action,
                            const std::vector<cloudstate::SideEffect>& side_effects) {
  Out out;
  auto* response = out.mutable_stream_cancelled_response();
  response->set_command_id(command_id);
  for (const auto& effect : side_effects) {
    *response->add_side_effects() = effect;
  }
  if (state_action) {
    *response->mutable_state_action() = *state_action;
  }
  return out;
}

cloudstate::crdt::CrdtStateAction UpdateAction(const cloudstate::crdt::CrdtDelta& delta,
                                               cloudstate::crdt::CrdtWriteConsistency consistency) {
  cloudstate::crdt::CrdtStateAction action;
  *action.mutable_update() = delta;
  action.set_write_consistency(consistency);
  return action;
}

cloudstate::crdt::CrdtStateAction DeleteAction(cloudstate::crdt::CrdtWriteConsistency consistency) {
  cloudstate::crdt::CrdtStateAction action;
  action.mutable_delete_();
  action.set_write_consistency(consistency);
  return action;
}

}  // namespace crdt

// ---------------------------------------------------------------------------------------------
namespace action {

In Command(std::string_view service, std::string_view name,
           const google::protobuf::Message& payload) {
  In in = Header(service, name);
  *in.mutable_payload() = Pack(payload);
  return in;
}

In Header(std::string_view service, std::string_view name) {
  In in;
  in.set_service_name(std::string(service));
  in.set_name(std::string(name));
  return in;
}

In Payload(const google::protobuf::Message& payload) {
  In in;
  *in.mutable_payload() = Pack(payload);
  return in;
}

Out NoReply(const std::vector<cloudstate::SideEffect>& side_effects) {
  Out out;
  for (const auto& effect : side_effects) {
    *out.add_side_effects() = effect;
  }
  return out;
}

Out Reply(const google::protobuf::Message& payload,
          const std::vector<cloudstate::SideEffect>& side_effects) {
  Out out = NoReply(side_effects);
  *out.mutable_reply()->mutable_payload() = Pack(payload);
  return out;
}

Out Forward(std::string_view service, std::string_view command,
            const google::protobuf::Message& payload,
            const std::vector<cloudstate::SideEffect>& side_effects) {
  Out out = NoReply(side_effects);
  auto* forward = out.mutable_forward();
  forward->set_service_name(std::string(service));
  forward->set_command_name(std::string(command));
  *forward->mutable_payload() = Pack(payload);
  return out;
}

Out Failure(std::string_view description, const std::vector<cloudstate::SideEffect>& side_effects) {
  Out out = NoReply(side_effects);
  out.mutable_failure()->set_description(std::string(description));
  return out;
}

}  // namespace action

}  // namespace cloudstate::tck
