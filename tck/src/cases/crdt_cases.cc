// The CRDT model cases of the original Cloudstate TCK (CrdtEntityTCK.scala, C1-C82 of the TCK
// catalog §2.5), with identical expectations. The kit plays the proxy: it opens
// cloudstate.crdt.Crdt/handle, sends init/delta/delete/command/stream_cancelled and compares every
// CrdtStreamOut exactly; only the cases the original marks "(sorted)" compare the reply delta
// order-insensitively (SortedCrdtDeltas, applied to CrdtReply.state_action only).
//
// Differences from the original, on purpose:
//  * Entity ids come from ctx.NewEntityId("<CrdtType>") ("GCounter-<case>-<run>-<n>") instead of
//    "GCounter-<n>"; the model reads only the prefix before the first '-'.
//  * C40 sends its third command with id 3; the original reused id 2 for the 2nd and 3rd commands
//    (the messages expected are otherwise the same; the reply to the third command carries id 3).
//  * C68 and C70 follow the final original (master 82207cbc), which sends a state change before the
//    forward/side effect and a read after it.

#include <string>
#include <utility>
#include <vector>

#include "cloudstate/tck/discovery.h"
#include "crdt_helpers.h"

namespace cloudstate::tck::crdt_cases {
namespace {

// "initial empty state": init without delta, a read command, the type's empty state, no delta.
CaseBody InitialEmptyState(const char* type, tm::Response empty) {
  return [type, empty](CaseContext& ctx) {
    const std::string id = ctx.NewEntityId(type);
    auto s = ctx.Crdt();
    s.Send(crdt::Init(kCrdtTckModel, id));
    s.Send(Process(1, id));
    s.Expect(ReplyState(1, empty));
    s.Passivate();
  };
}

// "delete action sent to entity": init, CrdtDelete, half-close; the function answers nothing and
// completes its side.
CaseBody DeleteSentToEntity(const char* type) {
  return [type](CaseContext& ctx) {
    const std::string id = ctx.NewEntityId(type);
    auto s = ctx.Crdt();
    s.Send(crdt::Init(kCrdtTckModel, id));
    s.Send(crdt::Delete());
    s.Passivate();
  };
}

// "delete action received from entity": one change, then a delete action that still replies with
// the state and carries only the delete state action.
CaseBody DeleteReceivedFromEntity(const char* type, Actions change, tm::Response state,
                                  pc::CrdtDelta delta) {
  return [type, change, state, delta](CaseContext& ctx) {
    const std::string id = ctx.NewEntityId(type);
    auto s = ctx.Crdt();
    s.Send(crdt::Init(kCrdtTckModel, id));
    s.Send(Process(1, id, change));
    s.Expect(ReplyDelta(1, state, delta));
    s.Send(Process(2, id, DeleteA()));
    s.Expect(ReplyDeleted(2, state));
    s.Passivate();
  };
}

constexpr const char* kHintEmpty =
    "a new entity without init.delta must report its type's empty value and send no delta";
constexpr const char* kHintDeleteSent =
    "on CrdtDelete send nothing and complete the stream once the proxy half-closes";
constexpr const char* kHintDeleteReceived =
    "a delete action must produce state_action.delete only (no update delta) while still replying "
    "with the state";
constexpr const char* kHintRehydrate =
    "a new stream must start from init.delta; nothing may be kept from the previous stream";

// ---------------------------------------------------------------------------------------------
void RegisterDiscovery() {
  CrdtCase(
      "crdt.crdt_entity_discovery", "C1", {"DISC-007", "DISC-008", "DISC-009"},
      "CrdtTckModel and CrdtTwo are discovered as entities of type cloudstate.crdt.Crdt",
      "declare both model services with entity_type \"cloudstate.crdt.Crdt\"",
      [](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        for (const char* service : {kCrdtTckModel, kCrdtTwo}) {
          if (!ctx.Check(d.Declares(service), std::string("service not discovered: ") + service)) {
            return;
          }
          const cloudstate::Entity* entity = d.FindEntity(service);
          if (!ctx.Check(entity != nullptr && entity->entity_type() == kCrdtProtocol,
                         std::string("entity_type of ") + service + " is \"" +
                             (entity ? entity->entity_type() : std::string()) + "\", expected \"" +
                             kCrdtProtocol + "\"")) {
            return;
          }
        }
      });

  Case("crdt.crdt_configured_entity")
      .Original("C2")
      .Rules({"DISC-013", "DISC-009"})
      .Required()
      .Describe("CrdtConfigured is a CRDT entity with a 100 ms timeout passivation strategy")
      .Hint("report EntityPassivationStrategy{timeout{timeout: 100}} for CrdtConfigured")
      .Needs({kCrdtConfigured})
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        const cloudstate::Entity* entity = d.FindEntity(kCrdtConfigured);
        if (!ctx.Check(entity != nullptr, "CrdtConfigured not discovered")) {
          return;
        }
        if (!ctx.Check(entity->entity_type() == kCrdtProtocol,
                       "entity_type of CrdtConfigured is \"" + entity->entity_type() +
                           "\", expected \"" + kCrdtProtocol + "\"")) {
          return;
        }
        ctx.Check(entity->has_passivation_strategy() &&
                      entity->passivation_strategy().has_timeout() &&
                      entity->passivation_strategy().timeout().timeout() == 100,
                  "expected passivation_strategy {timeout {timeout: 100}}, got {" +
                      ShortText(entity->passivation_strategy()) + "}");
      });
}

