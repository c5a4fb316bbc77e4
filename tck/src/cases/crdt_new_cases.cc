// CRDT cases the original Cloudstate TCK did not have. Each closes a gap listed in the TCK catalog
// §4 and checks a rule of spec/crdt.md or spec/protocol.md from the user function's side: protocol
// violations on the CRDT stream, atomicity of failed commands, write consistency on every type,
// cancellation edge cases, re-creation after delete, nested maps, clocks, multi-voter tallies,
// concurrent streams, large and non-ASCII values, and overlapping commands.

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "crdt_helpers.h"
#include "robustness.h"

namespace cloudstate::tck::crdt_cases {
namespace {

tm::Update FirstUpdate(const Actions& actions) { return actions.front().update(); }

// ---- protocol violations on the CRDT stream -----------------------------------------------------

// A reaction to an undefined input: a stream-level failure, or a client-action failure for
// `command_id` without a state action.
cases::Rejection ClassifyRejection(const crdt::Out& out, int64_t command_id) {
  if (out.has_failure()) {
    return cases::Rejection::kStreamFailure;
  }
  if (out.has_reply() && out.reply().command_id() == command_id &&
      out.reply().client_action().has_failure() && !out.reply().has_state_action()) {
    return cases::Rejection::kCommandFailure;
  }
  return cases::Rejection::kNone;
}

// Requires an orderly reaction (PROT-034) on `s`; after a command failure the stream is closed.
void ExpectOrderly(CaseContext& ctx, CrdtStream& s, int64_t command_id, bool ignorable = false,
                   const std::function<void()>& still_serves = nullptr) {
  cases::ExpectOrderlyReaction<crdt::In, crdt::Out>(
      ctx, s, [command_id](const crdt::Out& out) { return ClassifyRejection(out, command_id); },
      {.silence_ok = ignorable, .still_serves = [&] {
         if (still_serves) {
           still_serves();
         } else {
           s.Close();
           s.ExpectEnded();
         }
       }});
}

CaseBuilder AddRobustness(const char* name, std::vector<std::string> rules, const char* description,
                          const char* hint, CaseBody body) {
  CaseBuilder builder = CrdtCase(name, std::move(rules), description, hint, std::move(body));
  builder.Robustness();
  return builder;
}

void RegisterProtocolErrors() {
  AddRobustness(
      "crdt.delta_of_wrong_type_fails_stream", {"PROT-034", "PROT-041"},
      "a proxy delta of another CRDT type gets an orderly reaction, not a crash",
      "check the delta's type against the entity's value; answer a mismatch with "
      "CrdtStreamOut.failure (or end the call with an error) and keep serving other streams",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("GCounter");
        {
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id, GCounterD(5)));
          s.Send(Process(1, id));
          s.Expect(ReplyState(1, GCounterS(5)));
          s.Send(crdt::Delta(PNCounterD(3)));
          s.SendIfOpen(Process(2, id));
          ExpectOrderly(ctx, s, 2);
        }
        ExpectFunctionStillServes(ctx);
      });

  AddRobustness("crdt.command_before_init_fails_stream", {"PROT-034", "PROT-037"},
                "a command before init on a CRDT stream gets an orderly reaction",
                "require init as the first message of every Crdt/handle stream",
                [](CaseContext& ctx) {
                  const std::string id = ctx.NewEntityId("GCounter");
                  {
                    auto s = ctx.Crdt();
                    s.Send(Process(1, id, GInc({1})));
                    ExpectOrderly(ctx, s, 1);
                  }
                  ExpectFunctionStillServes(ctx);
                });

  AddRobustness("crdt.second_init_fails_stream", {"PROT-034", "PROT-037"},
                "a second init on one CRDT stream gets an orderly reaction",
                "treat a repeated init as a protocol violation", [](CaseContext& ctx) {
                  const std::string id = ctx.NewEntityId("GCounter");
                  {
                    auto s = ctx.Crdt();
                    s.Send(crdt::Init(kCrdtTckModel, id));
                    s.Send(Process(1, id, GInc({1})));
                    s.Expect(ReplyDelta(1, GCounterS(1), GCounterD(1)));
                    s.Send(crdt::Init(kCrdtTckModel, id));
                    s.SendIfOpen(Process(2, id));
                    ExpectOrderly(ctx, s, 2);
                  }
                  ExpectFunctionStillServes(ctx);
                });

  AddRobustness(
      "crdt.empty_stream_message_fails_stream", {"PROT-034", "PROT-038"},
      "a CrdtStreamIn with no oneof member gets an orderly reaction (ignoring it is orderly when "
      "the stream goes on serving)",
      "fail the stream on an empty CrdtStreamIn, or ignore it and keep serving",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("GCounter");
        {
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(crdt::In());
          ExpectOrderly(ctx, s, 1, /*ignorable=*/true, [&] {
            s.Send(Process(1, id, GInc({2})));
            s.Expect(ReplyDelta(1, GCounterS(2), GCounterD(2)));
            s.Passivate();
          });
        }
        ExpectFunctionStillServes(ctx);
      });

  AddRobustness(
      "crdt.unknown_command_name_fails_command", {"PROT-034", "PROT-036"},
      "a command with an unknown name gets an orderly reaction; after a command failure the "
      "stream goes on",
      "fail the command (or the stream) for unknown command names; never apply them as another "
      "method",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("GCounter");
        {
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(crdt::Command(1, id, "NoSuchCommand", Req(id, GInc({1}))));
          ExpectOrderly(ctx, s, 1, /*ignorable=*/false, [&] {
            s.Send(Process(2, id));
            s.Expect(ReplyState(2, GCounterS(0)));
            s.Passivate();
          });
        }
        ExpectFunctionStillServes(ctx);
      });
}

