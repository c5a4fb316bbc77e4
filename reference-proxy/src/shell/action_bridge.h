#pragma once
// Calls to the function's Action protocol, one per shape of method: unary, server-streaming
// (streamed-out), client-streaming (streamed-in) and bidirectional (streamed). Every response of
// the function is delivered through ProxyImpl::Deliver (side effects, then the client action).

#include <memory>
#include <string>

#include "cloudstate/action.pb.h"
#include "cloudstate/entity.pb.h"

#include "cloudstate/proxy_core/service_model.h"
#include "shell/sink.h"

namespace cloudstate::proxy {

class ProxyImpl;

// A client-streaming action call (streamed-in or bidi, by the route): the client's messages are
// passed on as they arrive. Lives until the function's call is done.
class ActionStream {
 public:
  virtual ~ActionStream() = default;
  virtual void Message(std::string bytes) = 0;
  virtual void HalfClose() = 0;
  virtual void Cancel() = 0;
};

// `metadata` goes with the first command (service and method names, no payload).
std::shared_ptr<ActionStream> OpenActionStream(ProxyImpl* proxy, const Route& route,
                                               cloudstate::Metadata metadata,
                                               std::shared_ptr<Sink> sink);

// A server-streaming action call: one command, any number of responses.
void CallActionStreamedOut(ProxyImpl* proxy, const Route& route,
                           cloudstate::action::ActionCommand command, std::shared_ptr<Sink> sink);

// A unary action call.
void CallActionUnary(ProxyImpl* proxy, const Route& route,
                     cloudstate::action::ActionCommand command, std::shared_ptr<Sink> sink);

}  // namespace cloudstate::proxy
