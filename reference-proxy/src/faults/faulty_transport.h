#pragma once
// The faulty function-transport decorator: a gRPC client interceptor on the calls from the proxy to
// the user function (discovery and the four entity protocols). It rewrites a message on its way
// out (before it is serialised) or on its way in (after it is parsed) where the fault plan makes a
// transport fault (area "transport" of proxy_faults.def) strike. Calls to any other method pass
// untouched, so the HTTP transcoder's in-process channel to the proxy's own services is unaffected.
//
// Sans-IO part: ApplySendFaults / ApplyReceiveFaults rewrite one message of a named method and are
// unit-tested without gRPC calls; the interceptor only routes messages to them.

#include <memory>
#include <string_view>

#include "google/protobuf/message.h"

#include "faults/fault_plan.h"

namespace cloudstate::proxy::faults {

// Rewrites a message the proxy sends on `method` ("/cloudstate.crdt.Crdt/handle", ...).
// Returns whether it changed anything.
bool ApplySendFaults(FaultPlan& plan, std::string_view method, google::protobuf::Message& message);
// Rewrites a message the proxy received on `method`. Returns whether it changed anything.
bool ApplyReceiveFaults(FaultPlan& plan, std::string_view method,
                        google::protobuf::Message& message);

// Routes every gRPC client call of this process through the decorator (a process-wide
// interceptor: gRPC allows one, registered before the first call). Called by
// InstallProcessFaultPlan; later calls are ignored.
void InstallFaultyTransport(std::shared_ptr<FaultPlan> plan);

}  // namespace cloudstate::proxy::faults
