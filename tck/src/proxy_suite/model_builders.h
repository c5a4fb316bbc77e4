#pragma once
// Method names and protocol-side effect shorthands used by the proxy cases; the model messages
// come from the kit's one builder library (cloudstate/tck/model_builders.h).

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/model_builders.h"

namespace cloudstate::tck::proxy_suite::model {

using namespace ::cloudstate::tck::builders;  // NOLINT(build/namespaces): builders only

namespace acm = ::cloudstate::tck::model::action;
namespace vem = ::cloudstate::tck::model::valueentity;
namespace esm = ::cloudstate::tck::model;
namespace crm = ::cloudstate::tck::model::crdt;

inline std::string Method(std::string_view service, std::string_view method) {
  return std::string("/").append(service).append("/").append(method);
}

// Protocol methods the proxy calls on the function.
inline const std::string kDiscover = "/cloudstate.EntityDiscovery/discover";
inline const std::string kActionUnary = "/cloudstate.action.ActionProtocol/handleUnary";
inline const std::string kActionStreamedIn = "/cloudstate.action.ActionProtocol/handleStreamedIn";
inline const std::string kActionStreamedOut = "/cloudstate.action.ActionProtocol/handleStreamedOut";
inline const std::string kActionStreamed = "/cloudstate.action.ActionProtocol/handleStreamed";
inline const std::string kVeHandle = "/cloudstate.valueentity.ValueEntity/handle";
inline const std::string kEsHandle = "/cloudstate.eventsourced.EventSourced/handle";
inline const std::string kCrdtHandle = "/cloudstate.crdt.Crdt/handle";

// Former proxy-suite names of the shared builders, kept so that case files written against them
// still compile (new code uses the names of model_builders.h).
inline acm::ProcessStep Reply(std::string_view m) { return ReplyStep(m); }
inline acm::ProcessStep Fwd(std::string_view id) { return ForwardStep(id); }
inline acm::ProcessStep Fx(std::string_view id, bool sync = false) { return EffectStep(id, sync); }
inline acm::Request ActReq(std::initializer_list<std::initializer_list<acm::ProcessStep>> groups) {
  std::vector<Group> out;
  for (const auto& g : groups) {
    out.emplace_back(g);
  }
  return ActRequest(std::move(out));
}
inline acm::Response ActResp(std::string_view m) { return ActResponse(m); }
inline vem::RequestAction VeUpdate(std::string_view v) { return Update(v); }
inline vem::RequestAction VeDelete() { return Delete(); }
inline vem::RequestAction VeFwd(std::string_view id) { return VeForwardTo(id); }
inline vem::RequestAction VeFx(std::string_view id) { return VeEffect(id); }
inline vem::Request VeReq(std::string_view id, std::vector<vem::RequestAction> actions = {}) {
  return VeRequest(id, std::move(actions));
}
inline vem::Response VeResp(std::string_view m) { return VeResponse(m); }
inline esm::RequestAction EsFwd(std::string_view id) { return EsForwardTo(id); }
inline esm::RequestAction EsFx(std::string_view id) { return EsEffect(id); }
inline esm::Request EsReq(std::string_view id, std::vector<esm::RequestAction> actions = {}) {
  return EsRequest(id, std::move(actions));
}
inline esm::Response EsResp(std::string_view m) { return EsResponse(m); }
inline tm::RequestAction PnChange(int64_t change) { return UpdateAction(PNCounterU(change)); }
inline tm::RequestAction GcInc(uint64_t inc) { return UpdateAction(GCounterU(inc)); }
inline tm::RequestAction GsetAdd(std::string_view v) { return GSetAdd({std::string(v)})[0]; }
inline tm::RequestAction CrdtDel() { return DeleteA()[0]; }
inline tm::RequestAction CrdtFwd(std::string_view id) { return ForwardA(id)[0]; }
inline tm::RequestAction CrdtFx(std::string_view id) { return EffectA(id)[0]; }
inline tm::RequestAction CrdtFail(std::string_view m) { return FailA(m)[0]; }
inline tm::Request CrdtReq(std::string_view id, const Actions& actions = {}) {
  return Req(id, actions);
}
inline tm::Response PnState(int64_t v) { return PNCounterS(v); }
inline tm::Response GcState(uint64_t v) { return GCounterS(v); }
inline tm::Response GsetState(std::initializer_list<std::string_view> elements) {
  return GSetS(Strings(elements.begin(), elements.end()));
}
inline tm::Response VoteState(bool self, int votes_for, int voters) {
  return VoteS(self, votes_for, voters);
}
inline google::protobuf::Any PrimitiveString(std::string_view s) { return Str(s); }
inline cloudstate::crdt::CrdtStateAction PnDelta(int64_t change) {
  return crdt::UpdateAction(PNCounterD(change));
}
inline cloudstate::crdt::CrdtStateAction GcDelta(uint64_t inc) {
  return crdt::UpdateAction(GCounterD(inc));
}
inline cloudstate::crdt::CrdtStateAction GsetDelta(std::string_view added) {
  return crdt::UpdateAction(GSetD({std::string(added)}));
}

// Effects built by assignment (the TCK's Effects structs have no member initializers, so
// designated initializers would warn under -Wmissing-field-initializers).
inline ve::Effects VeUpdated(std::string_view v) {
  ve::Effects e;
  e.update = VePersisted(v);
  return e;
}
inline ve::Effects VeDeleted() {
  ve::Effects e;
  e.del = true;
  return e;
}
inline ve::Effects VeEffects(std::vector<cloudstate::SideEffect> fx) {
  ve::Effects e;
  e.side_effects = std::move(fx);
  return e;
}
inline es::Effects EsEffects(std::vector<google::protobuf::Any> events,
                             std::optional<std::string> snapshot = std::nullopt,
                             std::vector<cloudstate::SideEffect> fx = {}) {
  es::Effects e;
  e.events = std::move(events);
  if (snapshot) {
    e.snapshot = EsPersisted(*snapshot);
  }
  e.side_effects = std::move(fx);
  return e;
}
inline crdt::Effects CrdtAction(cloudstate::crdt::CrdtStateAction action) {
  crdt::Effects e;
  e.state_action = std::move(action);
  return e;
}
inline crdt::Effects CrdtEffects(std::vector<cloudstate::SideEffect> fx) {
  crdt::Effects e;
  e.side_effects = std::move(fx);
  return e;
}

}  // namespace cloudstate::tck::proxy_suite::model
