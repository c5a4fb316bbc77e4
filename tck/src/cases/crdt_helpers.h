#pragma once
// Builders shared by the CRDT cases (crdt_cases.cc, crdt_new_cases.cc): model requests and actions
// of cloudstate.tck.model.crdt, the model's Response states, protocol deltas with
// p.cloudstate.io/string elements, and the expected CrdtStreamOut shapes.
//
//   auto s = ctx.Crdt();
//   s.Send(crdt::Init(kCrdtTckModel, id));
//   s.Send(Process(1, id, GInc({1, 2})));
//   s.Expect(ReplyDelta(1, GCounterS(3), GCounterD(3)));
//   s.Passivate();
//
// Everything here is header-only and local to the CRDT case files; it only adds shorthand on top
// of messages.h and compare.h (nothing the DSL lacks had to be re-implemented).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudstate/crdt.pb.h"
#include "cloudstate/tck/model/crdt.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/compare.h"
#include "cloudstate/tck/messages.h"
#include "cloudstate/tck/scenario.h"

// The cases build expected messages with designated initializers that name only the fields they
// need (crdt::Effects, MapDeltaParts); GCC's -Wextra flags every omitted member there, although the
// omitted members have default initializers. Silenced for the CRDT case files only.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cloudstate::tck::crdt_cases {

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

// ---- commands and expected messages -------------------------------------------------------------

inline crdt::In Process(int64_t command_id, std::string_view entity_id,
                        const Actions& actions = {}) {
  return crdt::Command(command_id, entity_id, "Process", Req(entity_id, actions));
}

inline crdt::In ProcessStreamed(int64_t command_id, std::string_view entity_id,
                                const tm::StreamedRequest& request) {
  return crdt::Command(command_id, entity_id, "ProcessStreamed", request, /*streamed=*/true);
}

inline tm::StreamedRequest StreamedReq(std::string_view id) {
  tm::StreamedRequest request;
  request.set_id(std::string(id));
  return request;
}

// Side effect to CrdtTwo/Call with Request{id}, as the model emits it.
inline cloudstate::SideEffect Fx(std::string_view target_id, bool synchronous = false) {
  return SideEffect(kCrdtTwo, "Call", Req(target_id), synchronous);
}

inline crdt::Out ReplyState(int64_t command_id, const tm::Response& state) {
  return crdt::Reply(command_id, state);
}

inline crdt::Out ReplyDelta(int64_t command_id, const tm::Response& state,
                            const pc::CrdtDelta& delta,
                            pc::CrdtWriteConsistency consistency = pc::LOCAL) {
  return crdt::Reply(command_id, state, {.state_action = crdt::UpdateAction(delta, consistency)});
}

inline crdt::Out ReplyDeleted(int64_t command_id, const tm::Response& state) {
  return crdt::Reply(command_id, state, {.state_action = crdt::DeleteAction()});
}

inline crdt::Out Forwarded(int64_t command_id, std::string_view target_id,
                           const crdt::Effects& effects = {}) {
  return crdt::Forward(command_id, kCrdtTwo, "Call", Req(target_id), effects);
}

// ---- common scenario pieces ---------------------------------------------------------------------

// The stream must carry a stream-level failure and then end (PROT-024). Like the original proxy,
// the kit half-closes after the failure and then expects the end: a function may wait for that.
inline void ExpectStreamFailure(CrdtStream& s) {
  s.ExpectThat("a stream-level failure (CrdtStreamOut.failure)", [](const crdt::Out& out) {
    return out.has_failure() ? std::string()
                             : std::string("expected CrdtStreamOut.failure, got another message");
  });
  s.Close();
  s.ExpectEnded();
}

// A fresh stream on a new entity still works: the function survived whatever came before.
inline void ExpectFunctionStillServes(CaseContext& ctx) {
  if (ctx.failed()) {
    return;
  }
  const std::string id = ctx.NewEntityId("GCounter");
  auto s = ctx.Crdt();
  s.Send(crdt::Init(kCrdtTckModel, id));
  s.Send(Process(1, id, GInc({7})));
  s.Expect(ReplyDelta(1, GCounterS(7), GCounterD(7)));
  s.Passivate();
}

}  // namespace cloudstate::tck::crdt_cases
