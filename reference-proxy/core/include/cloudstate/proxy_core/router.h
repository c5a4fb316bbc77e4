#pragma once
// Sans-IO routing decisions of the proxy: what a call's payload becomes (a command for an entity,
// a call to the Action protocol, or a refusal), and what an answer of the function means for the
// call (side effects to run, then a reply, a failure or a forward). The shell carries the plans
// out (router.cc in the proxy); the order of steps, which effects are awaited and which statuses
// end a call are decided here.
//
//   auto plan = PlanDispatch(route, payload, metadata, handle, limit);
//   if (auto* to_entity = std::get_if<routing::ToEntity>(&plan)) { ... }

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy_core/entity_io.h"
#include "cloudstate/proxy_core/service_model.h"

namespace cloudstate::proxy {

namespace routing {

// The call ends at once with this status.
struct Reject {
  absl::Status status;
};
// A command for the entity `entity_id` of the route's entity kind.
struct ToEntity {
  std::string entity_id;
  ClientCommand command;
};
// A call to the Action protocol; its shape (unary, streamed in/out) follows the route. A
// client-streaming method gets the payload as its only message, then the end of input.
struct ToAction {
  cloudstate::action::ActionCommand command;
};
using Dispatch = std::variant<Reject, ToEntity, ToAction>;

// One side effect of an answer, in the order the function listed them.
struct SideEffect {
  const Route* target = nullptr;  // null: unknown service or command (see `error`)
  std::string error;              // logged and reported to the function when target is null
  std::string payload;
  cloudstate::Metadata metadata;
  // Awaited before the next step; an unknown synchronous target ends the call with INTERNAL.
  bool synchronous = false;
};

// What the client call gets once the side effects ran.
struct Nothing {  // no client action: the call ends (OK) if this was its last answer
  bool final = true;
};
struct Reply {
  std::string bytes;
  bool final = true;
  // The reply's type differs from the method's output type: logged and reported to the function
  // (the reply is still passed on, like the Akka proxy does).
  std::optional<std::string> warning;
};
struct Failure {  // the function failed the command: the call ends with UNKNOWN
  std::string description;
};
struct Forward {  // the target's outcome becomes the call's (one stream element if not final)
  const Route* target = nullptr;
  std::string payload;
  cloudstate::Metadata metadata;
  bool final = true;
};
struct Error {  // the proxy cannot carry the answer out: logged, reported, the call ends INTERNAL
  std::string message;
};
using ClientStep = std::variant<Nothing, Reply, Failure, Forward, Error>;

struct Delivery {
  std::vector<SideEffect> side_effects;
  ClientStep then;
};

}  // namespace routing

// `function_message_limit`: the largest message the channel to the function carries; a command
// whose envelope would exceed it is refused here rather than failing the entity's stream.
routing::Dispatch PlanDispatch(const Route& route, std::string payload,
                               cloudstate::Metadata metadata, CallHandle handle,
                               size_t function_message_limit);

// Side effects of an answer to a call of `origin`.
std::vector<routing::SideEffect> PlanSideEffects(
    const ServiceModel& model, const Route& origin,
    const std::vector<cloudstate::SideEffect>& side_effects);

// The client action of an answer to a call of `origin`.
routing::ClientStep PlanClientAction(const ServiceModel& model, const Route& origin,
                                     const std::optional<cloudstate::ClientAction>& action,
                                     bool final);

}  // namespace cloudstate::proxy
