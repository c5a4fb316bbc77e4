#pragma once
// Builders for the TCK model messages (action, value entity, event sourced), shared by the case
// files of this folder. CRDT model builders live with the CRDT cases.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/scenario.h"

namespace cloudstate::tck::cases {

namespace esm = ::cloudstate::tck::model;
namespace vem = ::cloudstate::tck::model::valueentity;
namespace acm = ::cloudstate::tck::model::action;

// ---- event sourced model ----
inline esm::RequestAction Emit(std::string_view value) {
  esm::RequestAction a;
  a.mutable_emit()->set_value(std::string(value));
  return a;
}
inline esm::RequestAction EsForwardTo(std::string_view id) {
  esm::RequestAction a;
  a.mutable_forward()->set_id(std::string(id));
  return a;
}
inline esm::RequestAction EsEffect(std::string_view id, bool synchronous = false) {
  esm::RequestAction a;
  a.mutable_effect()->set_id(std::string(id));
  a.mutable_effect()->set_synchronous(synchronous);
  return a;
}
inline esm::RequestAction EsFail(std::string_view message) {
  esm::RequestAction a;
  a.mutable_fail()->set_message(std::string(message));
  return a;
}
inline esm::Request EsRequest(std::string_view id, std::vector<esm::RequestAction> actions = {}) {
  esm::Request r;
  r.set_id(std::string(id));
  for (auto& a : actions) {
    *r.add_actions() = std::move(a);
  }
  return r;
}
inline esm::Response EsResponse(std::string_view message) {
  esm::Response r;
  r.set_message(std::string(message));
  return r;
}
inline google::protobuf::Any EsPersisted(std::string_view value) {
  esm::Persisted p;
  p.set_value(std::string(value));
  return Pack(p);
}
inline std::vector<google::protobuf::Any> EsEvents(std::initializer_list<std::string_view> values) {
  std::vector<google::protobuf::Any> out;
  for (auto v : values) {
    out.push_back(EsPersisted(v));
  }
  return out;
}
// Side effect / forward target of the event-sourced model.
inline cloudstate::SideEffect EsTwoEffect(std::string_view id, bool synchronous = false) {
  return SideEffect(kEventSourcedTwo, "Call", EsRequest(id), synchronous);
}

// ---- value entity model ----
inline vem::RequestAction Update(std::string_view value) {
  vem::RequestAction a;
  a.mutable_update()->set_value(std::string(value));
  return a;
}
inline vem::RequestAction Delete() {
  vem::RequestAction a;
  a.mutable_delete_();
  return a;
}
inline vem::RequestAction VeForwardTo(std::string_view id) {
  vem::RequestAction a;
  a.mutable_forward()->set_id(std::string(id));
  return a;
}
inline vem::RequestAction VeEffect(std::string_view id, bool synchronous = false) {
  vem::RequestAction a;
  a.mutable_effect()->set_id(std::string(id));
  a.mutable_effect()->set_synchronous(synchronous);
  return a;
}
inline vem::RequestAction VeFail(std::string_view message) {
  vem::RequestAction a;
  a.mutable_fail()->set_message(std::string(message));
  return a;
}
inline vem::Request VeRequest(std::string_view id, std::vector<vem::RequestAction> actions = {}) {
  vem::Request r;
  r.set_id(std::string(id));
  for (auto& a : actions) {
    *r.add_actions() = std::move(a);
  }
  return r;
}
inline vem::Response VeResponse(std::string_view message) {
  vem::Response r;
  r.set_message(std::string(message));
  return r;
}
inline vem::Persisted VeState(std::string_view value) {
  vem::Persisted p;
  p.set_value(std::string(value));
  return p;
}
inline google::protobuf::Any VePersisted(std::string_view value) { return Pack(VeState(value)); }
inline cloudstate::SideEffect VeTwoEffect(std::string_view id, bool synchronous = false) {
  return SideEffect(kValueEntityTwo, "Call", VeRequest(id), synchronous);
}

// ---- action model ----
inline acm::ProcessStep ReplyStep(std::string_view message) {
  acm::ProcessStep s;
  s.mutable_reply()->set_message(std::string(message));
  return s;
}
inline acm::ProcessStep ForwardStep(std::string_view id) {
  acm::ProcessStep s;
  s.mutable_forward()->set_id(std::string(id));
  return s;
}
inline acm::ProcessStep FailStep(std::string_view message) {
  acm::ProcessStep s;
  s.mutable_fail()->set_message(std::string(message));
  return s;
}
inline acm::ProcessStep EffectStep(std::string_view id, bool synchronous = false) {
  acm::ProcessStep s;
  s.mutable_effect()->set_id(std::string(id));
  s.mutable_effect()->set_synchronous(synchronous);
  return s;
}
using Group = std::vector<acm::ProcessStep>;
inline acm::Request ActRequest(std::vector<Group> groups) {
  acm::Request r;
  for (auto& g : groups) {
    auto* group = r.add_groups();
    for (auto& s : g) {
      *group->add_steps() = std::move(s);
    }
  }
  return r;
}
inline acm::Response ActResponse(std::string_view message) {
  acm::Response r;
  r.set_message(std::string(message));
  return r;
}
inline acm::OtherRequest Other(std::string_view id) {
  acm::OtherRequest r;
  r.set_id(std::string(id));
  return r;
}
inline cloudstate::SideEffect ActTwoEffect(std::string_view id, bool synchronous = false) {
  return SideEffect(kActionTwo, "Call", Other(id), synchronous);
}

}  // namespace cloudstate::tck::cases
