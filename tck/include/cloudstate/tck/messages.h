#pragma once
// Builders for the protocol messages a case sends or expects. Payload arguments are protobuf
// messages packed as "type.googleapis.com/<name>" Anys (pass a google::protobuf::Any to use it
// verbatim, e.g. a primitive or a malformed payload).
//
//   es::Init(kEventSourcedTckModel, id)                       -> EventSourcedStreamIn{init}
//   es::Command(1, id, "Process", request)                    -> EventSourcedStreamIn{command}
//   es::Reply(1, response, {.events = {p}, .snapshot = s})    -> EventSourcedStreamOut{reply}
//   es::Forward(2, kEventSourcedTwo, "Call", req, {...})      -> reply with a forward client action
//   es::Failure(2, "boom")                                    -> reply with a client failure
//   es::StreamFailure(...)                                    -> stream-level failure
// and the same shapes under ve::, crdt:: and action::.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/crdt.pb.h"
#include "cloudstate/entity.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/value_entity.pb.h"

namespace cloudstate::tck {

// Packs a message as a googleapis Any; an Any argument is returned unchanged.
google::protobuf::Any Pack(const google::protobuf::Message& message);

cloudstate::SideEffect SideEffect(std::string_view service, std::string_view command,
                                  const google::protobuf::Message& payload,
                                  bool synchronous = false);
cloudstate::ClientAction ClientReply(const google::protobuf::Message& payload);
cloudstate::ClientAction ClientForward(std::string_view service, std::string_view command,
                                       const google::protobuf::Message& payload);
cloudstate::ClientAction ClientFailure(int64_t command_id, std::string_view description,
                                       bool restart = false);
cloudstate::Command EntityCommand(int64_t id, std::string_view entity_id, std::string_view name,
                                  const google::protobuf::Message& payload, bool streamed = false);

namespace es {
using In = cloudstate::eventsourced::EventSourcedStreamIn;
using Out = cloudstate::eventsourced::EventSourcedStreamOut;
struct Effects {
  std::vector<google::protobuf::Any> events;
  std::optional<google::protobuf::Any> snapshot;
  std::vector<cloudstate::SideEffect> side_effects;
};
In Init(std::string_view service, std::string_view entity_id);
In Init(std::string_view service, std::string_view entity_id, int64_t snapshot_sequence,
        const google::protobuf::Message& snapshot);
In Event(int64_t sequence, const google::protobuf::Message& payload);
In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload);
Out Reply(int64_t command_id, const google::protobuf::Message& payload,
          const Effects& effects = {});
Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects = {});
Out Failure(int64_t command_id, std::string_view description, bool restart = false);
Out NoReply(int64_t command_id, const Effects& effects = {});  // reply without a client action
Out StreamFailure(int64_t command_id, std::string_view description);
}  // namespace es

namespace ve {
using In = cloudstate::valueentity::ValueEntityStreamIn;
using Out = cloudstate::valueentity::ValueEntityStreamOut;
struct Effects {
  std::optional<google::protobuf::Any> update;  // ValueEntityAction.update.value
  bool del = false;                             // ValueEntityAction.delete
  std::vector<cloudstate::SideEffect> side_effects;
};
// Init always carries a present ValueEntityInitState (empty for a new entity).
In Init(std::string_view service, std::string_view entity_id);
In Init(std::string_view service, std::string_view entity_id,
        const google::protobuf::Message& state);
In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload);
Out Reply(int64_t command_id, const google::protobuf::Message& payload,
          const Effects& effects = {});
Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects = {});
Out Failure(int64_t command_id, std::string_view description);
Out NoReply(int64_t command_id, const Effects& effects = {});
}  // namespace ve

namespace crdt {
using In = cloudstate::crdt::CrdtStreamIn;
using Out = cloudstate::crdt::CrdtStreamOut;
struct Effects {
  std::optional<cloudstate::crdt::CrdtStateAction> state_action;
  std::vector<cloudstate::SideEffect> side_effects;
  bool streamed = false;
};
In Init(std::string_view service, std::string_view entity_id);
In Init(std::string_view service, std::string_view entity_id,
        const cloudstate::crdt::CrdtDelta& delta);
In Delta(const cloudstate::crdt::CrdtDelta& delta);
In Delete();
In Command(int64_t id, std::string_view entity_id, std::string_view name,
           const google::protobuf::Message& payload, bool streamed = false);
In StreamCancelled(std::string_view entity_id, int64_t command_id);
Out Reply(int64_t command_id, const google::protobuf::Message& payload,
          const Effects& effects = {});
Out Forward(int64_t command_id, std::string_view service, std::string_view command,
            const google::protobuf::Message& payload, const Effects& effects = {});
Out Failure(int64_t command_id, std::string_view description);
Out NoReply(int64_t command_id, const Effects& effects = {});
Out Streamed(int64_t command_id, const google::protobuf::Message& payload,
             const std::vector<cloudstate::SideEffect>& side_effects = {}, bool end_stream = false);
Out StreamCancelledResponse(int64_t command_id,
                            std::optional<cloudstate::crdt::CrdtStateAction> state_action = {},
                            const std::vector<cloudstate::SideEffect>& side_effects = {});
cloudstate::crdt::CrdtStateAction UpdateAction(
    const cloudstate::crdt::CrdtDelta& delta,
    cloudstate::crdt::CrdtWriteConsistency consistency = cloudstate::crdt::LOCAL);
cloudstate::crdt::CrdtStateAction DeleteAction(
    cloudstate::crdt::CrdtWriteConsistency consistency = cloudstate::crdt::LOCAL);
}  // namespace crdt

namespace action {
using In = cloudstate::action::ActionCommand;
using Out = cloudstate::action::ActionResponse;
// A complete command (unary and streamed-out calls): service, name and payload.
In Command(std::string_view service, std::string_view name,
           const google::protobuf::Message& payload);
// First message of a streamed-in or bidirectional call: service and name only.
In Header(std::string_view service, std::string_view name);
// Later messages of a streamed call: payload only.
In Payload(const google::protobuf::Message& payload);
Out Reply(const google::protobuf::Message& payload,
          const std::vector<cloudstate::SideEffect>& side_effects = {});
Out Forward(std::string_view service, std::string_view command,
            const google::protobuf::Message& payload,
            const std::vector<cloudstate::SideEffect>& side_effects = {});
Out Failure(std::string_view description,
            const std::vector<cloudstate::SideEffect>& side_effects = {});
Out NoReply(const std::vector<cloudstate::SideEffect>& side_effects = {});
}  // namespace action

}  // namespace cloudstate::tck