// ---- failures are atomic ------------------------------------------------------------------------

void RegisterFailureAtomicity() {
  // Optional (CRDT-073): the reference SDKs differ here. The Java SDK treats a change before a
  // failure as a usage error and ends the stream; the JavaScript SDK keeps the change and sends it
  // with the next reply.
  CrdtCase(
      "crdt.failure_discards_state_change", {"CRDT-073"},
      "a command that changes a GCounter and then fails sends no delta and keeps no change",
      "on failure roll back the command's changes: no state action, and the next delta must not "
      "include them",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("GCounter");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, GInc({5})));
        s.Expect(ReplyDelta(1, GCounterS(5), GCounterD(5)));
        s.Send(Process(2, id, Cat({GInc({3}), FailA("expected failure")})));
        s.Expect(crdt::Failure(2, "expected failure"));
        s.Send(Process(3, id));
        s.Expect(ReplyState(3, GCounterS(5)));
        s.Send(Process(4, id, GInc({1})));
        s.Expect(ReplyDelta(4, GCounterS(6), GCounterD(1)));
        s.Passivate();
      })
      .Optional();

  CrdtCase("crdt.failure_discards_ormap_change", {"CRDT-073"},
           "an ORMap command that creates entries and then fails keeps none of them",
           "roll back map changes (including newly created entries) when the command fails",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id,
                            Cat({MapAdd({"PNCounter-1"}), MapUpdate("GSet-1", GSetAdd({"x"})),
                                 FailA("expected failure")})));
             s.Expect(crdt::Failure(1, "expected failure"));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, ORMapS({})));
             s.Send(Process(3, id, MapAdd({"Flag-1"})));
             s.Expect(ReplyDelta(3, ORMapS({{"Flag-1", FlagS(false)}}),
                                 ORMapD({.added = {{"Flag-1", FlagD(false)}}})));
             s.Passivate();
           })
      .Optional();

  CrdtCase("crdt.failure_drops_side_effects", {"CRDT-051"},
           "a failing command's reply carries no side effects",
           "drop the side effects emitted before the failure",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, Cat({EffectA("X-" + id), FailA("expected failure")})));
             s.Expect(crdt::Failure(1, "expected failure"));
             s.Passivate();
           })
      .Optional();
}

// ---- write consistency on the other types -------------------------------------------------------