// ---------------------------------------------------------------------------------------------
void RegisterGCounter() {
  CrdtCase("crdt.gcounter_initial_empty_state", "C3", {"CRDT-002", "CRDT-069"},
           "a new GCounter reads 0 and sends no delta", kHintEmpty,
           InitialEmptyState("GCounter", GCounterS(0)));

  CrdtCase("crdt.gcounter_state_changes", "C4", {"CRDT-012", "CRDT-011", "CRDT-007"},
           "GCounter increments are applied and aggregated into one delta per command",
           "sum all increments of a command into one GCounterDelta", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GInc({42})));
             s.Expect(ReplyDelta(1, GCounterS(42), GCounterD(42)));
             s.Send(Process(2, id, GInc({1, 2, 3})));
             s.Expect(ReplyDelta(2, GCounterS(48), GCounterD(6)));
             s.Passivate();
           });

  CrdtCase("crdt.gcounter_initial_delta_in_init", "C5", {"CRDT-002", "CRDT-011", "CRDT-012"},
           "a GCounter starts from init.delta", "create the value from CrdtInit.delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, GCounterD(42)));
             s.Send(Process(1, id, GInc({123})));
             s.Expect(ReplyDelta(1, GCounterS(165), GCounterD(123)));
             s.Passivate();
           });

  CrdtCase("crdt.gcounter_initial_empty_state_with_replicated_initial_delta", "C6",
           {"CRDT-003", "CRDT-011", "CRDT-012"},
           "a GCounter delta received after init is applied before the next command",
           "apply CrdtStreamIn.delta as soon as it arrives", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(GCounterD(42)));
             s.Send(Process(1, id, GInc({123})));
             s.Expect(ReplyDelta(1, GCounterS(165), GCounterD(123)));
             s.Passivate();
           });

  CrdtCase("crdt.gcounter_mix_of_local_and_replicated_state_changes", "C7",
           {"CRDT-003", "CRDT-004", "CRDT-011", "CRDT-012"},
           "GCounter local increments and replicated deltas interleave correctly",
           "replicated deltas change the value but must not appear in the next reply delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GInc({1})));
             s.Expect(ReplyDelta(1, GCounterS(1), GCounterD(1)));
             s.Send(crdt::Delta(GCounterD(2)));
             s.Send(crdt::Delta(GCounterD(3)));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, GCounterS(6)));
             s.Send(Process(3, id, GInc({4})));
             s.Expect(ReplyDelta(3, GCounterS(10), GCounterD(4)));
             s.Send(crdt::Delta(GCounterD(5)));
             s.Send(Process(4, id, GInc({6})));
             s.Expect(ReplyDelta(4, GCounterS(21), GCounterD(6)));
             s.Passivate();
           });

  CrdtCase("crdt.gcounter_rehydration_after_passivation", "C8",
           {"CRDT-002", "CRDT-003", "CRDT-012"},
           "a GCounter entity restarted on a new stream starts from the accumulated init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, GInc({1})));
               s.Expect(ReplyDelta(1, GCounterS(1), GCounterD(1)));
               s.Send(crdt::Delta(GCounterD(2)));
               s.Send(Process(2, id));
               s.Expect(ReplyState(2, GCounterS(3)));
               s.Send(Process(3, id, GInc({3})));
               s.Expect(ReplyDelta(3, GCounterS(6), GCounterD(3)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, GCounterD(6)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, GCounterS(6)));
             s.Send(crdt::Delta(GCounterD(4)));
             s.Send(Process(2, id, GInc({5})));
             s.Expect(ReplyDelta(2, GCounterS(15), GCounterD(5)));
             s.Passivate();
           });

  CrdtCase("crdt.gcounter_delete_action_received_from_entity", "C9", {"CRDT-044"},
           "a GCounter delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("GCounter", GInc({42}), GCounterS(42), GCounterD(42)));

  CrdtCase("crdt.gcounter_delete_action_sent_to_entity", "C10", {"CRDT-048"},
           "a GCounter entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("GCounter"));
}

// ---------------------------------------------------------------------------------------------
void RegisterPNCounter() {
  CrdtCase("crdt.pncounter_initial_empty_state", "C11", {"CRDT-002", "CRDT-069"},
           "a new PNCounter reads 0 and sends no delta", kHintEmpty,
           InitialEmptyState("PNCounter", PNCounterS(0)));

  CrdtCase("crdt.pncounter_state_changes", "C12", {"CRDT-015", "CRDT-014", "CRDT-007"},
           "PNCounter changes are applied and aggregated into one net delta per command",
           "send one PNCounterDelta with the net change of the command", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, PNChange({+1, -2, +3})));
             s.Expect(ReplyDelta(1, PNCounterS(2), PNCounterD(2)));
             s.Send(Process(2, id, PNChange({-4, +5, -6})));
             s.Expect(ReplyDelta(2, PNCounterS(-3), PNCounterD(-5)));
             s.Passivate();
           });

  CrdtCase("crdt.pncounter_initial_delta_in_init", "C13", {"CRDT-002", "CRDT-014", "CRDT-015"},
           "a PNCounter starts from init.delta", "create the value from CrdtInit.delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, PNCounterD(42)));
             s.Send(Process(1, id, PNChange({-123})));
             s.Expect(ReplyDelta(1, PNCounterS(-81), PNCounterD(-123)));
             s.Passivate();
           });

  CrdtCase("crdt.pncounter_initial_empty_state_with_replicated_initial_delta", "C14",
           {"CRDT-003", "CRDT-014", "CRDT-015"},
           "a PNCounter delta received after init is applied before the next command",
           "apply CrdtStreamIn.delta as soon as it arrives", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(PNCounterD(-42)));
             s.Send(Process(1, id, PNChange({+123})));
             s.Expect(ReplyDelta(1, PNCounterS(81), PNCounterD(123)));
             s.Passivate();
           });

  CrdtCase("crdt.pncounter_mix_of_local_and_replicated_state_changes", "C15",
           {"CRDT-003", "CRDT-004", "CRDT-014", "CRDT-015"},
           "PNCounter local changes and replicated deltas interleave correctly",
           "replicated deltas change the value but must not appear in the next reply delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, PNChange({+1})));
             s.Expect(ReplyDelta(1, PNCounterS(1), PNCounterD(1)));
             s.Send(crdt::Delta(PNCounterD(-2)));
             s.Send(crdt::Delta(PNCounterD(+3)));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, PNCounterS(2)));
             s.Send(Process(3, id, PNChange({-4})));
             s.Expect(ReplyDelta(3, PNCounterS(-2), PNCounterD(-4)));
             s.Send(crdt::Delta(PNCounterD(+5)));
             s.Send(Process(4, id, PNChange({-6})));
             s.Expect(ReplyDelta(4, PNCounterS(-3), PNCounterD(-6)));
             s.Passivate();
           });

  CrdtCase("crdt.pncounter_rehydration_after_passivation", "C16",
           {"CRDT-002", "CRDT-003", "CRDT-015"},
           "a PNCounter entity restarted on a new stream starts from the accumulated init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, PNChange({+1})));
               s.Expect(ReplyDelta(1, PNCounterS(1), PNCounterD(1)));
               s.Send(crdt::Delta(PNCounterD(-2)));
               s.Send(Process(2, id));
               s.Expect(ReplyState(2, PNCounterS(-1)));
               s.Send(Process(3, id, PNChange({+3})));
               s.Expect(ReplyDelta(3, PNCounterS(2), PNCounterD(3)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, PNCounterD(2)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, PNCounterS(2)));
             s.Send(crdt::Delta(PNCounterD(-4)));
             s.Send(Process(2, id, PNChange({+5})));
             s.Expect(ReplyDelta(2, PNCounterS(3), PNCounterD(5)));
             s.Passivate();
           });

  CrdtCase("crdt.pncounter_delete_action_received_from_entity", "C17", {"CRDT-044"},
           "a PNCounter delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("PNCounter", PNChange({+42}), PNCounterS(42), PNCounterD(42)));

  CrdtCase("crdt.pncounter_delete_action_sent_to_entity", "C18", {"CRDT-048"},
           "a PNCounter entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("PNCounter"));
}

// ---------------------------------------------------------------------------------------------
void RegisterGSet() {
  CrdtCase("crdt.gset_initial_empty_state", "C19", {"CRDT-002", "CRDT-069"},
           "a new GSet is empty and sends no delta", kHintEmpty,
           InitialEmptyState("GSet", GSetS({})));

  CrdtCase("crdt.gset_state_changes", "C20", {"CRDT-017", "CRDT-007"},
           "GSet additions list only new elements; adding present elements sends no delta",
           "GSetDelta.added must hold exactly the elements new to the set", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GSetAdd({"a", "b"})));
             s.Expect(ReplyDelta(1, GSetS({"a", "b"}), GSetD({"a", "b"})), SortedCrdtDeltas());
             s.Send(Process(2, id, GSetAdd({"b", "c"})));
             s.Expect(ReplyDelta(2, GSetS({"a", "b", "c"}), GSetD({"c"})));
             s.Send(Process(3, id, GSetAdd({"c", "a"})));
             s.Expect(ReplyState(3, GSetS({"a", "b", "c"})));
             s.Passivate();
           });

  CrdtCase("crdt.gset_initial_delta_in_init", "C21", {"CRDT-002", "CRDT-016", "CRDT-017"},
           "a GSet starts from init.delta", "create the value from CrdtInit.delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, GSetD({"a", "b", "c"})));
             s.Send(Process(1, id, GSetAdd({"c", "d", "e"})));
             s.Expect(ReplyDelta(1, GSetS({"a", "b", "c", "d", "e"}), GSetD({"d", "e"})),
                      SortedCrdtDeltas());
             s.Passivate();
           });

  CrdtCase("crdt.gset_initial_empty_state_with_replicated_initial_delta", "C22",
           {"CRDT-003", "CRDT-016", "CRDT-017"},
           "a GSet delta received after init is applied before the next command",
           "apply CrdtStreamIn.delta as soon as it arrives", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(GSetD({"x", "y"})));
             s.Send(Process(1, id, GSetAdd({"z"})));
             s.Expect(ReplyDelta(1, GSetS({"x", "y", "z"}), GSetD({"z"})));
             s.Passivate();
           });

  CrdtCase("crdt.gset_mix_of_local_and_replicated_state_changes", "C23",
           {"CRDT-003", "CRDT-004", "CRDT-016", "CRDT-017"},
           "GSet local additions and replicated deltas interleave correctly",
           "elements received from the proxy are present and never repeated in a reply delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GSetAdd({"a"})));
             s.Expect(ReplyDelta(1, GSetS({"a"}), GSetD({"a"})));
             s.Send(crdt::Delta(GSetD({"a"})));
             s.Send(crdt::Delta(GSetD({"b"})));
             s.Send(crdt::Delta(GSetD({"c"})));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, GSetS({"a", "b", "c"})));
             s.Send(Process(3, id, GSetAdd({"c", "d", "e"})));
             s.Expect(ReplyDelta(3, GSetS({"a", "b", "c", "d", "e"}), GSetD({"d", "e"})),
                      SortedCrdtDeltas());
             s.Send(crdt::Delta(GSetD({"f"})));
             s.Send(Process(4, id, GSetAdd({"g", "d", "b"})));
             s.Expect(ReplyDelta(4, GSetS({"a", "b", "c", "d", "e", "f", "g"}), GSetD({"g"})));
             s.Passivate();
           });

  CrdtCase("crdt.gset_rehydration_after_passivation", "C24", {"CRDT-002", "CRDT-003", "CRDT-017"},
           "a GSet entity restarted on a new stream starts from the accumulated init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, GSetAdd({"a"})));
               s.Expect(ReplyDelta(1, GSetS({"a"}), GSetD({"a"})));
               s.Send(crdt::Delta(GSetD({"b"})));
               s.Send(Process(2, id));
               s.Expect(ReplyState(2, GSetS({"a", "b"})));
               s.Send(Process(3, id, GSetAdd({"c"})));
               s.Expect(ReplyDelta(3, GSetS({"a", "b", "c"}), GSetD({"c"})));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, GSetD({"a", "b", "c"})));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, GSetS({"a", "b", "c"})));
             s.Send(crdt::Delta(GSetD({"d"})));
             s.Send(Process(2, id, GSetAdd({"e"})));
             s.Expect(ReplyDelta(2, GSetS({"a", "b", "c", "d", "e"}), GSetD({"e"})));
             s.Passivate();
           });

  CrdtCase("crdt.gset_delete_action_received_from_entity", "C25", {"CRDT-044"},
           "a GSet delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("GSet", GSetAdd({"x"}), GSetS({"x"}), GSetD({"x"})));

  CrdtCase("crdt.gset_delete_action_sent_to_entity", "C26", {"CRDT-048"},
           "a GSet entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("GSet"));
}

// ---------------------------------------------------------------------------------------------
void RegisterORSet() {
  CrdtCase("crdt.orset_initial_empty_state", "C27", {"CRDT-002", "CRDT-069"},
           "a new ORSet is empty and sends no delta", kHintEmpty,
           InitialEmptyState("ORSet", ORSetS({})));

  CrdtCase(
      "crdt.orset_state_changes", "C28", {"CRDT-019", "CRDT-020", "CRDT-007"},
      "ORSet add/remove/clear send the net difference, with clear as cleared plus survivors",
      "compare the set before and after the command; a clear sends cleared=true and the "
      "final elements as added",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORSet");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, ORSetAdd({"a", "b"})));
        s.Expect(ReplyDelta(1, ORSetS({"a", "b"}), ORSetAdded({"a", "b"})), SortedCrdtDeltas());
        s.Send(Process(2, id, ORSetAdd({"b", "c"})));
        s.Expect(ReplyDelta(2, ORSetS({"a", "b", "c"}), ORSetAdded({"c"})));
        s.Send(Process(3, id, ORSetAdd({"c", "a"})));
        s.Expect(ReplyState(3, ORSetS({"a", "b", "c"})));
        s.Send(Process(4, id, ORSetRemove({"b", "d"})));
        s.Expect(ReplyDelta(4, ORSetS({"a", "c"}), ORSetD(false, {"b"}, {})));
        s.Send(Process(5, id, Cat({ORSetRemove({"c", "d"}), ORSetAdd({"b", "c"})})));
        s.Expect(ReplyDelta(5, ORSetS({"a", "b", "c"}), ORSetAdded({"b"})));
        s.Send(Process(6, id, ORSetClear()));
        s.Expect(ReplyDelta(6, ORSetS({}), ORSetD(true, {}, {})));
        s.Send(Process(7, id, Cat({ORSetAdd({"a"}), ORSetClear(), ORSetAdd({"x"})})));
        s.Expect(ReplyDelta(7, ORSetS({"x"}), ORSetD(true, {}, {"x"})));
        s.Passivate();
      });

  CrdtCase("crdt.orset_initial_delta_in_init", "C29", {"CRDT-002", "CRDT-018", "CRDT-019"},
           "an ORSet starts from init.delta", "create the value from CrdtInit.delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, ORSetAdded({"a", "b", "c"})));
             s.Send(Process(1, id, Cat({ORSetRemove({"c"}), ORSetAdd({"d"})})));
             s.Expect(ReplyDelta(1, ORSetS({"a", "b", "d"}), ORSetD(false, {"c"}, {"d"})));
             s.Passivate();
           });

  CrdtCase("crdt.orset_initial_empty_state_with_replicated_initial_delta", "C30",
           {"CRDT-003", "CRDT-018", "CRDT-019"},
           "an ORSet delta received after init is applied before the next command",
           "apply CrdtStreamIn.delta as soon as it arrives", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(ORSetAdded({"x", "y"})));
             s.Send(Process(1, id, Cat({ORSetRemove({"x"}), ORSetAdd({"z"})})));
             s.Expect(ReplyDelta(1, ORSetS({"y", "z"}), ORSetD(false, {"x"}, {"z"})));
             s.Passivate();
           });

  CrdtCase("crdt.orset_mix_of_local_and_replicated_state_changes", "C31",
           {"CRDT-003", "CRDT-004", "CRDT-018", "CRDT-019", "CRDT-020"},
           "ORSet local changes and replicated deltas (incl. cleared) interleave correctly",
           "apply replicated ORSetDelta as clear, then removed, then added; reply deltas are "
           "relative to the value after the replicated deltas",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, ORSetAdd({"a"})));
             s.Expect(ReplyDelta(1, ORSetS({"a"}), ORSetAdded({"a"})));
             s.Send(crdt::Delta(ORSetAdded({"a", "b"})));
             s.Send(crdt::Delta(ORSetAdded({"c", "d"})));
             s.Send(crdt::Delta(ORSetD(false, {"b", "d"}, {})));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, ORSetS({"a", "c"})));
             s.Send(Process(3, id, ORSetAdd({"c", "d", "e"})));
             s.Expect(ReplyDelta(3, ORSetS({"a", "c", "d", "e"}), ORSetAdded({"d", "e"})),
                      SortedCrdtDeltas());
             s.Send(crdt::Delta(ORSetD(false, {"a", "c"}, {"f"})));
             s.Send(Process(4, id, Cat({ORSetAdd({"g"}), ORSetRemove({"a", "d"})})));
             s.Expect(ReplyDelta(4, ORSetS({"e", "f", "g"}), ORSetD(false, {"d"}, {"g"})));
             s.Send(crdt::Delta(ORSetD(true, {}, {"x", "y", "z"})));
             s.Send(Process(5, id, Cat({ORSetAdd({"q", "x"}), ORSetRemove({"z"})})));
             s.Expect(ReplyDelta(5, ORSetS({"q", "x", "y"}), ORSetD(false, {"z"}, {"q"})));
             s.Send(crdt::Delta(ORSetD(false, {"x", "y"}, {"r", "p"})));
             s.Send(Process(6, id, ORSetAdd({"s"})));
             s.Expect(ReplyDelta(6, ORSetS({"p", "q", "r", "s"}), ORSetAdded({"s"})));
             s.Send(crdt::Delta(ORSetAdded({"a", "b", "c"})));
             s.Send(Process(7, id, Cat({ORSetClear(), ORSetAdd({"abc"})})));
             s.Expect(ReplyDelta(7, ORSetS({"abc"}), ORSetD(true, {}, {"abc"})));
             s.Passivate();
           });

  CrdtCase("crdt.orset_rehydration_after_passivation", "C32", {"CRDT-002", "CRDT-018", "CRDT-019"},
           "an ORSet entity restarted on a new stream starts from the accumulated init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, ORSetAdd({"a"})));
               s.Expect(ReplyDelta(1, ORSetS({"a"}), ORSetAdded({"a"})));
               s.Send(crdt::Delta(ORSetD(false, {"a"}, {"b"})));
               s.Send(Process(2, id));
               s.Expect(ReplyState(2, ORSetS({"b"})));
               s.Send(Process(3, id, ORSetAdd({"c"})));
               s.Expect(ReplyDelta(3, ORSetS({"b", "c"}), ORSetAdded({"c"})));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, ORSetAdded({"b", "c"})));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, ORSetS({"b", "c"})));
             s.Send(crdt::Delta(ORSetD(true, {}, {"p", "q"})));
             s.Send(Process(2, id, Cat({ORSetAdd({"x", "y"}), ORSetRemove({"x"})})));
             s.Expect(ReplyDelta(2, ORSetS({"p", "q", "y"}), ORSetAdded({"y"})));
             s.Passivate();
           });

  CrdtCase("crdt.orset_delete_action_received_from_entity", "C33", {"CRDT-044"},
           "an ORSet delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("ORSet", ORSetAdd({"x"}), ORSetS({"x"}), ORSetAdded({"x"})));

  CrdtCase("crdt.orset_delete_action_sent_to_entity", "C34", {"CRDT-048"},
           "an ORSet entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("ORSet"));
}

// ---------------------------------------------------------------------------------------------
void RegisterLWWRegister() {
  CrdtCase("crdt.lwwregister_initial_empty_state", "C35", {"CRDT-024", "CRDT-022", "CRDT-069"},
           "a new LWWRegister reads \"\" and announces its initial value with a delta",
           "a register created without init.delta must send LWWRegisterDelta{value: \"\"} (DEFAULT "
           "clock) in the first reply",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id));
             s.Expect(ReplyDelta(1, LWWS(""), LWWD("")));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_state_changes", "C36", {"CRDT-022", "CRDT-023"},
           "setting an LWWRegister sends the new value with the default clock",
           "send LWWRegisterDelta{value, clock DEFAULT, custom_clock_value 0}",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, LWWSet("one")));
             s.Expect(ReplyDelta(1, LWWS("one"), LWWD("one")));
             s.Send(Process(2, id, LWWSet("two")));
             s.Expect(ReplyDelta(2, LWWS("two"), LWWD("two")));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_initial_delta_in_init", "C37", {"CRDT-002", "CRDT-025"},
           "an LWWRegister created from init.delta reads its value and sends no initial delta",
           "a register created from CrdtInit.delta must not announce an initial value",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, LWWD("one")));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, LWWS("one")));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_initial_empty_state_with_replicated_initial_delta", "C38",
           {"CRDT-025", "CRDT-026", "CRDT-003"},
           "a replicated LWWRegister delta before the first command discards the initial delta",
           "a value received from the proxy replaces the pending initial delta of a new register",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(LWWD("one")));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, LWWS("one")));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_mix_of_local_and_replicated_state_changes", "C39",
           {"CRDT-026", "CRDT-022", "CRDT-004"},
           "LWWRegister local sets and replicated values interleave correctly",
           "replicated LWWRegisterDelta replaces the value; local sets always send a delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, LWWSet("A")));
             s.Expect(ReplyDelta(1, LWWS("A"), LWWD("A")));
             s.Send(crdt::Delta(LWWD("B")));
             s.Send(crdt::Delta(LWWD("C")));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, LWWS("C")));
             s.Send(Process(3, id, LWWSet("D")));
             s.Expect(ReplyDelta(3, LWWS("D"), LWWD("D")));
             s.Send(crdt::Delta(LWWD("D")));
             s.Send(Process(4, id, LWWSet("E")));
             s.Expect(ReplyDelta(4, LWWS("E"), LWWD("E")));
             s.Passivate();
           });

  // The original sent the 2nd and 3rd commands both with id 2; this port uses id 3 for the third.
  CrdtCase("crdt.lwwregister_state_changes_with_clock_settings", "C40", {"CRDT-023", "CRDT-022"},
           "an LWWRegister clock change sends a delta even when the value is unchanged",
           "send LWWRegisterDelta with the requested clock and custom_clock_value whenever the "
           "clock settings change",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, LWWSet("A", tm::REVERSE)));
             s.Expect(ReplyDelta(1, LWWS("A"), LWWD("A", pc::REVERSE, 0)));
             s.Send(Process(2, id, LWWSet("A", tm::CUSTOM, 123)));
             s.Expect(ReplyDelta(2, LWWS("A"), LWWD("A", pc::CUSTOM, 123)));
             s.Send(Process(3, id, LWWSet("A", tm::CUSTOM_AUTO_INCREMENT, 456)));
             s.Expect(ReplyDelta(3, LWWS("A"), LWWD("A", pc::CUSTOM_AUTO_INCREMENT, 456)));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_rehydration_after_passivation", "C41",
           {"CRDT-002", "CRDT-026", "CRDT-022", "CRDT-025"},
           "an LWWRegister entity restarted on a new stream starts from the init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, LWWSet("A")));
               s.Expect(ReplyDelta(1, LWWS("A"), LWWD("A")));
               s.Send(crdt::Delta(LWWD("B")));
               s.Send(Process(2, id));
               s.Expect(ReplyState(2, LWWS("B")));
               s.Send(Process(3, id, LWWSet("C")));
               s.Expect(ReplyDelta(3, LWWS("C"), LWWD("C")));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, LWWD("C")));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, LWWS("C")));
             s.Send(crdt::Delta(LWWD("D")));
             s.Send(Process(2, id, LWWSet("E")));
             s.Expect(ReplyDelta(2, LWWS("E"), LWWD("E")));
             s.Passivate();
           });

  CrdtCase("crdt.lwwregister_delete_action_received_from_entity", "C42", {"CRDT-044"},
           "an LWWRegister delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("LWWRegister", LWWSet("one"), LWWS("one"), LWWD("one")));

  CrdtCase("crdt.lwwregister_delete_action_sent_to_entity", "C43", {"CRDT-048"},
           "an LWWRegister entity receiving CrdtDelete answers nothing and completes",
           kHintDeleteSent, DeleteSentToEntity("LWWRegister"));
}

