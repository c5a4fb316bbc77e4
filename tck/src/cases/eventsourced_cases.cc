// Event-sourced entity cases: the 21 model cases of the original TCK (ES1-ES21) with identical
// expectations, followed by cases where the original was silent.

#include <string>

#include "absl/strings/str_cat.h"

#include "cloudstate/tck/discovery.h"
#include "model.h"
#include "robustness.h"

namespace cloudstate::tck::cases {
namespace {

constexpr const char* kModel = kEventSourcedTckModel;
const std::vector<std::string> kNeeds = {kEventSourcedTckModel, kEventSourcedTwo};

// Opens a stream for a new entity and sends init.
EventSourcedStream Start(CaseContext& ctx, const std::string& id) {
  auto es = ctx.EventSourced();
  es.Send(es::Init(kModel, id));
  return es;
}

es::In Process(int64_t cmd, const std::string& id, std::vector<esm::RequestAction> actions = {}) {
  return es::Command(cmd, id, "Process", EsRequest(id, std::move(actions)));
}

std::string CheckDiscoveredEntity(const DiscoveryInfo& d, const std::string& service,
                                  const std::string& persistence_id) {
  const cloudstate::Entity* entity = d.FindEntity(service);
  if (entity == nullptr) {
    return absl::StrCat(service, " is not declared");
  }
  if (d.FindService(service) == nullptr) {
    return absl::StrCat(service, " is not in the descriptor set");
  }
  if (entity->entity_type() != kEventSourcedProtocol) {
    return absl::StrCat(service, " has entity_type \"", entity->entity_type(), "\", expected ",
                        kEventSourcedProtocol);
  }
  if (!persistence_id.empty() && entity->persistence_id() != persistence_id) {
    return absl::StrCat(service, " has persistence_id \"", entity->persistence_id(),
                        "\", expected \"", persistence_id, "\"");
  }
  return "";
}

// A reaction to an undefined input: a stream-level failure, or a failure reply for `command_id`
// (0: any command) carrying no events, snapshot or side effects.
Rejection ClassifyRejection(const es::Out& out, int64_t command_id) {
  if (out.has_failure()) {
    return Rejection::kStreamFailure;
  }
  if (out.has_reply() && out.reply().has_client_action() &&
      out.reply().client_action().has_failure() &&
      (command_id == 0 || out.reply().command_id() == command_id) &&
      out.reply().events_size() == 0 && !out.reply().has_snapshot() &&
      out.reply().side_effects_size() == 0) {
    return Rejection::kCommandFailure;
  }
  return Rejection::kNone;
}

// A new entity on a new stream is still served: the function survived the undefined input.
void ExpectStillServes(CaseContext& ctx) {
  if (ctx.failed()) {
    return;
  }
  const std::string id = ctx.NewEntityId("es");
  auto es = Start(ctx, id);
  es.Send(Process(1, id, {Emit("A")}));
  es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
  es.Passivate();
}

// Sends a command no conforming proxy sends (bad name / bad payload) after init and requires an
// orderly reaction (PROT-034); when only the command failed, the stream must go on serving.
void ExpectRejectedCommand(CaseContext& ctx, const es::In& bad) {
  const std::string id = bad.command().entity_id();
  auto es = Start(ctx, id);
  es.Send(bad);
  ExpectOrderlyReaction<es::In, es::Out>(
      ctx, es, [](const es::Out& out) { return ClassifyRejection(out, 1); }, {.still_serves = [&] {
        es.Send(Process(2, id));
        es.Expect(es::Reply(2, EsResponse("")));
        es.Passivate();
      }});
  ExpectStillServes(ctx);
}

// Sends `messages` on a fresh stream (an order or content no conforming proxy sends) and requires
// an orderly reaction (PROT-034). With `ignorable`, silence is orderly when the stream then
// serves `id` (an empty message may be ignored).
void ExpectProtocolViolation(CaseContext& ctx, const std::vector<es::In>& messages,
                             bool ignorable = false, const std::string& id = "") {
  auto es = ctx.EventSourced();
  // The function may end the call as soon as it sees the violation; later messages are then
  // not sent.
  es.Send(messages.front());
  for (size_t i = 1; i < messages.size(); ++i) {
    es.SendIfOpen(messages[i]);
  }
  ExpectOrderlyReaction<es::In, es::Out>(
      ctx, es, [](const es::Out& out) { return ClassifyRejection(out, 0); },
      {.silence_ok = ignorable, .still_serves = [&] {
         if (ignorable) {
           es.Send(Process(1, id, {Emit("A")}));
           es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
           es.Passivate();
         } else {
           es.Close();
           es.ExpectEnded();
         }
       }});
  ExpectStillServes(ctx);
}

}  // namespace

TCK_CASES(EventSourcedOriginal) {
  Case("eventsourced.entity_discovery")
      .Original("ES1")
      .Rules({"DISC-007", "DISC-008", "DISC-009", "DISC-011", "DISC-012"})
      .Describe(
          "both event-sourced model services are declared with type EventSourced and the "
          "model persistence id")
      .Hint(
          "register EventSourcedTckModel (persistence id event-sourced-tck-model) and "
          "EventSourcedTwo as event-sourced entities")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        std::string p = CheckDiscoveredEntity(d, kEventSourcedTckModel, "event-sourced-tck-model");
        if (p.empty()) {
          p = CheckDiscoveredEntity(d, kEventSourcedTwo, "");
        }
        ctx.Check(p.empty(), p);
      });

  Case("eventsourced.configured_entity")
      .Original("ES2")
      .Rules({"DISC-012", "DISC-013"})
      .Describe(
          "EventSourcedConfigured reports persistence id event-sourced-configured and a 100 ms "
          "passivation timeout")
      .Hint(
          "pass the configured passivation timeout through to "
          "EntitySpec.entities[].passivation_strategy")
      .Needs({kEventSourcedConfigured})
      .Run([](CaseContext& ctx) {
        const auto& d = ctx.discovery();
        std::string p =
            CheckDiscoveredEntity(d, kEventSourcedConfigured, "event-sourced-configured");
        if (!p.empty()) {
          ctx.Fail(p);
          return;
        }
        const auto* e = d.FindEntity(kEventSourcedConfigured);
        ctx.Check(e->has_passivation_strategy() && e->passivation_strategy().has_timeout() &&
                      e->passivation_strategy().timeout().timeout() == 100,
                  absl::StrCat("passivation_strategy is ", ShortText(e->passivation_strategy()),
                               ", expected timeout { timeout: 100 }"));
      });

  Case("eventsourced.initial_empty_state")
      .Original("ES3")
      .Rules({"ES-005", "ES-010", "ES-007"})
      .Describe("a new entity (init without snapshot) replies with the empty state and no events")
      .Hint("an init without snapshot means empty state; a command without emits persists nothing")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id));
        es.Expect(es::Reply(1, EsResponse("")));
        es.Passivate();
      });

  Case("eventsourced.single_emitted_event")
      .Original("ES4")
      .Rules({"ES-008", "ES-009", "ES-010", "ES-028"})
      .Describe("an emitted event is returned in the reply and applied before the reply is built")
      .Hint(
          "apply each emitted event to the state immediately, list it in EventSourcedReply.events")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A")}));
        es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
        es.Send(Process(2, id));
        es.Expect(es::Reply(2, EsResponse("A")));
        es.Passivate();
      });

  Case("eventsourced.multiple_emitted_events")
      .Original("ES5")
      .Rules({"ES-008", "ES-009"})
      .Describe("several events of one command are returned in emission order")
      .Hint("keep the order of emit calls in EventSourcedReply.events")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
        es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
        es.Send(Process(2, id));
        es.Expect(es::Reply(2, EsResponse("ABC")));
        es.Passivate();
      });

  Case("eventsourced.multiple_emitted_events_and_snapshots")
      .Original("ES6")
      .Rules({"ES-014", "ES-011", "ES-012", "ES-013"})
      .Describe(
          "the model snapshots every 5 events, the snapshot including all events of its reply")
      .Hint(
          "snapshot when a command's events make the sequence number reach or cross a multiple of "
          "5")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A")}));
        es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
        es.Send(Process(2, id, {Emit("B")}));
        es.Expect(es::Reply(2, EsResponse("AB"), {.events = EsEvents({"B"})}));
        es.Send(Process(3, id, {Emit("C")}));
        es.Expect(es::Reply(3, EsResponse("ABC"), {.events = EsEvents({"C"})}));
        es.Send(Process(4, id, {Emit("D")}));
        es.Expect(es::Reply(4, EsResponse("ABCD"), {.events = EsEvents({"D"})}));
        es.Send(Process(5, id, {Emit("E")}));
        es.Expect(es::Reply(5, EsResponse("ABCDE"),
                            {.events = EsEvents({"E"}), .snapshot = EsPersisted("ABCDE")}));
        es.Send(Process(6, id, {Emit("F"), Emit("G"), Emit("H")}));
        es.Expect(es::Reply(6, EsResponse("ABCDEFGH"), {.events = EsEvents({"F", "G", "H"})}));
        es.Send(Process(7, id, {Emit("I"), Emit("J")}));
        es.Expect(
            es::Reply(7, EsResponse("ABCDEFGHIJ"),
                      {.events = EsEvents({"I", "J"}), .snapshot = EsPersisted("ABCDEFGHIJ")}));
        es.Send(Process(8, id, {Emit("K")}));
        es.Expect(es::Reply(8, EsResponse("ABCDEFGHIJK"), {.events = EsEvents({"K"})}));
        es.Send(Process(9, id));
        es.Expect(es::Reply(9, EsResponse("ABCDEFGHIJK")));
        es.Passivate();
      });

  Case("eventsourced.initial_snapshot")
      .Original("ES7")
      .Rules({"ES-004", "ES-028"})
      .Describe("the snapshot in init becomes the entity state")
      .Hint("apply EventSourcedInit.snapshot with the snapshot handler before any command")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id, 5, EsPersisted("ABCDE")));
        es.Send(Process(1, id));
        es.Expect(es::Reply(1, EsResponse("ABCDE")));
        es.Passivate();
      });

  Case("eventsourced.initial_snapshot_and_events")
      .Original("ES8")
      .Rules({"ES-004", "ES-028"})
      .Describe("events replayed after the init snapshot are applied in order")
      .Hint("apply EventSourcedEvent messages that follow init with the event handler")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id, 5, EsPersisted("ABCDE")));
        es.Send(es::Event(6, EsPersisted("F")));
        es.Send(es::Event(7, EsPersisted("G")));
        es.Send(Process(1, id));
        es.Expect(es::Reply(1, EsResponse("ABCDEFG")));
        es.Passivate();
      });

  Case("eventsourced.rehydration_after_passivation")
      .Original("ES9")
      .Rules({"ES-004", "ES-014", "PROT-031"})
      .Describe("after passivation a new stream rebuilds the state from snapshot and events")
      .Hint("complete the stream on half-close; rebuild from init snapshot plus replayed events")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        {
          auto es = Start(ctx, id);
          es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
          es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
          es.Send(Process(2, id, {Emit("D"), Emit("E")}));
          es.Expect(es::Reply(2, EsResponse("ABCDE"),
                              {.events = EsEvents({"D", "E"}), .snapshot = EsPersisted("ABCDE")}));
          es.Send(Process(3, id, {Emit("F")}));
          es.Expect(es::Reply(3, EsResponse("ABCDEF"), {.events = EsEvents({"F"})}));
          es.Send(Process(4, id, {Emit("G")}));
          es.Expect(es::Reply(4, EsResponse("ABCDEFG"), {.events = EsEvents({"G"})}));
          es.Passivate();
        }
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id, 5, EsPersisted("ABCDE")));
        es.Send(es::Event(6, EsPersisted("F")));
        es.Send(es::Event(7, EsPersisted("G")));
        es.Send(Process(1, id));
        es.Expect(es::Reply(1, EsResponse("ABCDEFG")));
        es.Passivate();
      });

  Case("eventsourced.forward_to_second_service")
      .Original("ES10")
      .Rules({"PROT-016", "ES-010"})
      .Describe("a forward names EventSourcedTwo/Call with Request{id} and carries no events")
      .Hint("forward: client_action.forward with the full target service name, method and payload")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
        es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
        es.Send(Process(2, id, {EsForwardTo(id)}));
        es.Expect(es::Forward(2, kEventSourcedTwo, "Call", EsRequest(id)));
        es.Send(Process(3, id));
        es.Expect(es::Reply(3, EsResponse("ABC")));
        es.Passivate();
      });

  Case("eventsourced.forward_with_emitted_events")
      .Original("ES11")
      .Rules({"ES-015", "PROT-016", "ES-008"})
      .Describe("events emitted before a forward travel with the forward")
      .Hint("a forwarding reply still lists the command's events")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), EsForwardTo(id)}));
        es.Expect(
            es::Forward(1, kEventSourcedTwo, "Call", EsRequest(id), {.events = EsEvents({"A"})}));
        es.Passivate();
      });

  Case("eventsourced.forward_with_emitted_events_and_snapshot")
      .Original("ES12")
      .Rules({"ES-015", "ES-011", "ES-014"})
      .Describe("events and the due snapshot travel with a forward")
      .Hint("compute the snapshot for forwarding replies as for ordinary replies")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
        es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
        es.Send(Process(2, id, {Emit("D"), Emit("E"), EsForwardTo(id)}));
        es.Expect(es::Forward(2, kEventSourcedTwo, "Call", EsRequest(id),
                              {.events = EsEvents({"D", "E"}), .snapshot = EsPersisted("ABCDE")}));
        es.Passivate();
      });

  Case("eventsourced.reply_with_side_effect_to_second_service")
      .Original("ES13")
      .Rules({"PROT-017", "ES-015"})
      .Describe("a side effect names EventSourcedTwo/Call with Request{id}")
      .Hint("side effects: service_name, command_name, payload and synchronous as requested")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
        es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
        es.Send(Process(2, id, {EsEffect(id)}));
        es.Expect(es::Reply(2, EsResponse("ABC"), {.side_effects = {EsTwoEffect(id)}}));
        es.Send(Process(3, id));
        es.Expect(es::Reply(3, EsResponse("ABC")));
        es.Passivate();
      });

  Case("eventsourced.synchronous_side_effect_to_second_service")
      .Original("ES14")
      .Rules({"PROT-017"})
      .Describe("a synchronous side effect carries synchronous=true")
      .Hint("copy the requested synchronous flag into SideEffect.synchronous")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {EsEffect(id, true)}));
        es.Expect(es::Reply(1, EsResponse(""), {.side_effects = {EsTwoEffect(id, true)}}));
        es.Passivate();
      });

  Case("eventsourced.forward_and_side_effect_to_second_service")
      .Original("ES15")
      .Rules({"PROT-016", "PROT-017", "ES-015"})
      .Describe("a forward and a side effect in one reply")
      .Hint("side effects travel with forwarding replies too")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {EsEffect(id), EsForwardTo(id)}));
        es.Expect(es::Forward(1, kEventSourcedTwo, "Call", EsRequest(id),
                              {.side_effects = {EsTwoEffect(id)}}));
        es.Passivate();
      });

  Case("eventsourced.reply_with_multiple_side_effects")
      .Original("ES16")
      .Rules({"PROT-017"})
      .Describe("several side effects are listed in emission order")
      .Hint("keep the order in which user code requested side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {EsEffect("1"), EsEffect("2"), EsEffect("3")}));
        es.Expect(
            es::Reply(1, EsResponse(""),
                      {.side_effects = {EsTwoEffect("1"), EsTwoEffect("2"), EsTwoEffect("3")}}));
        es.Passivate();
      });

  Case("eventsourced.reply_with_multiple_side_effects_events_and_snapshot")
      .Original("ES17")
      .Rules({"ES-015", "ES-011", "ES-014", "PROT-017"})
      .Describe("events, snapshot and side effects together in one reply")
      .Hint("a reply carries events, snapshot and side effects at once")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id,
                        {Emit("A"), Emit("B"), Emit("C"), Emit("D"), Emit("E"), EsEffect("1"),
                         EsEffect("2"), EsEffect("3")}));
        es.Expect(
            es::Reply(1, EsResponse("ABCDE"),
                      {.events = EsEvents({"A", "B", "C", "D", "E"}),
                       .snapshot = EsPersisted("ABCDE"),
                       .side_effects = {EsTwoEffect("1"), EsTwoEffect("2"), EsTwoEffect("3")}}));
        es.Passivate();
      });

  Case("eventsourced.failure_action")
      .Original("ES18")
      .Rules({"ES-016", "PROT-022", "PROT-011"})
      .Describe("a failed command answers with a client-action failure carrying the message")
      .Hint("failure{command_id, description = user message, restart = false}")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {EsFail("expected failure")}));
        es.Expect(es::Failure(1, "expected failure"));
        es.Passivate();
      });

  Case("eventsourced.connection_after_failure_action")
      .Original("ES19")
      .Rules({"ES-019", "ES-017", "PROT-023"})
      .Describe("the stream stays usable after a failure and the state is unchanged")
      .Hint("a client-action failure must not end the stream or change the state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A")}));
        es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
        es.Send(Process(2, id, {EsFail("expected failure")}));
        es.Expect(es::Failure(2, "expected failure"));
        es.Send(Process(3, id));
        es.Expect(es::Reply(3, EsResponse("A")));
        es.Passivate();
      });

  Case("eventsourced.failure_actions_do_not_retain_emitted_events")
      .Original("ES20")
      .Rules({"ES-016", "ES-017", "ES-018", "ES-012", "ES-019", "ES-022"})
      .Describe("events emitted before a failure are dropped (a restart may be requested)")
      .Hint("drop the failed command's events; if restart=true, recover on the new stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A"), Emit("B"), Emit("C")}));
        es.Expect(es::Reply(1, EsResponse("ABC"), {.events = EsEvents({"A", "B", "C"})}));
        es.Send(Process(2, id, {Emit("4"), Emit("5"), EsFail("failure 1")}));
        bool restart = false;
        es.ExpectThat(
            "a failure for command 2 with description \"failure 1\" (restart either way)",
            [&](const es::Out& out) -> std::string {
              for (bool r : {false, true}) {
                if (CompareMessages(es::Failure(2, "failure 1", r), out).equal) {
                  restart = r;
                  return "";
                }
              }
              return "not failure{command_id: 2, description: \"failure 1\"} without events";
            });
        if (ctx.failed()) {
          return;
        }
        if (!restart) {
          es.Send(Process(3, id, {Emit("D")}));
          es.Expect(es::Reply(3, EsResponse("ABCD"), {.events = EsEvents({"D"})}));
          es.Send(Process(4, id, {Emit("6"), EsFail("failure 2"), Emit("7")}));
          es.Expect(es::Failure(4, "failure 2"));
          es.Send(Process(5, id, {Emit("E")}));
          es.Expect(es::Reply(5, EsResponse("ABCDE"),
                              {.events = EsEvents({"E"}), .snapshot = EsPersisted("ABCDE")}));
          es.Passivate();
          return;
        }
        ctx.Note("the function requested a restart; replaying on a new stream");
        es.Close();
        es.ExpectEnded();
        auto es2 = ctx.EventSourced();
        es2.Send(es::Init(kModel, id));
        es2.Send(es::Event(1, EsPersisted("A")));
        es2.Send(es::Event(2, EsPersisted("B")));
        es2.Send(es::Event(3, EsPersisted("C")));
        es2.Send(Process(1, id, {Emit("D")}));
        es2.Expect(es::Reply(1, EsResponse("ABCD"), {.events = EsEvents({"D"})}));
        es2.Send(Process(2, id, {Emit("6"), EsFail("failure 2"), Emit("7")}));
        es2.Expect(es::Failure(2, "failure 2", true));
        es2.Close();
        es2.ExpectEnded();
        auto es3 = ctx.EventSourced();
        es3.Send(es::Init(kModel, id));
        es3.Send(es::Event(1, EsPersisted("A")));
        es3.Send(es::Event(2, EsPersisted("B")));
        es3.Send(es::Event(3, EsPersisted("C")));
        es3.Send(es::Event(4, EsPersisted("D")));
        es3.Send(Process(1, id, {Emit("E")}));
        es3.Expect(es::Reply(1, EsResponse("ABCDE"),
                             {.events = EsEvents({"E"}), .snapshot = EsPersisted("ABCDE")}));
        es3.Passivate();
      });

  Case("eventsourced.failure_actions_do_not_allow_side_effects")
      .Original("ES21")
      .Rules({"ES-016"})
      .Describe("side effects requested before a failure are dropped")
      .Hint("a failure reply carries no side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {EsEffect(id), EsFail("expected failure")}));
        es.Expect(es::Failure(1, "expected failure"));
        es.Passivate();
      });
}