void RegisterWriteConsistency() {
  CrdtCase(
      "crdt.write_consistency_on_counters_and_sets", {"CRDT-065"},
      "MAJORITY and ALL are passed on for PNCounter, GSet and ORSet deltas",
      "set state_action.write_consistency from the update for every CRDT type",
      [](CaseContext& ctx) {
        {
          const std::string id = ctx.NewEntityId("PNCounter");
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(Process(1, id, {UpdateAction(PNCounterU(5, tm::MAJORITY))}));
          s.Expect(ReplyDelta(1, PNCounterS(5), PNCounterD(5), pc::MAJORITY));
          s.Send(Process(2, id, {UpdateAction(PNCounterU(-2, tm::ALL))}));
          s.Expect(ReplyDelta(2, PNCounterS(3), PNCounterD(-2), pc::ALL));
          s.Passivate();
        }
        {
          const std::string id = ctx.NewEntityId("GSet");
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(Process(1, id,
                         {UpdateAction(WithConsistency(FirstUpdate(GSetAdd({"a"})), tm::ALL))}));
          s.Expect(ReplyDelta(1, GSetS({"a"}), GSetD({"a"}), pc::ALL));
          s.Passivate();
        }
        {
          const std::string id = ctx.NewEntityId("ORSet");
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          s.Send(Process(
              1, id, {UpdateAction(WithConsistency(FirstUpdate(ORSetAdd({"a"})), tm::MAJORITY))}));
          s.Expect(ReplyDelta(1, ORSetS({"a"}), ORSetAdded({"a"}), pc::MAJORITY));
          s.Send(Process(2, id, ORSetAdd({"b"})));
          s.Expect(ReplyDelta(2, ORSetS({"a", "b"}), ORSetAdded({"b"})));
          // Removing an element that is not the last one: a plain removal, whatever the SDK
          // does for the last element (crdt.orset_remove_last_element).
          s.Send(Process(
              3, id, {UpdateAction(WithConsistency(FirstUpdate(ORSetRemove({"a"})), tm::ALL))}));
          s.Expect(ReplyDelta(3, ORSetS({"b"}), ORSetD(false, {"a"}, {}), pc::ALL));
          s.Passivate();
        }
      });

  CrdtCase(
      "crdt.orset_remove_last_element", {"CRDT-019"},
      "removing the only element of an ORSet sends `removed: [a]` or, as the reference SDKs do, "
      "`cleared: true`",
      "send the net difference: the removed element, or a clear when the set ends up empty",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORSet");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, ORSetAdd({"a"})));
        s.Expect(ReplyDelta(1, ORSetS({"a"}), ORSetAdded({"a"})));
        s.Send(Process(2, id, ORSetRemove({"a"})));
        const crdt::Out removed = ReplyDelta(2, ORSetS({}), ORSetD(false, {"a"}, {}));
        const crdt::Out cleared = ReplyDelta(2, ORSetS({}), ORSetD(true, {}, {}));
        s.ExpectThat(
            "a reply with ORSetDelta{removed: [a]} or ORSetDelta{cleared: true}",
            [&](const crdt::Out& out) -> std::string {
              if (CompareMessages(removed, out).equal || CompareMessages(cleared, out).equal) {
                return "";
              }
              return CompareMessages(removed, out).diff;
            });
        s.Send(Process(3, id));
        s.Expect(ReplyState(3, ORSetS({})));
        s.Passivate();
      });

  CrdtCase("crdt.write_consistency_on_register_flag_vote_and_map", {"CRDT-065"},
           "MAJORITY and ALL are passed on for LWWRegister, Flag, Vote and ORMap deltas",
           "set state_action.write_consistency from the update for every CRDT type",
           [](CaseContext& ctx) {
             {
               const std::string id = ctx.NewEntityId("LWWRegister");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, {UpdateAction(WithConsistency(LWWU("x"), tm::MAJORITY))}));
               s.Expect(ReplyDelta(1, LWWS("x"), LWWD("x"), pc::MAJORITY));
               s.Send(Process(2, id, {UpdateAction(WithConsistency(LWWU("y"), tm::ALL))}));
               s.Expect(ReplyDelta(2, LWWS("y"), LWWD("y"), pc::ALL));
               s.Passivate();
             }
             {
               const std::string id = ctx.NewEntityId("Flag");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id,
                              {UpdateAction(WithConsistency(FirstUpdate(FlagEnable()), tm::ALL))}));
               s.Expect(ReplyDelta(1, FlagS(true), FlagD(true), pc::ALL));
               s.Passivate();
             }
             {
               const std::string id = ctx.NewEntityId("Vote");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, {UpdateAction(WithConsistency(VoteU(true), tm::MAJORITY))}));
               s.Expect(ReplyDelta(1, VoteS(true, 1, 1), VoteD(true), pc::MAJORITY));
               s.Passivate();
             }
             {
               const std::string id = ctx.NewEntityId("ORMap");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(
                   1, id,
                   {UpdateAction(WithConsistency(FirstUpdate(MapAdd({"GCounter-1"})), tm::ALL))}));
               s.Expect(ReplyDelta(1, ORMapS({{"GCounter-1", GCounterS(0)}}),
                                   ORMapD({.added = {{"GCounter-1", GCounterD(0)}}}), pc::ALL));
               s.Passivate();
             }
           });
}

