// CRDT cases for the holes a mutation run of the reference SDK found: a replicated vote that
// differs from the node's own, an ORMap key added and removed in one command, a delete carrying
// the requested write consistency, and a streamed call whose opening command changes the value.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "cloudstate/tck/discovery.h"
#include "crdt_helpers.h"

namespace cloudstate::tck::crdt_cases {
namespace {

tm::RequestAction Consistent(tm::Update update, tm::UpdateWriteConsistency consistency) {
  return UpdateAction(WithConsistency(std::move(update), consistency));
}

}  // namespace

TCK_CASES(CrdtCoverage) {
  CrdtCase("crdt.vote_replicated_change_then_command_without_vote", {"CRDT-040", "CRDT-042"},
           "after a replicated VoteDelta whose self_vote differs from the vote this node sent, a "
           "command that does not vote sends no delta, and voting the replicated value again "
           "neither",
           "take self_vote from the proxy's delta as the acknowledged vote; send a VoteDelta only "
           "when user code changes the vote from its current value",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("Vote");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, VoteSelf(true)));
             s.Expect(ReplyDelta(1, VoteS(true, 1, 1), VoteD(true)));
             s.Send(crdt::Delta(VoteD(false, 2, 3)));
             s.Send(Process(2, id));
             s.Expect(ReplyState(2, VoteS(false, 2, 3)));
             s.Send(Process(3, id, VoteSelf(false)));
             s.Expect(ReplyState(3, VoteS(false, 2, 3)));
             s.Send(Process(4, id, VoteSelf(true)));
             s.Expect(ReplyDelta(4, VoteS(true, 3, 3), VoteD(true)));
             s.Passivate();
           });

  CrdtCase("crdt.ormap_key_added_and_removed_in_one_command", {"CRDT-007", "CRDT-034", "CRDT-036"},
           "a key added, updated and removed again within one command leaves no trace in the "
           "delta: the reply carries no state action",
           "when removing a key that this command added, drop it from the pending added entries "
           "instead of listing it as removed",
           [](CaseContext& ctx) {
             const std::string id = ctx.NewEntityId("ORMap");
             auto s = ctx.Crdt();
             s.Send(crdt::Init(kCrdtTckModel, id));
             s.Send(Process(1, id, MapAdd({"GCounter-a"})));
             s.Expect(ReplyDelta(1, ORMapS({{"GCounter-a", GCounterS(0)}}),
                                 ORMapD({.added = {{"GCounter-a", GCounterD(0)}}})),
                      SortedCrdtDeltas());
             s.Send(Process(2, id,
                            Cat({MapAdd({"GCounter-b"}), MapUpdate("GCounter-b", GInc({3})),
                                 MapRemove({"GCounter-b"})})));
             s.Expect(ReplyState(2, ORMapS({{"GCounter-a", GCounterS(0)}})));
             s.Send(Process(3, id,
                            Cat({MapUpdate("GCounter-c", GInc({2})), MapRemove({"GCounter-c"})})));
             s.Expect(ReplyState(3, ORMapS({{"GCounter-a", GCounterS(0)}})));
             s.Passivate();
           });

  CrdtCase(
      "crdt.delete_carries_requested_write_consistency", {"CRDT-065", "CRDT-044"},
      "a command that updates with MAJORITY (or ALL) write consistency and then deletes sends "
      "a delete action with that consistency",
      "set state_action.write_consistency on the delete action too, not only on updates",
      [](CaseContext& ctx) {
        for (auto [consistency, expected] :
             {std::pair{tm::MAJORITY, pc::MAJORITY}, std::pair{tm::ALL, pc::ALL}}) {
          const std::string id = ctx.NewEntityId("GCounter");
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTckModel, id));
          Actions actions = {Consistent(GCounterU(1), consistency)};
          auto del = DeleteA();
          actions.insert(actions.end(), del.begin(), del.end());
          s.Send(Process(1, id, actions));
          s.Expect(crdt::Reply(1, GCounterS(1), {.state_action = crdt::DeleteAction(expected)}));
          s.Passivate();
          if (ctx.failed()) {
            return;
          }
        }
      });

  CrdtCase(
      "crdt.streamed_call_with_initial_update", {"CRDT-072", "CRDT-055", "CRDT-056", "CRDT-070"},
      "ProcessStreamed with an initial_update replies streamed with the updated state and its "
      "delta; a later change is streamed to the call (a streamed message of the opening "
      "change itself is allowed, not required)",
      "apply the opening command's changes like any command's: the reply carries their "
      "delta; register the change handler so later changes reach the call",
      [](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("GCounter");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtTckModel, id));
        tm::StreamedRequest request = StreamedReq(id);
        *request.mutable_initial_update() = GCounterU(5);
        s.Send(ProcessStreamed(1, id, request));
        s.Expect(crdt::Reply(1, GCounterS(5),
                             {.state_action = crdt::UpdateAction(GCounterD(5)), .streamed = true}));
        s.Send(Process(2, id, GInc({2})));
        auto next = s.Receive();
        if (!next) {
          return;
        }
        // The JavaScript SDK also notifies the opening call of its own change (CRDT-072).
        if (CompareMessages(crdt::Streamed(1, GCounterS(5)), *next).equal) {
          ctx.Note("the opening change was also streamed to the call (allowed)");
          next = s.Receive();
          if (!next) {
            return;
          }
        }
        auto r = CompareMessages(ReplyDelta(2, GCounterS(7), GCounterD(2)), *next);
        if (!ctx.Check(r.equal, absl::StrCat("unexpected answer to command 2:\n", r.diff))) {
          return;
        }
        s.Expect(crdt::Streamed(1, GCounterS(7)));
        s.Passivate();
      });

  Case("crdt.second_services_answer_empty")
      .Rules({"CRDT-071"})
      .Describe(
          "CrdtTwo answers Call with an empty Response and no state action, honours a delete "
          "action in Call, and CrdtConfigured (when declared) answers Call with an empty Response")
      .Hint("the second model services reply Response{}; CrdtTwo deletes its value on request")
      .Needs({kCrdtTwo})
      .Run([](CaseContext& ctx) {
        // A GCounter-named id, so that a model that picks its CRDT type from the id prefix for
        // every service (the Go SDK's) serves it too; CrdtTwo itself always holds a GCounter.
        const std::string id = ctx.NewEntityId("GCounter");
        {
          auto s = ctx.Crdt();
          s.Send(crdt::Init(kCrdtTwo, id));
          s.Send(crdt::Command(1, id, "Call", Req(id)));
          s.Expect(crdt::Reply(1, tm::Response()));
          s.Send(crdt::Command(2, id, "Call", Req(id, DeleteA())));
          s.Expect(crdt::Reply(2, tm::Response(), {.state_action = crdt::DeleteAction()}));
          s.Passivate();
        }
        if (ctx.failed() || !ctx.discovery().Declares(kCrdtConfigured)) {
          return;
        }
        const std::string configured = ctx.NewEntityId("GCounter");
        auto s = ctx.Crdt();
        s.Send(crdt::Init(kCrdtConfigured, configured));
        s.Send(crdt::Command(1, configured, "Call", Req(configured)));
        s.Expect(crdt::Reply(1, tm::Response()));
        s.Passivate();
      });
}

}  // namespace cloudstate::tck::crdt_cases