TCK_CASES(EventSourcedNew) {
  Case("eventsourced.unknown_command_name")
      .Rules({"PROT-034", "PROT-036"})
      .Robustness()
      .Describe("a command whose name is not a method of the service gets an orderly reaction")
      .Hint(
          "fail the command (or the stream) for unknown command names; never dispatch them to "
          "another method")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectRejectedCommand(ctx, es::Command(1, id, "NoSuchCommand", EsRequest(id)));
      });

  Case("eventsourced.unknown_payload_type")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload whose type URL is not the method's input type gets an orderly reaction")
      .Hint("check Command.payload.type_url against the method input type before decoding")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.NoSuchMessage");
        bad.set_value(EsRequest(id).SerializeAsString());
        ExpectRejectedCommand(ctx, es::Command(1, id, "Process", bad));
      });

  Case("eventsourced.empty_payload_type_url")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload with an empty type URL gets an orderly reaction")
      .Hint("an Any without type URL cannot be decoded; fail the command instead of guessing")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        google::protobuf::Any bad;
        bad.set_value(EsRequest(id).SerializeAsString());
        ExpectRejectedCommand(ctx, es::Command(1, id, "Process", bad));
      });

  Case("eventsourced.command_before_init")
      .Rules({"PROT-034", "PROT-037"})
      .Robustness()
      .Describe("a command before init gets an orderly reaction")
      .Hint("reject any message other than init as the first message of a stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectProtocolViolation(ctx, {Process(1, id)});
      });

  Case("eventsourced.event_before_init")
      .Rules({"PROT-034", "PROT-037"})
      .Robustness()
      .Describe("an event before init gets an orderly reaction")
      .Hint("reject events that arrive before init")
      .Needs(kNeeds)
      .Run(
          [](CaseContext& ctx) { ExpectProtocolViolation(ctx, {es::Event(1, EsPersisted("A"))}); });

  Case("eventsourced.second_init")
      .Rules({"PROT-034", "PROT-037"})
      .Robustness()
      .Describe("a second init on one stream gets an orderly reaction")
      .Hint("an entity stream carries exactly one init")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectProtocolViolation(ctx, {es::Init(kModel, id), es::Init(kModel, id)});
      });

  Case("eventsourced.empty_stream_message")
      .Rules({"PROT-034", "PROT-038"})
      .Robustness()
      .Describe(
          "a stream message with no oneof member set gets an orderly reaction (ignoring it is "
          "orderly when the stream goes on serving)")
      .Hint("fail the stream on an empty EventSourcedStreamIn, or ignore it and keep serving")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectProtocolViolation(ctx, {es::Init(kModel, id), es::In()}, /*ignorable=*/true, id);
      });

  Case("eventsourced.init_for_unknown_service")
      .Rules({"PROT-034", "PROT-039"})
      .Robustness()
      .Describe("an init naming an undeclared service gets an orderly reaction")
      .Hint(
          "look the init's service name up among the declared entities; fail the stream if absent")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectProtocolViolation(ctx, {es::Init("cloudstate.tck.model.NoSuchService", id)});
      });

  Case("eventsourced.init_for_service_of_another_entity_type")
      .Rules({"PROT-034", "PROT-039"})
      .Robustness()
      .Describe("an event-sourced init naming a value-entity service gets an orderly reaction")
      .Hint("an EventSourced stream may only serve services declared as event sourced")
      .Needs({kEventSourcedTckModel, kValueEntityTckModel})
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        ExpectProtocolViolation(ctx, {es::Init(kValueEntityTckModel, id)});
      });

  Case("eventsourced.unknown_event_type_in_replay")
      .Rules({"PROT-034", "PROT-040"})
      .Robustness()
      .Describe("a replayed event of an unknown type gets an orderly reaction, not a reply")
      .Hint("never skip events you cannot decode: fail the stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.NoSuchEvent");
        ExpectProtocolViolation(ctx, {es::Init(kModel, id), es::Event(1, bad), Process(1, id)});
      });

  Case("eventsourced.unknown_snapshot_type")
      .Rules({"PROT-034", "PROT-040"})
      .Robustness()
      .Describe("an init snapshot of an unknown type gets an orderly reaction, not a reply")
      .Hint("a snapshot that cannot be decoded must fail the stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.NoSuchSnapshot");
        ExpectProtocolViolation(ctx, {es::Init(kModel, id, 3, bad), Process(1, id)});
      });

  Case("eventsourced.half_close_without_commands")
      .Rules({"PROT-031"})
      .Describe("a stream half-closed right after init completes without any message")
      .Hint("complete the response stream when the proxy half-closes")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Passivate();
      });

  Case("eventsourced.half_close_with_command_in_flight")
      .Rules({"PROT-031", "PROT-030"})
      .Describe(
          "a command sent just before half-close is still answered, then the stream completes")
      .Hint("on half-close, answer the commands already received before completing")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("A")}));
        es.Close();
        es.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
        es.ExpectClosed();
      });

  Case("eventsourced.reply_echoes_command_id")
      .Rules({"PROT-011"})
      .Describe("replies carry the id of the command they answer, whatever its value")
      .Hint("copy Command.id into EventSourcedReply.command_id; do not count commands yourself")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        es.Send(Process(7, id, {Emit("A")}));
        es.Expect(es::Reply(7, EsResponse("A"), {.events = EsEvents({"A"})}));
        es.Send(Process(1000000000000, id, {EsFail("boom")}));
        es.Expect(es::Failure(1000000000000, "boom"));
        es.Passivate();
      });

  Case("eventsourced.snapshot_every_5_over_a_long_history")
      .Rules({"ES-014", "ES-013", "ES-012"})
      .Describe("over 23 single-event commands the model snapshots exactly at events 5, 10, 15, 20")
      .Hint("keep counting the sequence number across many commands")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = Start(ctx, id);
        std::string state;
        for (int i = 1; i <= 23 && !ctx.failed(); ++i) {
          std::string v(1, static_cast<char>('a' + i - 1));
          state += v;
          es::Effects fx{.events = EsEvents({v})};
          if (i % 5 == 0) {
            fx.snapshot = EsPersisted(state);
          }
          es.Send(Process(i, id, {Emit(v)}));
          es.Expect(es::Reply(i, EsResponse(state), fx));
        }
        es.Passivate();
      });

  Case("eventsourced.snapshot_counts_from_init_snapshot_sequence")
      .Rules({"ES-012", "ES-014"})
      .Describe("the sequence number continues from the init snapshot's sequence")
      .Hint("start counting at EventSourcedInit.snapshot.snapshot_sequence")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id, 3, EsPersisted("ABC")));
        es.Send(Process(1, id, {Emit("D")}));
        es.Expect(es::Reply(1, EsResponse("ABCD"), {.events = EsEvents({"D"})}));
        es.Send(Process(2, id, {Emit("E")}));
        es.Expect(es::Reply(2, EsResponse("ABCDE"),
                            {.events = EsEvents({"E"}), .snapshot = EsPersisted("ABCDE")}));
        es.Passivate();
      });

  Case("eventsourced.replayed_events_count_toward_snapshot")
      .Rules({"ES-012", "ES-004"})
      .Describe("replayed events advance the sequence number used for snapshots")
      .Hint("count replayed EventSourcedEvent messages in the sequence number")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id));
        es.Send(es::Event(1, EsPersisted("A")));
        es.Send(es::Event(2, EsPersisted("B")));
        es.Send(es::Event(3, EsPersisted("C")));
        es.Send(es::Event(4, EsPersisted("D")));
        es.Send(Process(1, id, {Emit("E")}));
        es.Expect(es::Reply(1, EsResponse("ABCDE"),
                            {.events = EsEvents({"E"}), .snapshot = EsPersisted("ABCDE")}));
        es.Passivate();
      });

  Case("eventsourced.many_entities_concurrently")
      .Rules({"ES-004", "ES-007"})
      .Describe("20 entities on concurrent streams of one connection keep separate states")
      .Hint("entity instances must not share state; each stream is its own entity")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        constexpr int kCount = 20;
        std::vector<std::string> ids;
        std::vector<EventSourcedStream> streams;
        for (int i = 0; i < kCount; ++i) {
          ids.push_back(ctx.NewEntityId("es"));
          streams.push_back(Start(ctx, ids.back()));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Send(Process(1, ids[i], {Emit(absl::StrCat("x", i))}));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Expect(es::Reply(1, EsResponse(absl::StrCat("x", i)),
                                      {.events = EsEvents({absl::StrCat("x", i)})}));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Send(Process(2, ids[i], {Emit("y")}));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Expect(
              es::Reply(2, EsResponse(absl::StrCat("x", i, "y")), {.events = EsEvents({"y"})}));
          streams[i].Passivate();
        }
      });

  Case("eventsourced.two_streams_same_entity_id")
      .Rules({"ES-004", "ES-001"})
      .Optional()
      .Describe("two streams for the same entity id are independent instances initialised by init")
      .Hint("do not cache entity state by id across streams; the proxy owns the lifecycle")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        auto a = Start(ctx, id);
        auto b = Start(ctx, id);
        a.Send(Process(1, id, {Emit("A")}));
        a.Expect(es::Reply(1, EsResponse("A"), {.events = EsEvents({"A"})}));
        b.Send(Process(1, id, {Emit("B")}));
        b.Expect(es::Reply(1, EsResponse("B"), {.events = EsEvents({"B"})}));
        a.Passivate();
        b.Passivate();
      });

  Case("eventsourced.large_payload_1mib")
      .Rules({"PROT-009"})
      .Describe("a 1 MiB event value travels in the command, the event, the snapshot and the reply")
      .Hint("do not cap message sizes below a few MiB in the gRPC server")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("es");
        const std::string big(1 << 20, 'x');
        auto es = ctx.EventSourced();
        es.Send(es::Init(kModel, id, 4, EsPersisted("ABCD")));
        es.Send(Process(1, id, {Emit(big)}));
        es.Expect(es::Reply(1, EsResponse("ABCD" + big),
                            {.events = EsEvents({big}), .snapshot = EsPersisted("ABCD" + big)}));
        es.Passivate();
      });

  Case("eventsourced.non_ascii_entity_id_and_values")
      .Rules({"ES-001", "PROT-001"})
      .Describe("entity ids and values with non-ASCII UTF-8 characters round-trip unchanged")
      .Hint("treat ids and strings as UTF-8; do not normalise or escape them")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("és-实体-🙂");
        auto es = Start(ctx, id);
        es.Send(Process(1, id, {Emit("ü"), Emit("→"), Emit("😀")}));
        es.Expect(es::Reply(1, EsResponse("ü→😀"), {.events = EsEvents({"ü", "→", "😀"})}));
        es.Passivate();
      });
}

}  // namespace cloudstate::tck::cases