// ---- streamed commands and cancellation ---------------------------------------------------------

void RegisterStreamedEdges() {
  CrdtCase("crdt.cancel_of_unknown_streamed_command_is_tolerated", {"CRDT-060"},
           "stream_cancelled for a command id with no open call does not break the stream",
           "answer (or ignore) a cancellation for an unknown id without failing the stream; "
           "any response must carry that id and no state action",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(crdt::StreamCancelled(id, 99));
             s.Send(Process(1, id, GInc({2})));
             auto first = s.Receive();
             if (!first) {
               return;
             }
             if (first->has_stream_cancelled_response()) {
               crdt::Out expected = crdt::StreamCancelledResponse(99);
               CompareResult r = CompareMessages(expected, *first);
               if (!ctx.Check(r.equal,
                              "the response to the unknown cancellation must be "
                              "stream_cancelled_response{command_id: 99} with nothing else")) {
                 ctx.Note(r.diff);
                 return;
               }
               s.Expect(ReplyDelta(1, GCounterS(2), GCounterD(2)));
             } else {
               crdt::Out expected = ReplyDelta(1, GCounterS(2), GCounterD(2));
               CompareResult r = CompareMessages(expected, *first);
               if (!ctx.Check(r.equal,
                              "expected the reply to command 1 (or a cancelled response "
                              "for id 99) after the unknown cancellation")) {
                 ctx.Note(r.diff);
                 return;
               }
             }
             s.Passivate();
           });

  CrdtCase("crdt.streamed_call_notified_of_replicated_delta", {"CRDT-056", "CRDT-003"},
           "a delta from the proxy produces a streamed message on an open streamed call",
           "run the change handlers of open streamed calls after applying a proxy delta too",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(ProcessStreamed(1, id, StreamedReq(id)));
             s.Expect(crdt::Reply(1, GCounterS(0), {.streamed = true}));
             s.Send(crdt::Delta(GCounterD(5)));
             s.Expect(crdt::Streamed(1, GCounterS(5)));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, GCounterS(5)));
             s.Passivate();
           });

  CrdtCase("crdt.cancellation_without_cancel_update_and_no_more_notifications", {"CRDT-060"},
           "a cancelled streamed call gets an empty cancelled response and no further messages",
           "answer stream_cancelled with stream_cancelled_response{command_id} and stop notifying "
           "that call",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(ProcessStreamed(1, id, StreamedReq(id)));
             s.Expect(crdt::Reply(1, ORSetS({}), {.streamed = true}));
             s.Send(crdt::StreamCancelled(id, 1));
             s.Expect(crdt::StreamCancelledResponse(1));
             s.Send(Process(2, id, ORSetAdd({"a"})));
             s.Expect(ReplyDelta(2, ORSetS({"a"}), ORSetAdded({"a"})));
             s.Passivate();  // a streamed message for call 1 would arrive here and fail the case
           });

  CrdtCase("crdt.overlapping_commands_correlated_by_id", {"CRDT-006", "PROT-011"},
           "three commands sent before any reply are each answered once with their own id",
           "correlate replies by command id; do not drop or merge commands that arrive together",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GInc({1})));
             s.Send(Process(2, id, GInc({2})));
             s.Send(Process(3, id));
             std::map<int64_t, crdt::Out> expected = {
                 {1, ReplyDelta(1, GCounterS(1), GCounterD(1))},
                 {2, ReplyDelta(2, GCounterS(3), GCounterD(2))},
                 {3, ReplyState(3, GCounterS(3))},
             };
             for (int i = 0; i < 3 && !ctx.failed(); ++i) {
               auto got = s.Receive();
               if (!got) {
                 return;
               }
               if (!ctx.Check(got->has_reply(), "expected a CrdtReply")) {
                 return;
               }
               auto it = expected.find(got->reply().command_id());
               if (!ctx.Check(it != expected.end(),
                              absl::StrCat("reply for unexpected or repeated command id ",
                                           got->reply().command_id()))) {
                 return;
               }
               CompareResult r = CompareMessages(it->second, *got);
               if (!ctx.Check(r.equal, absl::StrCat("reply to command ", it->first, " differs"))) {
                 ctx.Note(r.diff);
                 return;
               }
               expected.erase(it);
             }
             s.Passivate();
           });
}