// ---------------------------------------------------------------------------------------------
void RegisterFlag() {
  CrdtCase("crdt.flag_initial_empty_state", "C44", {"CRDT-002", "CRDT-069"},
           "a new Flag reads false and sends no delta", kHintEmpty,
           InitialEmptyState("Flag", FlagS(false)));

  CrdtCase("crdt.flag_state_changes", "C45", {"CRDT-029"},
           "enabling a Flag sends FlagDelta{value: true}",
           "send a FlagDelta with value true when the flag switches on", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Flag");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, FlagEnable()));
             s.Expect(ReplyDelta(1, FlagS(true), FlagD(true)));
             s.Passivate();
           });

  CrdtCase("crdt.flag_initial_delta_in_init", "C46", {"CRDT-002", "CRDT-030"},
           "a Flag starts from init.delta (false, then true on a second stream)",
           "create the value from CrdtInit.delta", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Flag");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id, FlagD(false)));
               s.Send(Process(1, id));
               s.Expect(ReplyState(1, FlagS(false)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, FlagD(true)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, FlagS(true)));
             s.Passivate();
           });

  CrdtCase("crdt.flag_initial_empty_state_with_replicated_initial_delta", "C47",
           {"CRDT-003", "CRDT-030"},
           "a Flag delta received after init is applied (false, then true on a second stream)",
           "apply CrdtStreamIn.delta as soon as it arrives", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Flag");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(crdt::Delta(FlagD(false)));
               s.Send(Process(1, id));
               s.Expect(ReplyState(1, FlagS(false)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(FlagD(true)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, FlagS(true)));
             s.Passivate();
           });

  CrdtCase(
      "crdt.flag_mix_of_local_and_replicated_state_changes", "C48",
      {"CRDT-029", "CRDT-030", "CRDT-003"},
      "Flag: a replicated false never switches it off; enabling an enabled flag sends no delta",
      "ignore FlagDelta{false}; send a delta only on the false->true switch", [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("Flag");
        {
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(crdt::Delta(FlagD(false)));
          s.Send(Process(1, id));
          s.Expect(ReplyState(1, FlagS(false)));
          s.Send(Process(2, id, FlagEnable()));
          s.Expect(ReplyDelta(2, FlagS(true), FlagD(true)));
          s.Send(crdt::Delta(FlagD(true)));
          s.Send(crdt::Delta(FlagD(false)));
          s.Send(Process(3, id));
          s.Expect(ReplyState(3, FlagS(true)));
          s.Passivate();
        }
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(crdt::Delta(FlagD(true)));
        s.Send(Process(1, id));
        s.Expect(ReplyState(1, FlagS(true)));
        s.Send(Process(2, id, FlagEnable()));
        s.Expect(ReplyState(2, FlagS(true)));
        s.Send(crdt::Delta(FlagD(true)));
        s.Send(crdt::Delta(FlagD(false)));
        s.Send(Process(3, id));
        s.Expect(ReplyState(3, FlagS(true)));
        s.Passivate();
      });

  CrdtCase("crdt.flag_rehydration_after_passivation", "C49", {"CRDT-002", "CRDT-029"},
           "a Flag entity restarted on a new stream starts from the init delta", kHintRehydrate,
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Flag");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id));
               s.Expect(ReplyState(1, FlagS(false)));
               s.Send(Process(2, id, FlagEnable()));
               s.Expect(ReplyDelta(2, FlagS(true), FlagD(true)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, FlagD(true)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, FlagS(true)));
             s.Passivate();
           });

  CrdtCase("crdt.flag_delete_action_received_from_entity", "C50", {"CRDT-044"},
           "a Flag delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("Flag", FlagEnable(), FlagS(true), FlagD(true)));

  CrdtCase("crdt.flag_delete_action_sent_to_entity", "C51", {"CRDT-048"},
           "a Flag entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("Flag"));
}

// ---------------------------------------------------------------------------------------------
void RegisterORMap() {
  CrdtCase("crdt.ormap_initial_empty_state", "C52", {"CRDT-002", "CRDT-069"},
           "a new ORMap is empty and sends no delta", kHintEmpty,
           InitialEmptyState("ORMap", ORMapS({})));

  CrdtCase(
      "crdt.ormap_state_changes", "C53",
      {"CRDT-032", "CRDT-033", "CRDT-034", "CRDT-035", "CRDT-036", "CRDT-007"},
      "ORMap add/update/remove/clear produce added/updated/removed/cleared bookkeeping",
      "new keys go to added with their full (possibly empty) delta, changed keys to updated "
      "with nested deltas, removed keys to removed; a clear sends cleared plus the final "
      "entries as added",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORMap");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        // 1) two new keys with empty values still announce their initial deltas.
        s.Send(Process(1, id, MapAdd({"PNCounter-1", "ORSet-1"})));
        s.Expect(ReplyDelta(1, ORMapS({{"ORSet-1", ORSetS({})}, {"PNCounter-1", PNCounterS(0)}}),
                            ORMapD({.added = {{"ORSet-1", ORSetD(false, {}, {})},
                                              {"PNCounter-1", PNCounterD(0)}}})),
                 SortedCrdtDeltas());
        // 2) adding an existing key is a no-op; updating a new key adds it.
        s.Send(
            Process(2, id, Cat({MapAdd({"ORSet-1"}), MapUpdate("LWWRegister-1", LWWSet("zero"))})));
        s.Expect(ReplyDelta(2,
                            ORMapS({{"LWWRegister-1", LWWS("zero")},
                                    {"ORSet-1", ORSetS({})},
                                    {"PNCounter-1", PNCounterS(0)}}),
                            ORMapD({.added = {{"LWWRegister-1", LWWD("zero")}}})),
                 SortedCrdtDeltas());
        // 3) two existing keys change.
        s.Send(Process(3, id,
                       Cat({MapUpdate("PNCounter-1", PNChange({+42})),
                            MapUpdate("LWWRegister-1", LWWSet("one"))})));
        s.Expect(ReplyDelta(3,
                            ORMapS({{"LWWRegister-1", LWWS("one")},
                                    {"ORSet-1", ORSetS({})},
                                    {"PNCounter-1", PNCounterS(42)}}),
                            ORMapD({.updated = {{"LWWRegister-1", LWWD("one")},
                                                {"PNCounter-1", PNCounterD(42)}}})),
                 SortedCrdtDeltas());
        // 4) a nested set changes.
        s.Send(Process(4, id, MapUpdate("ORSet-1", ORSetAdd({"a", "b", "c"}))));
        s.Expect(ReplyDelta(4,
                            ORMapS({{"LWWRegister-1", LWWS("one")},
                                    {"ORSet-1", ORSetS({"a", "b", "c"})},
                                    {"PNCounter-1", PNCounterS(42)}}),
                            ORMapD({.updated = {{"ORSet-1", ORSetAdded({"a", "b", "c"})}}})),
                 SortedCrdtDeltas());
        // 5) three entries change in one command.
        s.Send(Process(5, id,
                       Cat({MapUpdate("ORSet-1", Cat({ORSetRemove({"b"}), ORSetAdd({"d"})})),
                            MapUpdate("PNCounter-1", PNChange({-123})),
                            MapUpdate("LWWRegister-1", LWWSet("two"))})));
        s.Expect(ReplyDelta(5,
                            ORMapS({{"LWWRegister-1", LWWS("two")},
                                    {"ORSet-1", ORSetS({"a", "c", "d"})},
                                    {"PNCounter-1", PNCounterS(-81)}}),
                            ORMapD({.updated = {{"LWWRegister-1", LWWD("two")},
                                                {"ORSet-1", ORSetD(false, {"b"}, {"d"})},
                                                {"PNCounter-1", PNCounterD(-123)}}})),
                 SortedCrdtDeltas());
        // 6) a key is removed.
        s.Send(Process(6, id, MapRemove({"ORSet-1"})));
        s.Expect(ReplyDelta(
                     6, ORMapS({{"LWWRegister-1", LWWS("two")}, {"PNCounter-1", PNCounterS(-81)}}),
                     ORMapD({.removed = {"ORSet-1"}})),
                 SortedCrdtDeltas());
        // 7) remove one key and create another by updating it.
        s.Send(
            Process(7, id, Cat({MapRemove({"LWWRegister-1"}), MapUpdate("Flag-1", FlagEnable())})));
        s.Expect(
            ReplyDelta(7, ORMapS({{"Flag-1", FlagS(true)}, {"PNCounter-1", PNCounterS(-81)}}),
                       ORMapD({.removed = {"LWWRegister-1"}, .added = {{"Flag-1", FlagD(true)}}})),
            SortedCrdtDeltas());
        // 8) clear (compared exactly, as in the original).
        s.Send(Process(8, id, MapClear()));
        s.Expect(ReplyDelta(8, ORMapS({}), ORMapD({.cleared = true})));
        // 9) add, clear, create: cleared plus the surviving entry.
        s.Send(Process(
            9, id,
            Cat({MapAdd({"PNCounter-2"}), MapClear(), MapUpdate("GCounter-1", GInc({123}))})));
        s.Expect(ReplyDelta(9, ORMapS({{"GCounter-1", GCounterS(123)}}),
                            ORMapD({.cleared = true, .added = {{"GCounter-1", GCounterD(123)}}})),
                 SortedCrdtDeltas());
        s.Passivate();
      });

  CrdtCase(
      "crdt.ormap_initial_delta_in_init", "C54", {"CRDT-002", "CRDT-034", "CRDT-033", "CRDT-037"},
      "an ORMap starts from init.delta with typed nested values",
      "create the map and each nested value (typed by key prefix) from CrdtInit.delta",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORMap");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id,
                          ORMapD({.added = {{"PNCounter-1", PNCounterD(123)},
                                            {"LWWRegister-1", LWWD("one")},
                                            {"GSet-1", GSetD({"a", "b", "c"})}}})));
        s.Send(Process(1, id));
        s.Expect(ReplyState(1, ORMapS({{"GSet-1", GSetS({"a", "b", "c"})},
                                       {"LWWRegister-1", LWWS("one")},
                                       {"PNCounter-1", PNCounterS(123)}})));
        s.Send(Process(
            2, id, Cat({MapRemove({"LWWRegister-1"}), MapUpdate("PNCounter-1", PNChange({-42}))})));
        s.Expect(
            ReplyDelta(
                2, ORMapS({{"GSet-1", GSetS({"a", "b", "c"})}, {"PNCounter-1", PNCounterS(81)}}),
                ORMapD(
                    {.removed = {"LWWRegister-1"}, .updated = {{"PNCounter-1", PNCounterD(-42)}}})),
            SortedCrdtDeltas());
        s.Passivate();
      });

  CrdtCase("crdt.ormap_initial_empty_state_with_replicated_initial_delta", "C55",
           {"CRDT-003", "CRDT-037", "CRDT-068"},
           "an ORMap delta received after init is applied, entries reported sorted by key",
           "apply CrdtStreamIn.delta as soon as it arrives and sort entries by key in the reply",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(ORMapD({.added = {{"GCounter-1", GCounterD(42)},
                                                  {"ORSet-1", ORSetAdded({"a", "b", "c"})},
                                                  {"Flag-1", FlagD(false)}}})));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, ORMapS({{"Flag-1", FlagS(false)},
                                            {"GCounter-1", GCounterS(42)},
                                            {"ORSet-1", ORSetS({"a", "b", "c"})}})));
             s.Passivate();
           });

  CrdtCase(
      "crdt.ormap_mix_of_local_and_replicated_state_changes", "C56",
      {"CRDT-037", "CRDT-038", "CRDT-032", "CRDT-033", "CRDT-035", "CRDT-036"},
      "ORMap local changes and replicated deltas (incl. nested maps and clear) interleave",
      "apply replicated ORMapDelta as clear, removed, updated (existing keys only), added "
      "(create or merge); nested maps follow the same rules",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORMap");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, MapAdd({"PNCounter-1"})));
        s.Expect(ReplyDelta(1, ORMapS({{"PNCounter-1", PNCounterS(0)}}),
                            ORMapD({.added = {{"PNCounter-1", PNCounterD(0)}}})),
                 SortedCrdtDeltas());
        s.Send(crdt::Delta(ORMapD({.added = {{"ORSet-1", ORSetAdded({"x"})}}})));
        s.Send(crdt::Delta(ORMapD({.updated = {{"ORSet-1", ORSetAdded({"y", "z"})}},
                                   .added = {{"LWWRegister-1", LWWD("one")}}})));
        s.Send(
            Process(2, id, Cat({MapAdd({"ORSet-2"}), MapUpdate("LWWRegister-2", LWWSet("two"))})));
        s.Expect(ReplyDelta(2,
                            ORMapS({{"LWWRegister-1", LWWS("one")},
                                    {"LWWRegister-2", LWWS("two")},
                                    {"ORSet-1", ORSetS({"x", "y", "z"})},
                                    {"ORSet-2", ORSetS({})},
                                    {"PNCounter-1", PNCounterS(0)}}),
                            ORMapD({.added = {{"LWWRegister-2", LWWD("two")},
                                              {"ORSet-2", ORSetD(false, {}, {})}}})),
                 SortedCrdtDeltas());
        s.Send(Process(3, id,
                       Cat({MapUpdate("PNCounter-1", PNChange({+42})),
                            MapUpdate("LWWRegister-1", LWWSet("ONE"))})));
        s.Expect(ReplyDelta(3,
                            ORMapS({{"LWWRegister-1", LWWS("ONE")},
                                    {"LWWRegister-2", LWWS("two")},
                                    {"ORSet-1", ORSetS({"x", "y", "z"})},
                                    {"ORSet-2", ORSetS({})},
                                    {"PNCounter-1", PNCounterS(42)}}),
                            ORMapD({.updated = {{"LWWRegister-1", LWWD("ONE")},
                                                {"PNCounter-1", PNCounterD(42)}}})),
                 SortedCrdtDeltas());
        s.Send(crdt::Delta(ORMapD(
            {.removed = {"LWWRegister-2"},
             .added = {{"ORMap-1", ORMapD({.added = {{"PNCounter-1", PNCounterD(123)}}})}}})));
        s.Send(crdt::Delta(ORMapD(
            {.removed = {"ORSet-1"},
             .updated = {{"ORSet-2", ORSetAdded({"a", "b", "c"})},
                         {"ORMap-1", ORMapD({.added = {{"LWWRegister-1", LWWD("ABC")}}})}}})));
        s.Send(Process(4, id, MapUpdate("ORMap-1", MapUpdate("PNCounter-1", PNChange({-456})))));
        s.Expect(
            ReplyDelta(
                4,
                ORMapS({{"LWWRegister-1", LWWS("ONE")},
                        {"ORMap-1", ORMapS({{"LWWRegister-1", LWWS("ABC")},
                                            {"PNCounter-1", PNCounterS(-333)}})},
                        {"ORSet-2", ORSetS({"a", "b", "c"})},
                        {"PNCounter-1", PNCounterS(42)}}),
                ORMapD({.updated = {{"ORMap-1",
                                     ORMapD({.updated = {{"PNCounter-1", PNCounterD(-456)}}})}}})),
            SortedCrdtDeltas());
        s.Send(
            crdt::Delta(ORMapD({.cleared = true, .added = {{"GSet-1", GSetD({"1", "2", "3"})}}})));
        s.Send(Process(5, id,
                       Cat({MapRemove({"PNCounter-1", "LWWRegister-1"}),
                            MapUpdate("GSet-1", GSetAdd({"2", "4", "6"}))})));
        s.Expect(ReplyDelta(5, ORMapS({{"GSet-1", GSetS({"1", "2", "3", "4", "6"})}}),
                            ORMapD({.updated = {{"GSet-1", GSetD({"4", "6"})}}})),
                 SortedCrdtDeltas());
        s.Send(Process(6, id, Cat({MapClear(), MapAdd({"GCounter-1"})})));
        s.Expect(ReplyDelta(6, ORMapS({{"GCounter-1", GCounterS(0)}}),
                            ORMapD({.cleared = true, .added = {{"GCounter-1", GCounterD(0)}}})));
        s.Send(
            crdt::Delta(ORMapD({.removed = {"GSet-1"}, .added = {{"GCounter-1", GCounterD(42)}}})));
        s.Send(Process(7, id, MapUpdate("GCounter-1", GInc({7}))));
        s.Expect(ReplyDelta(7, ORMapS({{"GCounter-1", GCounterS(49)}}),
                            ORMapD({.updated = {{"GCounter-1", GCounterD(7)}}})));
        s.Passivate();
      });

  CrdtCase("crdt.ormap_rehydration_after_passivation", "C57", {"CRDT-002", "CRDT-037", "CRDT-033"},
           "an ORMap entity restarted on a new stream starts from the accumulated init delta",
           kHintRehydrate, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(crdt::Delta(ORMapD({.added = {{"PNCounter-1", PNCounterD(123)}}})));
               s.Send(Process(1, id, MapUpdate("PNCounter-1", PNChange({+321}))));
               s.Expect(ReplyDelta(1, ORMapS({{"PNCounter-1", PNCounterS(444)}}),
                                   ORMapD({.updated = {{"PNCounter-1", PNCounterD(321)}}})));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id,
                               ORMapD({.added = {{"PNCounter-1", PNCounterD(444)}}})));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, ORMapS({{"PNCounter-1", PNCounterS(444)}})));
             s.Send(crdt::Delta(ORMapD({.updated = {{"PNCounter-1", PNCounterD(-42)}}})));
             s.Send(Process(2, id, MapUpdate("PNCounter-1", PNChange({-360}))));
             s.Expect(ReplyDelta(2, ORMapS({{"PNCounter-1", PNCounterS(42)}}),
                                 ORMapD({.updated = {{"PNCounter-1", PNCounterD(-360)}}})));
             s.Passivate();
           });

  CrdtCase("crdt.ormap_delete_action_received_from_entity", "C58", {"CRDT-044", "CRDT-032"},
           "an ORMap change followed by delete in one command sends only state_action.delete",
           kHintDeleteReceived, [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, MapAdd({"Flag-1"})));
             s.Expect(ReplyDelta(1, ORMapS({{"Flag-1", FlagS(false)}}),
                                 ORMapD({.added = {{"Flag-1", FlagD(false)}}})));
             s.Send(Process(2, id, Cat({MapUpdate("Flag-1", FlagEnable()), DeleteA()})));
             s.Expect(ReplyDeleted(2, ORMapS({{"Flag-1", FlagS(true)}})));
             s.Passivate();
           });

  CrdtCase("crdt.ormap_delete_action_sent_to_entity", "C59", {"CRDT-048"},
           "an ORMap entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("ORMap"));
}

