#pragma once
// Builders for the TCK model messages and method names used by the proxy cases.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/wrappers.pb.h"

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/messages.h"

namespace cloudstate::tck::proxy_suite::model {

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

// ---- action model ----
inline acm::ProcessStep Reply(std::string_view m) {
  acm::ProcessStep s;
  s.mutable_reply()->set_message(std::string(m));
  return s;
}
inline acm::ProcessStep Fwd(std::string_view id) {
  acm::ProcessStep s;
  s.mutable_forward()->set_id(std::string(id));
  return s;
}
inline acm::ProcessStep Fx(std::string_view id, bool sync = false) {
  acm::ProcessStep s;
  s.mutable_effect()->set_id(std::string(id));
  s.mutable_effect()->set_synchronous(sync);
  return s;
}
inline acm::ProcessStep FailStep(std::string_view m) {
  acm::ProcessStep s;
  s.mutable_fail()->set_message(std::string(m));
  return s;
}
// One group per inner list.
inline acm::Request ActReq(std::initializer_list<std::initializer_list<acm::ProcessStep>> groups) {
  acm::Request r;
  for (const auto& g : groups) {
    auto* group = r.add_groups();
    for (const auto& s : g) {
      *group->add_steps() = s;
    }
  }
  return r;
}
inline acm::Response ActResp(std::string_view m) {
  acm::Response r;
  r.set_message(std::string(m));
  return r;
}
inline acm::OtherRequest Other(std::string_view id) {
  acm::OtherRequest r;
  r.set_id(std::string(id));
  return r;
}

// ---- value entity model ----
inline vem::RequestAction VeUpdate(std::string_view v) {
  vem::RequestAction a;
  a.mutable_update()->set_value(std::string(v));
  return a;
}
inline vem::RequestAction VeDelete() {
  vem::RequestAction a;
  a.mutable_delete_();
  return a;
}
inline vem::RequestAction VeFwd(std::string_view id) {
  vem::RequestAction a;
  a.mutable_forward()->set_id(std::string(id));
  return a;
}
inline vem::RequestAction VeFx(std::string_view id) {
  vem::RequestAction a;
  a.mutable_effect()->set_id(std::string(id));
  return a;
}
inline vem::RequestAction VeFail(std::string_view m) {
  vem::RequestAction a;
  a.mutable_fail()->set_message(std::string(m));
  return a;
}
inline vem::Request VeReq(std::string_view id, std::vector<vem::RequestAction> actions = {}) {
  vem::Request r;
  r.set_id(std::string(id));
  for (auto& a : actions) {
    *r.add_actions() = std::move(a);
  }
  return r;
}
inline vem::Response VeResp(std::string_view m) {
  vem::Response r;
  r.set_message(std::string(m));
  return r;
}
inline google::protobuf::Any VePersisted(std::string_view v) {
  vem::Persisted p;
  p.set_value(std::string(v));
  return Pack(p);
}

// ---- event sourced model ----
inline esm::RequestAction Emit(std::string_view v) {
  esm::RequestAction a;
  a.mutable_emit()->set_value(std::string(v));
  return a;
}
inline esm::RequestAction EsFwd(std::string_view id) {
  esm::RequestAction a;
  a.mutable_forward()->set_id(std::string(id));
  return a;
}
inline esm::RequestAction EsFx(std::string_view id) {
  esm::RequestAction a;
  a.mutable_effect()->set_id(std::string(id));
  return a;
}
inline esm::RequestAction EsFail(std::string_view m) {
  esm::RequestAction a;
  a.mutable_fail()->set_message(std::string(m));
  return a;
}
inline esm::Request EsReq(std::string_view id, std::vector<esm::RequestAction> actions = {}) {
  esm::Request r;
  r.set_id(std::string(id));
  for (auto& a : actions) {
    *r.add_actions() = std::move(a);
  }
  return r;
}
inline esm::Response EsResp(std::string_view m) {
  esm::Response r;
  r.set_message(std::string(m));
  return r;
}
inline esm::Persisted EsPersisted(std::string_view v) {
  esm::Persisted p;
  p.set_value(std::string(v));
  return p;
}
inline std::vector<google::protobuf::Any> EsEvents(std::initializer_list<std::string_view> vs) {
  std::vector<google::protobuf::Any> out;
  for (auto v : vs) {
    out.push_back(Pack(EsPersisted(v)));
  }
  return out;
}

// ---- CRDT model ----
inline crm::RequestAction PnChange(int64_t change) {
  crm::RequestAction a;
  a.mutable_update()->mutable_pncounter()->set_change(change);
  return a;
}
inline crm::RequestAction GcInc(uint64_t inc) {
  crm::RequestAction a;
  a.mutable_update()->mutable_gcounter()->set_increment(inc);
  return a;
}
inline crm::RequestAction GsetAdd(std::string_view v) {
  crm::RequestAction a;
  a.mutable_update()->mutable_gset()->set_add(std::string(v));
  return a;
}
inline crm::RequestAction CrdtDel() {
  crm::RequestAction a;
  a.mutable_delete_();
  return a;
}
inline crm::RequestAction CrdtFwd(std::string_view id) {
  crm::RequestAction a;
  a.mutable_forward()->set_id(std::string(id));
  return a;
}
inline crm::RequestAction CrdtFx(std::string_view id) {
  crm::RequestAction a;
  a.mutable_effect()->set_id(std::string(id));
  return a;
}
inline crm::RequestAction CrdtFail(std::string_view m) {
  crm::RequestAction a;
  a.mutable_fail()->set_message(std::string(m));
  return a;
}
inline crm::Request CrdtReq(std::string_view id, std::vector<crm::RequestAction> actions = {}) {
  crm::Request r;
  r.set_id(std::string(id));
  for (auto& a : actions) {
    *r.add_actions() = std::move(a);
  }
  return r;
}
inline crm::Response PnState(int64_t v) {
  crm::Response r;
  r.mutable_state()->mutable_pncounter()->set_value(v);
  return r;
}
inline crm::Response GcState(uint64_t v) {
  crm::Response r;
  r.mutable_state()->mutable_gcounter()->set_value(v);
  return r;
}
inline crm::Response GsetState(std::initializer_list<std::string_view> elements) {
  crm::Response r;
  auto* g = r.mutable_state()->mutable_gset();
  for (auto e : elements) {
    g->add_elements(std::string(e));
  }
  return r;
}
inline crm::Response VoteState(bool self, int votes_for, int voters) {
  crm::Response r;
  auto* v = r.mutable_state()->mutable_vote();
  v->set_self_vote(self);
  v->set_votes_for(votes_for);
  v->set_total_voters(voters);
  return r;
}
// A "primitive" string Any as CRDT elements are carried.
inline google::protobuf::Any PrimitiveString(std::string_view s) {
  google::protobuf::Any any;
  any.set_type_url("p.cloudstate.io/string");
  google::protobuf::StringValue v;
  v.set_value(std::string(s));
  any.set_value(v.SerializeAsString());
  return any;
}
inline cloudstate::crdt::CrdtStateAction PnDelta(int64_t change) {
  cloudstate::crdt::CrdtDelta d;
  d.mutable_pncounter()->set_change(change);
  return crdt::UpdateAction(d);
}
inline cloudstate::crdt::CrdtStateAction GcDelta(uint64_t inc) {
  cloudstate::crdt::CrdtDelta d;
  d.mutable_gcounter()->set_increment(inc);
  return crdt::UpdateAction(d);
}
inline cloudstate::crdt::CrdtStateAction GsetDelta(std::string_view added) {
  cloudstate::crdt::CrdtDelta d;
  *d.mutable_gset()->add_added() = PrimitiveString(added);
  return crdt::UpdateAction(d);
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
    e.snapshot = Pack(EsPersisted(*snapshot));
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