// ---- lifecycle ----------------------------------------------------------------------------------

void RegisterLifecycle() {
  CrdtCase("crdt.recreated_after_delete_on_new_stream", {"CRDT-048", "CRDT-002"},
           "after CrdtDelete a new stream for the same id without init.delta starts empty",
           "discard the value on delete; a new stream starts only from its own init",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id, GCounterD(3)));
               s.Send(Process(1, id));
               s.Expect(ReplyState(1, GCounterS(3)));
               s.Send(crdt::Delete());
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, GCounterS(0)));
             s.Send(Process(2, id, GInc({2})));
             s.Expect(ReplyDelta(2, GCounterS(2), GCounterD(2)));
             s.Passivate();
           });

  CrdtCase("crdt.recreated_after_delete_action_on_new_stream", {"CRDT-044", "CRDT-002"},
           "after a user delete a new stream for the same id starts from its own (empty) init",
           "keep no value across streams after the entity deleted itself", [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORSet");
             {
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, ORSetAdd({"a"})));
               s.Expect(ReplyDelta(1, ORSetS({"a"}), ORSetAdded({"a"})));
               s.Send(Process(2, id, DeleteA()));
               s.Expect(ReplyDeleted(2, ORSetS({"a"})));
               s.Passivate();
             }
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, ORSetAdd({"b"})));
             s.Expect(ReplyDelta(1, ORSetS({"b"}), ORSetAdded({"b"})));
             s.Passivate();
           });

  CrdtCase("crdt.two_streams_of_same_entity_are_independent", {"CRDT-004", "CRDT-002"},
           "two concurrent streams for one entity id keep separate values",
           "keep the value per stream, not per entity id; a change on one stream reaches another "
           "only as a proxy delta",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GCounter");
             auto a = ctx.Crdt();
             auto b = ctx.Crdt();
             a.Send(crdt::Init(kCrdtTckModel, id));
             b.Send(crdt::Init(kCrdtTckModel, id, GCounterD(10)));
             a.Send(Process(1, id, GInc({1})));
             a.Expect(ReplyDelta(1, GCounterS(1), GCounterD(1)));
             b.Send(Process(1, id));
             b.Expect(ReplyState(1, GCounterS(10)));
             b.Send(Process(2, id, GInc({2})));
             b.Expect(ReplyDelta(2, GCounterS(12), GCounterD(2)));
             a.Send(Process(2, id));
             a.Expect(ReplyState(2, GCounterS(1)));
             a.Passivate();
             b.Passivate();
           });
}

// ---- per-type edges -----------------------------------------------------------------------------