// ---------------------------------------------------------------------------------------------
void RegisterVote() {
  CrdtCase("crdt.vote_initial_empty_state", "C60", {"CRDT-039", "CRDT-069", "CRDT-002"},
           "a new Vote reads (false, 0, 1) and sends no delta", kHintEmpty,
           InitialEmptyState("Vote", VoteS(false, 0, 1)));

  CrdtCase("crdt.vote_state_changes", "C61", {"CRDT-040", "CRDT-041"},
           "a changed self vote sends VoteDelta{self_vote}; an unchanged one sends nothing",
           "send VoteDelta with only self_vote, and only when the vote changes",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, VoteSelf(true)));
             s.Expect(ReplyDelta(1, VoteS(true, 1, 1), VoteD(true)));
             s.Send(Process(2, id, VoteSelf(true)));
             s.Expect(ReplyState(2, VoteS(true, 1, 1)));
             s.Send(Process(3, id, VoteSelf(false)));
             s.Expect(ReplyDelta(3, VoteS(false, 0, 1), VoteD(false)));
             s.Send(Process(4, id, VoteSelf(false)));
             s.Expect(ReplyState(4, VoteS(false, 0, 1)));
             s.Passivate();
           });

  CrdtCase("crdt.vote_initial_delta_in_init", "C62",
           {"CRDT-002", "CRDT-042", "CRDT-040", "CRDT-041"},
           "a Vote starts from init.delta and a local vote adjusts votes_for",
           "take all three fields from CrdtInit.delta; a local vote changes votes_for by one",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, VoteD(true, 2, 3)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, VoteS(true, 2, 3)));
             s.Send(Process(2, id, VoteSelf(false)));
             s.Expect(ReplyDelta(2, VoteS(false, 1, 3), VoteD(false)));
             s.Passivate();
           });

  CrdtCase("crdt.vote_initial_empty_state_with_replicated_initial_delta", "C63",
           {"CRDT-003", "CRDT-042", "CRDT-040", "CRDT-041"},
           "a Vote delta received after init replaces the tally",
           "replace self_vote, votes_for and total_voters with those of the proxy's delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(VoteD(false, 3, 5)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, VoteS(false, 3, 5)));
             s.Send(Process(2, id, VoteSelf(true)));
             s.Expect(ReplyDelta(2, VoteS(true, 4, 5), VoteD(true)));
             s.Passivate();
           });

  CrdtCase("crdt.vote_mix_of_local_and_replicated_state_changes", "C64",
           {"CRDT-042", "CRDT-040", "CRDT-041", "CRDT-004"},
           "Vote local votes and replicated tallies interleave correctly",
           "replicated VoteDeltas are absolute; local votes adjust the current tally",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::Delta(VoteD(false, 2, 4)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, VoteS(false, 2, 4)));
             s.Send(Process(2, id, VoteSelf(true)));
             s.Expect(ReplyDelta(2, VoteS(true, 3, 4), VoteD(true)));
             s.Send(crdt::Delta(VoteD(true, 5, 7)));
             s.Send(crdt::Delta(VoteD(true, 4, 6)));
             s.Send(Process(3, id, VoteSelf(false)));
             s.Expect(ReplyDelta(3, VoteS(false, 3, 6), VoteD(false)));
             s.Passivate();
           });

  CrdtCase("crdt.vote_rehydration_after_passivation", "C65", {"CRDT-002", "CRDT-042", "CRDT-041"},
           "a Vote entity restarted on a new stream starts from the init delta", kHintRehydrate,
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id));
               s.Expect(ReplyState(1, VoteS(false, 0, 1)));
               s.Send(crdt::Delta(VoteD(false, 2, 5)));
               s.Send(Process(2, id, VoteSelf(true)));
               s.Expect(ReplyDelta(2, VoteS(true, 3, 5), VoteD(true)));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, VoteD(true, 3, 5)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, VoteS(true, 3, 5)));
             s.Send(Process(2, id, VoteSelf(false)));
             s.Expect(ReplyDelta(2, VoteS(false, 2, 5), VoteD(false)));
             s.Passivate();
           });

  CrdtCase("crdt.vote_delete_action_received_from_entity", "C66", {"CRDT-044"},
           "a Vote delete action is sent as state_action.delete with the state reply",
           kHintDeleteReceived,
           DeleteReceivedFromEntity("Vote", VoteSelf(true), VoteS(true, 1, 1), VoteD(true)));

  CrdtCase("crdt.vote_delete_action_sent_to_entity", "C67", {"CRDT-048"},
           "a Vote entity receiving CrdtDelete answers nothing and completes", kHintDeleteSent,
           DeleteSentToEntity("Vote"));
}

