#pragma once
// Message builders for the TCK models and small scenarios taken from the TCK catalog (§2). Each
// scenario returns true when the function behaves as the TCK expects.

#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"

#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/eventlogeventing.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "harness.h"

namespace cloudstate::reference_function::testing {

namespace es = cloudstate::tck::model;
namespace ve = cloudstate::tck::model::valueentity;
namespace act = cloudstate::tck::model::action;
namespace ev = cloudstate::tck::model::eventlogeventing;

using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;
using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;
using cloudstate::valueentity::ValueEntityStreamIn;
using cloudstate::valueentity::ValueEntityStreamOut;

inline constexpr char kEsModel[] = "cloudstate.tck.model.EventSourcedTckModel";
inline constexpr char kEsTwo[] = "cloudstate.tck.model.EventSourcedTwo";
inline constexpr char kVeModel[] = "cloudstate.tck.model.valueentity.ValueEntityTckModel";
inline constexpr char kVeTwo[] = "cloudstate.tck.model.valueentity.ValueEntityTwo";
inline constexpr char kActionModel[] = "cloudstate.tck.model.action.ActionTckModel";
inline constexpr char kActionTwo[] = "cloudstate.tck.model.action.ActionTwo";
inline constexpr char kSubscriber[] =
    "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";
inline constexpr char kEntityOne[] = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityOne";
inline constexpr char kEntityTwo[] = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityTwo";

inline bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// ---- event sourced -------------------------------------------------------------------------

struct EsAct {
  es::RequestAction action;
};
inline es::RequestAction Emit(const std::string& v) {
  es::RequestAction a;
  a.mutable_emit()->set_value(v);
  return a;
}
inline es::RequestAction EsFwd(const std::string& id) {
  es::RequestAction a;
  a.mutable_forward()->set_id(id);
  return a;
}
inline es::RequestAction EsFx(const std::string& id, bool sync = false) {
  es::RequestAction a;
  a.mutable_effect()->set_id(id);
  a.mutable_effect()->set_synchronous(sync);
  return a;
}
inline es::RequestAction EsFail(const std::string& m) {
  es::RequestAction a;
  a.mutable_fail()->set_message(m);
  return a;
}
inline google::protobuf::Any EsP(const std::string& v) {
  es::Persisted p;
  p.set_value(v);
  return PackAny(p);
}
inline EventSourcedStreamIn EsInit(const std::string& id, int64_t snap_seq = 0,
                                   const std::string& snap = "",
                                   const std::string& service = kEsModel) {
  EventSourcedStreamIn in;
  in.mutable_init()->set_service_name(service);
  in.mutable_init()->set_entity_id(id);
  if (snap_seq > 0) {
    in.mutable_init()->mutable_snapshot()->set_snapshot_sequence(snap_seq);
    *in.mutable_init()->mutable_snapshot()->mutable_snapshot() = EsP(snap);
  }
  return in;
}
inline EventSourcedStreamIn EsEvent(int64_t seq, const std::string& v) {
  EventSourcedStreamIn in;
  in.mutable_event()->set_sequence(seq);
  *in.mutable_event()->mutable_payload() = EsP(v);
  return in;
}
inline EventSourcedStreamIn EsCmd(int64_t id, const std::string& entity,
                                  std::vector<es::RequestAction> actions) {
  es::Request request;
  request.set_id(entity);
  for (auto& a : actions) {
    *request.add_actions() = a;
  }
  EventSourcedStreamIn in;
  in.mutable_command()->set_entity_id(entity);
  in.mutable_command()->set_id(id);
  in.mutable_command()->set_name("Process");
  *in.mutable_command()->mutable_payload() = PackAny(request);
  return in;
}
inline cloudstate::SideEffect EsEffect(const std::string& id, bool sync = false) {
  es::Request r;
  r.set_id(id);
  return sdk::MakeSideEffect(kEsTwo, "Call", r, sync);
}
inline EventSourcedStreamOut EsR(int64_t id, const std::string& message,
                                 std::vector<std::string> events = {},
                                 const std::string& snapshot = "",
                                 std::vector<cloudstate::SideEffect> effects = {}) {
  EventSourcedStreamOut out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(id);
  es::Response response;
  response.set_message(message);
  *reply->mutable_client_action()->mutable_reply()->mutable_payload() = PackAny(response);
  for (auto& e : effects) {
    *reply->add_side_effects() = e;
  }
  for (auto& e : events) {
    *reply->add_events() = EsP(e);
  }
  if (!snapshot.empty()) {
    *reply->mutable_snapshot() = EsP(snapshot);
  }
  return out;
}
inline EventSourcedStreamOut EsF(int64_t id, const std::string& description, bool restart = false) {
  EventSourcedStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* f = out.mutable_reply()->mutable_client_action()->mutable_failure();
  f->set_command_id(id);
  f->set_description(description);
  f->set_restart(restart);
  return out;
}

// ---- value entity --------------------------------------------------------------------------

inline ve::RequestAction Up(const std::string& v) {
  ve::RequestAction a;
  a.mutable_update()->set_value(v);
  return a;
}
inline ve::RequestAction Del() {
  ve::RequestAction a;
  a.mutable_delete_();
  return a;
}
inline ve::RequestAction VeFx(const std::string& id, bool sync = false) {
  ve::RequestAction a;
  a.mutable_effect()->set_id(id);
  a.mutable_effect()->set_synchronous(sync);
  return a;
}
inline ve::RequestAction VeFail(const std::string& m) {
  ve::RequestAction a;
  a.mutable_fail()->set_message(m);
  return a;
}
inline google::protobuf::Any VeP(const std::string& v) {
  ve::Persisted p;
  p.set_value(v);
  return PackAny(p);
}
inline ValueEntityStreamIn VeInit(const std::string& id, std::optional<std::string> state = {}) {
  ValueEntityStreamIn in;
  in.mutable_init()->set_service_name(kVeModel);
  in.mutable_init()->set_entity_id(id);
  in.mutable_init()->mutable_state();
  if (state.has_value()) {
    *in.mutable_init()->mutable_state()->mutable_value() = VeP(*state);
  }
  return in;
}
inline ValueEntityStreamIn VeCmd(int64_t id, const std::string& entity,
                                 std::vector<ve::RequestAction> actions) {
  ve::Request request;
  request.set_id(entity);
  for (auto& a : actions) {
    *request.add_actions() = a;
  }
  ValueEntityStreamIn in;
  in.mutable_command()->set_entity_id(entity);
  in.mutable_command()->set_id(id);
  in.mutable_command()->set_name("Process");
  *in.mutable_command()->mutable_payload() = PackAny(request);
  return in;
}
inline ValueEntityStreamOut VeR(int64_t id, const std::string& message,
                                std::optional<std::string> update = {}, bool del = false,
                                std::vector<cloudstate::SideEffect> effects = {}) {
  ValueEntityStreamOut out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(id);
  ve::Response response;
  response.set_message(message);
  *reply->mutable_client_action()->mutable_reply()->mutable_payload() = PackAny(response);
  for (auto& e : effects) {
    *reply->add_side_effects() = e;
  }
  if (update.has_value()) {
    *reply->mutable_state_action()->mutable_update()->mutable_value() = VeP(*update);
  }
  if (del) {
    reply->mutable_state_action()->mutable_delete_();
  }
  return out;
}
inline ValueEntityStreamOut VeF(int64_t id, const std::string& description) {
  ValueEntityStreamOut out;
  out.mutable_reply()->set_command_id(id);
  auto* f = out.mutable_reply()->mutable_client_action()->mutable_failure();
  f->set_command_id(id);
  f->set_description(description);
  return out;
}

// ---- actions -------------------------------------------------------------------------------

inline act::ProcessStep Reply(const std::string& m) {
  act::ProcessStep s;
  s.mutable_reply()->set_message(m);
  return s;
}
inline act::ProcessStep AFwd(const std::string& id) {
  act::ProcessStep s;
  s.mutable_forward()->set_id(id);
  return s;
}
inline act::ProcessStep AFail(const std::string& m) {
  act::ProcessStep s;
  s.mutable_fail()->set_message(m);
  return s;
}
inline act::ProcessStep AFx(const std::string& id, bool sync = false) {
  act::ProcessStep s;
  s.mutable_effect()->set_id(id);
  s.mutable_effect()->set_synchronous(sync);
  return s;
}
using Group = std::vector<act::ProcessStep>;
inline act::Request ARequest(std::vector<Group> groups) {
  act::Request r;
  for (auto& g : groups) {
    auto* group = r.add_groups();
    for (auto& s : g) {
      *group->add_steps() = s;
    }
  }
  return r;
}
inline ActionCommand AHeader(const std::string& name) {
  ActionCommand c;
  c.set_service_name(kActionModel);
  c.set_name(name);
  return c;
}
inline ActionCommand AMsg(std::vector<Group> groups) {
  ActionCommand c;
  *c.mutable_payload() = PackAny(ARequest(std::move(groups)));
  return c;
}
inline ActionCommand AUnary(const std::string& name, std::vector<Group> groups) {
  ActionCommand c = AMsg(std::move(groups));
  c.set_service_name(kActionModel);
  c.set_name(name);
  return c;
}
inline cloudstate::SideEffect AEffect(const std::string& id, bool sync = false) {
  act::OtherRequest r;
  r.set_id(id);
  return sdk::MakeSideEffect(kActionTwo, "Call", r, sync);
}
inline ActionResponse AR(std::optional<std::string> reply,
                         std::vector<cloudstate::SideEffect> effects = {}) {
  ActionResponse out;
  if (reply.has_value()) {
    act::Response r;
    r.set_message(*reply);
    *out.mutable_reply()->mutable_payload() = PackAny(r);
  }
  for (auto& e : effects) {
    *out.add_side_effects() = e;
  }
  return out;
}
inline ActionResponse AF(const std::string& description,
                         std::vector<cloudstate::SideEffect> effects = {}) {
  ActionResponse out;
  out.mutable_failure()->set_description(description);
  for (auto& e : effects) {
    *out.add_side_effects() = e;
  }
  return out;
}
inline ActionResponse AFwdR(const std::string& id,
                            std::vector<cloudstate::SideEffect> effects = {}) {
  act::OtherRequest r;
  r.set_id(id);
  ActionResponse out;
  *out.mutable_forward() = sdk::MakeForward(kActionTwo, "Call", r);
  for (auto& e : effects) {
    *out.add_side_effects() = e;
  }
  return out;
}

}  // namespace cloudstate::reference_function::testing