void RegisterTypeEdges() {
  CrdtCase(
      "crdt.ormap_nested_map_local_changes", {"CRDT-038", "CRDT-032", "CRDT-033", "CRDT-034"},
      "local changes inside a nested ORMap produce nested added/updated/removed deltas",
      "apply the map rules recursively: a new nested map is added with its full delta, later "
      "changes appear as updated entries holding nested ORMapDeltas",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ORMap");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        s.Send(Process(1, id, MapUpdate("ORMap-1", MapUpdate("GCounter-1", GInc({5})))));
        s.Expect(
            ReplyDelta(1, ORMapS({{"ORMap-1", ORMapS({{"GCounter-1", GCounterS(5)}})}}),
                       ORMapD({.added = {{"ORMap-1",
                                          ORMapD({.added = {{"GCounter-1", GCounterD(5)}}})}}})),
            SortedCrdtDeltas());
        s.Send(Process(2, id, MapUpdate("ORMap-1", MapUpdate("ORSet-1", ORSetAdd({"x"})))));
        s.Expect(ReplyDelta(
                     2,
                     ORMapS({{"ORMap-1",
                              ORMapS({{"GCounter-1", GCounterS(5)}, {"ORSet-1", ORSetS({"x"})}})}}),
                     ORMapD({.updated = {{"ORMap-1",
                                          ORMapD({.added = {{"ORSet-1", ORSetAdded({"x"})}}})}}})),
                 SortedCrdtDeltas());
        s.Send(crdt::Delta(ORMapD(
            {.updated = {{"ORMap-1", ORMapD({.updated = {{"ORSet-1", ORSetAdded({"y"})}}})}}})));
        s.Send(Process(3, id, MapUpdate("ORMap-1", MapRemove({"GCounter-1"}))));
        s.Expect(
            ReplyDelta(3, ORMapS({{"ORMap-1", ORMapS({{"ORSet-1", ORSetS({"x", "y"})}})}}),
                       ORMapD({.updated = {{"ORMap-1", ORMapD({.removed = {"GCounter-1"}})}}})),
            SortedCrdtDeltas());
        s.Passivate();
      });

  CrdtCase("crdt.ormap_no_op_operations_send_no_delta", {"CRDT-036", "CRDT-007"},
           "adding an existing key, removing an absent key and a no-op entry change send no delta",
           "only real changes contribute to the map delta; a command of no-ops has no state action",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, ORMapD({.added = {{"GSet-1", GSetD({"a"})}}})));
             s.Send(Process(1, id,
                            Cat({MapAdd({"GSet-1"}), MapRemove({"Flag-9"}),
                                 MapUpdate("GSet-1", GSetAdd({"a"}))})));
             s.Expect(ReplyState(1, ORMapS({{"GSet-1", GSetS({"a"})}})));
             s.Passivate();
           });

  CrdtCase(
      "crdt.lwwregister_custom_auto_increment_clock", {"CRDT-022", "CRDT-023"},
      "CUSTOM_AUTO_INCREMENT deltas carry the custom clock value; repeating an identical set may "
      "send a delta (the clock advances) or none",
      "send clock and custom_clock_value with every changed register delta", [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("LWWRegister");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id, LWWD("start")));
        s.Send(Process(1, id, LWWSet("A", tm::CUSTOM_AUTO_INCREMENT, 10)));
        s.Expect(ReplyDelta(1, LWWS("A"), LWWD("A", pc::CUSTOM_AUTO_INCREMENT, 10)));
        s.Send(Process(2, id, LWWSet("A", tm::CUSTOM_AUTO_INCREMENT, 10)));
        // The Java and JavaScript reference SDKs send a delta here: with an auto-incremented
        // clock every set is a new write (CRDT-023).
        const crdt::Out none = ReplyState(2, LWWS("A"));
        const crdt::Out again = ReplyDelta(2, LWWS("A"), LWWD("A", pc::CUSTOM_AUTO_INCREMENT, 10));
        s.ExpectThat("a reply without a delta, or with the same register delta",
                     [&](const crdt::Out& out) -> std::string {
                       if (CompareMessages(none, out).equal || CompareMessages(again, out).equal) {
                         return "";
                       }
                       return CompareMessages(again, out).diff;
                     });
        s.Send(Process(3, id, LWWSet("B", tm::CUSTOM_AUTO_INCREMENT, 10)));
        s.Expect(ReplyDelta(3, LWWS("B"), LWWD("B", pc::CUSTOM_AUTO_INCREMENT, 10)));
        s.Send(Process(4, id, LWWSet("B", tm::CUSTOM_AUTO_INCREMENT, 11)));
        s.Expect(ReplyDelta(4, LWWS("B"), LWWD("B", pc::CUSTOM_AUTO_INCREMENT, 11)));
        s.Send(Process(5, id, LWWSet("B")));
        s.Expect(ReplyDelta(5, LWWS("B"), LWWD("B")));
        s.Passivate();
      });

  CrdtCase("crdt.vote_multiple_voters_from_replicated_deltas", {"CRDT-042", "CRDT-041", "CRDT-040"},
           "a Vote follows multi-voter tallies from the proxy and adjusts them for local votes",
           "replace the whole tally on each proxy VoteDelta; local votes change votes_for by one",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id, VoteD(false, 0, 3)));
             s.Send(crdt::Delta(VoteD(false, 2, 3)));
             s.Send(Process(1, id));
             s.Expect(ReplyState(1, VoteS(false, 2, 3)));
             s.Send(Process(2, id, VoteSelf(true)));
             s.Expect(ReplyDelta(2, VoteS(true, 3, 3), VoteD(true)));
             s.Send(crdt::Delta(VoteD(true, 2, 5)));
             s.Send(Process(3, id, VoteSelf(true)));
             s.Expect(ReplyState(3, VoteS(true, 2, 5)));
             s.Send(Process(4, id, VoteSelf(false)));
             s.Expect(ReplyDelta(4, VoteS(false, 1, 5), VoteD(false)));
             s.Send(crdt::Delta(VoteD(false, 4, 5)));
             s.Send(Process(5, id));
             s.Expect(ReplyState(5, VoteS(false, 4, 5)));
             s.Passivate();
           });

  CrdtCase("crdt.gset_one_mib_element", {"PROT-009", "CRDT-017"},
           "a 1 MiB GSet element is carried in the command, the state and the delta",
           "do not limit element or message sizes below what 1 MiB values need",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("GSet");
             std::string big(1024 * 1024, 'x');
             big.replace(0, 5, "big1-");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, GSetAdd({big})));
             s.Expect(ReplyDelta(1, GSetS({big}), GSetD({big})));
             s.Send(Process(2, id, GSetAdd({"small"})));
             s.Expect(ReplyDelta(2, GSetS({big, "small"}), GSetD({"small"})));
             s.Passivate();
           });

  CrdtCase("crdt.non_ascii_elements_and_keys", {"PROT-006", "CRDT-068"},
           "non-ASCII set elements and map keys round-trip as UTF-8 p.cloudstate.io/string values",
           "encode strings as UTF-8 StringValue bytes and sort by code point",
           [](CaseContext& ctx) {
             {
               const std::string id = ctx.NewEntityId("ORSet");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id, ORSetAdded({"zebra"})));
               s.Send(Process(1, id, ORSetAdd({"日本語", "ärger", "Ωmega"})));
               s.Expect(ReplyDelta(1, ORSetS({"zebra", "ärger", "Ωmega", "日本語"}),
                                   ORSetAdded({"ärger", "Ωmega", "日本語"})),
                        SortedCrdtDeltas());
               s.Send(Process(2, id, ORSetRemove({"Ωmega"})));
               s.Expect(ReplyDelta(2, ORSetS({"zebra", "ärger", "日本語"}),
                                   ORSetD(false, {"Ωmega"}, {})));
               s.Passivate();
             }
             {
               const std::string id = ctx.NewEntityId("ORMap");
               auto s = ctx.Crdt();
               s.Send(crdt::Init(kCrdtTckModel, id));
               s.Send(Process(1, id, MapUpdate("GSet-ключ", GSetAdd({"😀"}))));
               s.Expect(ReplyDelta(1, ORMapS({{"GSet-ключ", GSetS({"😀"})}}),
                                   ORMapD({.added = {{"GSet-ключ", GSetD({"😀"})}}})));
               s.Passivate();
             }
           });
}

}  // namespace

TCK_CASES(CrdtNewCases) {
  RegisterProtocolErrors();
  RegisterFailureAtomicity();
  RegisterWriteConsistency();
  RegisterStreamedEdges();
  RegisterLifecycle();
  RegisterTypeEdges();
}

}  // namespace cloudstate::tck::crdt_cases