// ---------------------------------------------------------------------------------------------
void RegisterEffectsAndFailures() {
  CrdtCase("crdt.forward_to_second_service", "C68", {"PROT-016", "CRDT-049"},
           "a forward names CrdtTwo/Call with Request{id} and leaves the state unchanged",
           "forward to cloudstate.tck.model.crdt.CrdtTwo, command Call, payload Request{id}",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GInc({42})));
             s.Expect(ReplyDelta(1, GCounterS(42), GCounterD(42)));
             s.Send(Process(2, id, ForwardA("X-" + id)));
             s.Expect(Forwarded(2, "X-" + id));
             s.Send(Process(3, id));
             s.Expect(ReplyState(3, GCounterS(42)));
             s.Passivate();
           });

  CrdtCase(
      "crdt.forward_with_state_changes", "C69", {"CRDT-049", "PROT-016", "CRDT-015"},
      "a forward carries the command's delta in the same reply",
      "put the state action in the same CrdtReply as the forward", [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("PNCounter");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, Cat({PNChange({-42}), ForwardA("X-" + id)})));
        s.Expect(Forwarded(1, "X-" + id, {.state_action = crdt::UpdateAction(PNCounterD(-42))}));
        s.Passivate();
      });

  CrdtCase("crdt.reply_with_side_effect_to_second_service", "C70", {"PROT-017", "CRDT-049"},
           "a reply carries a side effect to CrdtTwo/Call",
           "side effects go in CrdtReply.side_effects with service, command, payload and "
           "synchronous=false",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GSetAdd({"one"})));
             s.Expect(ReplyDelta(1, GSetS({"one"}), GSetD({"one"})));
             s.Send(Process(2, id, EffectA("X-" + id)));
             s.Expect(crdt::Reply(2, GSetS({"one"}), {.side_effects = {Fx("X-" + id)}}));
             s.Send(Process(3, id));
             s.Expect(ReplyState(3, GSetS({"one"})));
             s.Passivate();
           });

  CrdtCase("crdt.synchronous_side_effect_to_second_service", "C71", {"PROT-017", "CRDT-007"},
           "a synchronous side effect is marked synchronous; no delta without a change",
           "set SideEffect.synchronous as requested", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, EffectA("X-" + id, /*synchronous=*/true)));
             s.Expect(crdt::Reply(1, ORSetS({}), {.side_effects = {Fx("X-" + id, true)}}));
             s.Passivate();
           });

  CrdtCase("crdt.forward_and_side_effect_to_second_service", "C72",
           {"PROT-016", "PROT-017", "CRDT-049", "CRDT-024"},
           "a forward carries both the side effect and the new register's initial delta",
           "a forwarding reply still carries the command's delta and side effects",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("LWWRegister");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, Cat({EffectA("B-" + id), ForwardA("A-" + id)})));
             s.Expect(Forwarded(
                 1, "A-" + id,
                 {.state_action = crdt::UpdateAction(LWWD("")), .side_effects = {Fx("B-" + id)}}));
             s.Passivate();
           });

  CrdtCase("crdt.reply_with_multiple_side_effects", "C73", {"PROT-017"},
           "several side effects are sent in emission order",
           "keep side effects in the order the user code emitted them", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Flag");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, EffectsA({"1", "2", "3"})));
             s.Expect(crdt::Reply(1, FlagS(false), {.side_effects = {Fx("1"), Fx("2"), Fx("3")}}));
             s.Passivate();
           });

  CrdtCase(
      "crdt.reply_with_multiple_side_effects_and_state_changes", "C74",
      {"CRDT-049", "CRDT-032", "PROT-017"},
      "a reply carries the ORMap delta together with several side effects",
      "the reply's state action and side effects must all be in the same CrdtReply",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORMap");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id,
                       Cat({MapAdd({"PNCounter-1"}), MapUpdate("GSet-1", GSetAdd({"a", "b", "c"})),
                            EffectsA({"1", "2", "3"})})));
        s.Expect(
            crdt::Reply(
                1, ORMapS({{"GSet-1", GSetS({"a", "b", "c"})}, {"PNCounter-1", PNCounterS(0)}}),
                {.state_action =
                     crdt::UpdateAction(ORMapD({.added = {{"GSet-1", GSetD({"a", "b", "c"})},
                                                          {"PNCounter-1", PNCounterD(0)}}})),
                 .side_effects = {Fx("1"), Fx("2"), Fx("3")}}),
            SortedCrdtDeltas());
        s.Passivate();
      });

  CrdtCase("crdt.failure_action", "C75", {"CRDT-050", "PROT-022", "PROT-011"},
           "a failing command gets a client-action failure with its id and description",
           "reply ClientAction.failure{command_id, description} with no state action",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, FailA("expected failure")));
             s.Expect(crdt::Failure(1, "expected failure"));
             s.Passivate();
           });

  CrdtCase("crdt.connection_after_failure_action", "C76", {"PROT-023", "CRDT-050"},
           "the stream stays usable after a client-action failure",
           "a client-action failure must not end the entity stream", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, PNChange({+42})));
             s.Expect(ReplyDelta(1, PNCounterS(42), PNCounterD(42)));
             s.Send(Process(2, id, FailA("expected failure")));
             s.Expect(crdt::Failure(2, "expected failure"));
             s.Send(Process(3, id));
             s.Expect(ReplyState(3, PNCounterS(42)));
             s.Passivate();
           });
}

