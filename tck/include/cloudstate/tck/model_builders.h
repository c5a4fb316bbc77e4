#pragma once
// The one builder library for the TCK model messages (cloudstate.tck.model.*: action, value
// entity, event sourced, CRDT) and the protocol deltas and side effects the model produces. Used
// by the SDK suite's cases, the proxy suite's cases and the kit's tests alike.
//
//   using namespace ::cloudstate::tck::builders;  // in a case file
//   es.Send(es::Command(1, id, "Process", EsRequest(id, {Emit("A")})));
//   crdt.Send(crdt::Command(2, id, "Process", Req(id, Cat({GInc({1}), PNChange({-2})}))));

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudstate/crdt.pb.h"
#include "cloudstate/tck/model/action.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/messages.h"

namespace cloudstate::tck::builders {

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
// The model's event or snapshot message itself (EsPersisted packs it).
inline esm::Persisted EsState(std::string_view value) {
  esm::Persisted p;
  p.set_value(std::string(value));
  return p;
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

// ---- CRDT model (cloudstate.tck.model.crdt) ----------------------------------------------------

namespace tm = ::cloudstate::tck::model::crdt;
namespace pc = ::cloudstate::crdt;

using Actions = std::vector<tm::RequestAction>;
using Entries = std::vector<std::pair<std::string, pc::CrdtDelta>>;
using StateEntries = std::vector<std::pair<std::string, tm::Response>>;
using Strings = std::vector<std::string>;

// ---- model actions -----------------------------------------------------------------------------

inline Actions Cat(std::initializer_list<Actions> parts) {
  Actions out;
  for (const auto& part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

inline tm::RequestAction UpdateAction(const tm::Update& update) {
  tm::RequestAction action;
  *action.mutable_update() = update;
  return action;
}

inline tm::Update GCounterU(uint64_t increment,
                            tm::UpdateWriteConsistency consistency = tm::LOCAL) {
  tm::Update update;
  update.mutable_gcounter()->set_increment(increment);
  update.set_write_consistency(consistency);
  return update;
}

inline tm::Update PNCounterU(int64_t change, tm::UpdateWriteConsistency consistency = tm::LOCAL) {
  tm::Update update;
  update.mutable_pncounter()->set_change(change);
  update.set_write_consistency(consistency);
  return update;
}

inline tm::Update VoteU(bool self_vote) {
  tm::Update update;
  update.mutable_vote()->set_self_vote(self_vote);
  return update;
}

inline tm::Update WithConsistency(tm::Update update, tm::UpdateWriteConsistency consistency) {
  update.set_write_consistency(consistency);
  return update;
}

inline Actions GInc(std::initializer_list<uint64_t> increments) {
  Actions out;
  for (uint64_t i : increments) {
    out.push_back(UpdateAction(GCounterU(i)));
  }
  return out;
}

inline Actions PNChange(std::initializer_list<int64_t> changes) {
  Actions out;
  for (int64_t c : changes) {
    out.push_back(UpdateAction(PNCounterU(c)));
  }
  return out;
}

inline Actions GSetAdd(const Strings& elements) {
  Actions out;
  for (const auto& e : elements) {
    tm::Update update;
    update.mutable_gset()->set_add(e);
    out.push_back(UpdateAction(update));
  }
  return out;
}

inline Actions ORSetAdd(const Strings& elements) {
  Actions out;
  for (const auto& e : elements) {
    tm::Update update;
    update.mutable_orset()->set_add(e);
    out.push_back(UpdateAction(update));
  }
  return out;
}

inline Actions ORSetRemove(const Strings& elements) {
  Actions out;
  for (const auto& e : elements) {
    tm::Update update;
    update.mutable_orset()->set_remove(e);
    out.push_back(UpdateAction(update));
  }
  return out;
}

inline Actions ORSetClear() {
  tm::Update update;
  update.mutable_orset()->set_clear(true);
  return {UpdateAction(update)};
}

inline tm::Update LWWU(std::string_view value, tm::LWWRegisterClockType clock = tm::DEFAULT,
                       int64_t custom_clock_value = 0) {
  tm::Update update;
  auto* lww = update.mutable_lwwregister();
  lww->set_value(std::string(value));
  // The original TCK always sends the clock message, even for the default clock.
  lww->mutable_clock()->set_clocktype(clock);
  lww->mutable_clock()->set_customclockvalue(custom_clock_value);
  return update;
}

inline Actions LWWSet(std::string_view value, tm::LWWRegisterClockType clock = tm::DEFAULT,
                      int64_t custom_clock_value = 0) {
  return {UpdateAction(LWWU(value, clock, custom_clock_value))};
}

inline Actions FlagEnable() {
  tm::Update update;
  update.mutable_flag();
  return {UpdateAction(update)};
}

inline Actions VoteSelf(bool vote) { return {UpdateAction(VoteU(vote))}; }

inline tm::RequestAction MapAction(const tm::ORMapUpdate& map_update) {
  tm::Update update;
  *update.mutable_ormap() = map_update;
  return UpdateAction(update);
}

inline Actions MapAdd(const Strings& keys) {
  Actions out;
  for (const auto& key : keys) {
    tm::ORMapUpdate u;
    u.set_add(key);
    out.push_back(MapAction(u));
  }
  return out;
}

inline Actions MapRemove(const Strings& keys) {
  Actions out;
  for (const auto& key : keys) {
    tm::ORMapUpdate u;
    u.set_remove(key);
    out.push_back(MapAction(u));
  }
  return out;
}

inline Actions MapClear() {
  tm::ORMapUpdate u;
  u.set_clear(true);
  return {MapAction(u)};
}

// Each update action of `actions` becomes an entry update of `key` (as the original's updateWith).
inline Actions MapUpdate(std::string_view key, const Actions& actions) {
  Actions out;
  for (const auto& a : actions) {
    tm::ORMapUpdate u;
    u.mutable_update()->set_key(std::string(key));
    *u.mutable_update()->mutable_update() = a.update();
    out.push_back(MapAction(u));
  }
  return out;
}

inline Actions DeleteA() {
  tm::RequestAction action;
  action.mutable_delete_();
  return {action};
}

inline Actions ForwardA(std::string_view target_id) {
  tm::RequestAction action;
  action.mutable_forward()->set_id(std::string(target_id));
  return {action};
}

inline Actions EffectA(std::string_view target_id, bool synchronous = false) {
  tm::RequestAction action;
  action.mutable_effect()->set_id(std::string(target_id));
  action.mutable_effect()->set_synchronous(synchronous);
  return {action};
}

inline Actions EffectsA(const Strings& ids) {
  Actions out;
  for (const auto& id : ids) {
    auto a = EffectA(id);
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

inline Actions FailA(std::string_view message) {
  tm::RequestAction action;
  action.mutable_fail()->set_message(std::string(message));
  return {action};
}

inline tm::Request Req(std::string_view id, const Actions& actions = {}) {
  tm::Request request;
  request.set_id(std::string(id));
  for (const auto& a : actions) {
    *request.add_actions() = a;
  }
  return request;
}

// ---- model states (Response{state}) ------------------------------------------------------------

inline tm::Response GCounterS(uint64_t value) {
  tm::Response r;
  r.mutable_state()->mutable_gcounter()->set_value(value);
  return r;
}

inline tm::Response PNCounterS(int64_t value) {
  tm::Response r;
  r.mutable_state()->mutable_pncounter()->set_value(value);
  return r;
}

inline tm::Response GSetS(const Strings& elements) {
  tm::Response r;
  auto* gset = r.mutable_state()->mutable_gset();
  for (const auto& e : elements) {
    gset->add_elements(e);
  }
  return r;
}

inline tm::Response ORSetS(const Strings& elements) {
  tm::Response r;
  auto* orset = r.mutable_state()->mutable_orset();
  for (const auto& e : elements) {
    orset->add_elements(e);
  }
  return r;
}

inline tm::Response LWWS(std::string_view value) {
  tm::Response r;
  r.mutable_state()->mutable_lwwregister()->set_value(std::string(value));
  return r;
}

inline tm::Response FlagS(bool value) {
  tm::Response r;
  r.mutable_state()->mutable_flag()->set_value(value);
  return r;
}

inline tm::Response VoteS(bool self_vote, int32_t votes_for, int32_t total_voters) {
  tm::Response r;
  auto* vote = r.mutable_state()->mutable_vote();
  vote->set_self_vote(self_vote);
  vote->set_votes_for(votes_for);
  vote->set_total_voters(total_voters);
  return r;
}

// Entries must be given sorted by key, as the model reports them.
inline tm::Response ORMapS(const StateEntries& entries) {
  tm::Response r;
  auto* map = r.mutable_state()->mutable_ormap();
  for (const auto& [key, value] : entries) {
    auto* entry = map->add_entries();
    entry->set_key(key);
    *entry->mutable_value() = value.state();
  }
  return r;
}

// ---- protocol deltas ----------------------------------------------------------------------------

inline google::protobuf::Any Str(std::string_view s) { return PackPrimitiveString(s); }

inline pc::CrdtDelta GCounterD(uint64_t increment) {
  pc::CrdtDelta d;
  d.mutable_gcounter()->set_increment(increment);
  return d;
}

inline pc::CrdtDelta PNCounterD(int64_t change) {
  pc::CrdtDelta d;
  d.mutable_pncounter()->set_change(change);
  return d;
}

inline pc::CrdtDelta GSetD(const Strings& added) {
  pc::CrdtDelta d;
  auto* gset = d.mutable_gset();
  for (const auto& e : added) {
    *gset->add_added() = Str(e);
  }
  return d;
}

inline pc::CrdtDelta ORSetD(bool cleared, const Strings& removed, const Strings& added) {
  pc::CrdtDelta d;
  auto* orset = d.mutable_orset();
  orset->set_cleared(cleared);
  for (const auto& e : removed) {
    *orset->add_removed() = Str(e);
  }
  for (const auto& e : added) {
    *orset->add_added() = Str(e);
  }
  return d;
}
inline pc::CrdtDelta ORSetAdded(const Strings& added) { return ORSetD(false, {}, added); }

inline pc::CrdtDelta LWWD(std::string_view value, pc::CrdtClock clock = pc::DEFAULT,
                          int64_t custom_clock_value = 0) {
  pc::CrdtDelta d;
  auto* lww = d.mutable_lwwregister();
  *lww->mutable_value() = Str(value);
  lww->set_clock(clock);
  lww->set_custom_clock_value(custom_clock_value);
  return d;
}

inline pc::CrdtDelta FlagD(bool value) {
  pc::CrdtDelta d;
  d.mutable_flag()->set_value(value);
  return d;
}

inline pc::CrdtDelta VoteD(bool self_vote, int32_t votes_for = 0, int32_t total_voters = 0) {
  pc::CrdtDelta d;
  auto* vote = d.mutable_vote();
  vote->set_self_vote(self_vote);
  vote->set_votes_for(votes_for);
  vote->set_total_voters(total_voters);
  return d;
}

struct MapDeltaParts {
  bool cleared = false;
  Strings removed;
  Entries updated;
  Entries added;
};

inline pc::CrdtDelta ORMapD(const MapDeltaParts& parts) {
  pc::CrdtDelta d;
  auto* map = d.mutable_ormap();
  map->set_cleared(parts.cleared);
  for (const auto& key : parts.removed) {
    *map->add_removed() = Str(key);
  }
  for (const auto& [key, delta] : parts.updated) {
    auto* entry = map->add_updated();
    *entry->mutable_key() = Str(key);
    *entry->mutable_delta() = delta;
  }
  for (const auto& [key, delta] : parts.added) {
    auto* entry = map->add_added();
    *entry->mutable_key() = Str(key);
    *entry->mutable_delta() = delta;
  }
  return d;
}

}  // namespace cloudstate::tck::builders