// ---------------------------------------------------------------------------------------------
void RegisterStreamed() {
  CrdtCase("crdt.streamed_responses", "C77", {"CRDT-055", "CRDT-056", "CRDT-070"},
           "a streamed command gets a streamed reply and a streamed message after each change",
           "answer streamed commands with reply.streamed=true and send streamed_message with the "
           "call's command id after every change",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(ProcessStreamed(1, id, StreamedReq(id)));
             s.Expect(crdt::Reply(1, GCounterS(0), {.streamed = true}));
             s.Send(Process(2, id, GInc({1})));
             s.Expect(ReplyDelta(2, GCounterS(1), GCounterD(1)));
             s.Expect(crdt::Streamed(1, GCounterS(1)));
             s.Send(Process(3, id, GInc({2})));
             s.Expect(ReplyDelta(3, GCounterS(3), GCounterD(2)));
             s.Expect(crdt::Streamed(1, GCounterS(3)));
             s.Send(Process(4, id, GInc({3})));
             s.Expect(ReplyDelta(4, GCounterS(6), GCounterD(3)));
             s.Expect(crdt::Streamed(1, GCounterS(6)));
             s.Passivate();
           });

  CrdtCase("crdt.streamed_responses_with_stream_ending_action", "C78", {"CRDT-057", "CRDT-070"},
           "a streamed call ends with end_stream=true and sends nothing afterwards",
           "set end_stream on the last streamed message and stop notifying that call",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             tm::StreamedRequest request = StreamedReq(id);
             *request.mutable_end_state() = GCounterS(3).state();
             s.Send(ProcessStreamed(1, id, request));
             s.Expect(crdt::Reply(1, GCounterS(0), {.streamed = true}));
             s.Send(Process(2, id, GInc({1})));
             s.Expect(ReplyDelta(2, GCounterS(1), GCounterD(1)));
             s.Expect(crdt::Streamed(1, GCounterS(1)));
             s.Send(Process(3, id, GInc({2})));
             s.Expect(ReplyDelta(3, GCounterS(3), GCounterD(2)));
             s.Expect(crdt::Streamed(1, GCounterS(3), {}, /*end_stream=*/true));
             s.Send(Process(4, id, GInc({3})));
             s.Expect(ReplyDelta(4, GCounterS(6), GCounterD(3)));
             s.Passivate();
           });

  CrdtCase("crdt.streamed_responses_with_cancellation", "C79", {"CRDT-060", "CRDT-056", "CRDT-070"},
           "cancelling a streamed call runs the cancel handler, whose change is sent in the "
           "cancelled response",
           "answer stream_cancelled with stream_cancelled_response{command_id, state_action}",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             tm::StreamedRequest request = StreamedReq(id);
             *request.mutable_cancel_update() = PNCounterU(-42);
             s.Send(ProcessStreamed(1, id, request));
             s.Expect(crdt::Reply(1, PNCounterS(0), {.streamed = true}));
             s.Send(Process(2, id, PNChange({+10})));
             s.Expect(ReplyDelta(2, PNCounterS(10), PNCounterD(10)));
             s.Expect(crdt::Streamed(1, PNCounterS(10)));
             s.Send(Process(3, id, PNChange({+20})));
             s.Expect(ReplyDelta(3, PNCounterS(30), PNCounterD(20)));
             s.Expect(crdt::Streamed(1, PNCounterS(30)));
             s.Send(crdt::StreamCancelled(id, 1));
             s.Expect(crdt::StreamCancelledResponse(1, crdt::UpdateAction(PNCounterD(-42))));
             s.Send(Process(4, id));
             s.Expect(ReplyState(4, PNCounterS(-12)));
             s.Send(Process(5, id, PNChange({+30})));
             s.Expect(ReplyDelta(5, PNCounterS(18), PNCounterD(30)));
             s.Passivate();
           });

  CrdtCase("crdt.empty_streamed_responses_with_cancellation", "C80",
           {"CRDT-058", "CRDT-060", "CRDT-070"},
           "an empty streamed call replies without a client action and still handles cancellation",
           "a streamed reply may have no client_action; still set streamed=true",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("PNCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, PNChange({+10})));
             s.Expect(ReplyDelta(1, PNCounterS(10), PNCounterD(10)));
             tm::StreamedRequest request = StreamedReq(id);
             *request.mutable_cancel_update() = PNCounterU(-42);
             request.set_empty(true);
             s.Send(ProcessStreamed(2, id, request));
             s.Expect(crdt::NoReply(2, {.streamed = true}));
             s.Send(crdt::StreamCancelled(id, 2));
             s.Expect(crdt::StreamCancelledResponse(2, crdt::UpdateAction(PNCounterD(-42))));
             s.Send(Process(3, id));
             s.Expect(ReplyState(3, PNCounterS(-32)));
             s.Passivate();
           });

  CrdtCase("crdt.streamed_responses_with_side_effects", "C81", {"CRDT-056", "PROT-017", "CRDT-070"},
           "streamed messages carry the side effects the change handler emitted",
           "put the change handler's side effects on the streamed_message, in order",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             tm::StreamedRequest request = StreamedReq(id);
             auto* one = request.add_effects();
             one->set_id("one");
             auto* two = request.add_effects();
             two->set_id("two");
             two->set_synchronous(true);
             s.Send(ProcessStreamed(1, id, request));
             s.Expect(crdt::Reply(1, GSetS({}), {.streamed = true}));
             s.Send(Process(2, id, GSetAdd({"a"})));
             s.Expect(ReplyDelta(2, GSetS({"a"}), GSetD({"a"})));
             s.Expect(crdt::Streamed(1, GSetS({"a"}), {Fx("one"), Fx("two", true)}));
             s.Send(Process(3, id, GSetAdd({"b"})));
             s.Expect(ReplyDelta(3, GSetS({"a", "b"}), GSetD({"b"})));
             s.Expect(crdt::Streamed(1, GSetS({"a", "b"}), {Fx("one"), Fx("two", true)}));
             s.Passivate();
           });

  CrdtCase("crdt.write_consistency_can_be_configured", "C82", {"CRDT-065"},
           "the requested write consistency (LOCAL, MAJORITY, ALL) is passed on",
           "set state_action.write_consistency to the consistency user code requested",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, {UpdateAction(GCounterU(1, tm::LOCAL))}));
             s.Expect(ReplyDelta(1, GCounterS(1), GCounterD(1), pc::LOCAL));
             s.Send(Process(2, id, {UpdateAction(GCounterU(2, tm::MAJORITY))}));
             s.Expect(ReplyDelta(2, GCounterS(3), GCounterD(2), pc::MAJORITY));
             s.Send(Process(3, id, {UpdateAction(GCounterU(3, tm::ALL))}));
             s.Expect(ReplyDelta(3, GCounterS(6), GCounterD(3), pc::ALL));
             s.Passivate();
           });
}

}  // namespace

TCK_CASES(CrdtOriginalCases) {
  RegisterDiscovery();
  RegisterGCounter();
  RegisterPNCounter();
  RegisterGSet();
  RegisterORSet();
  RegisterLWWRegister();
  RegisterFlag();
  RegisterORMap();
  RegisterVote();
  RegisterEffectsAndFailures();
  RegisterStreamed();
}

}  // namespace cloudstate::tck::crdt_cases
