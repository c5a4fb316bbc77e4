// Value entity cases: the 19 model cases of the original TCK (E1-E19) with identical expectations,
// followed by cases where the original was silent.

#include <string>

#include "absl/strings/str_cat.h"

#include "cloudstate/tck/discovery.h"
#include "model.h"
#include "robustness.h"

namespace cloudstate::tck::cases {
namespace {

constexpr const char* kModel = kValueEntityTckModel;
const std::vector<std::string> kNeeds = {kValueEntityTckModel, kValueEntityTwo};

ValueEntityStream Start(CaseContext& ctx, const std::string& id) {
  auto ve = ctx.ValueEntity();
  ve.Send(ve::Init(kModel, id));
  return ve;
}

ve::In Process(int64_t cmd, const std::string& id, std::vector<vem::RequestAction> actions = {}) {
  return ve::Command(cmd, id, "Process", VeRequest(id, std::move(actions)));
}

ve::Effects Upd(std::string_view v) { return {.update = VePersisted(v)}; }
ve::Effects Del() { return {.del = true}; }

std::string CheckEntity(const DiscoveryInfo& d, const std::string& service,
                        const std::string& persistence_id) {
  const cloudstate::Entity* entity = d.FindEntity(service);
  if (entity == nullptr) {
    return absl::StrCat(service, " is not declared");
  }
  if (d.FindService(service) == nullptr) {
    return absl::StrCat(service, " is not in the descriptor set");
  }
  if (entity->entity_type() != kValueEntityProtocol) {
    return absl::StrCat(service, " has entity_type \"", entity->entity_type(), "\", expected ",
                        kValueEntityProtocol);
  }
  if (entity->persistence_id() != persistence_id) {
    return absl::StrCat(service, " has persistence_id \"", entity->persistence_id(),
                        "\", expected \"", persistence_id, "\"");
  }
  return "";
}

// A reaction to an undefined input: a stream-level failure, or a failure reply for `command_id`
// (0: any command) without state action or side effects.
Rejection ClassifyRejection(const ve::Out& out, int64_t command_id) {
  if (out.has_failure()) {
    return Rejection::kStreamFailure;
  }
  if (out.has_reply() && out.reply().has_client_action() &&
      out.reply().client_action().has_failure() &&
      (command_id == 0 || out.reply().command_id() == command_id) &&
      !out.reply().has_state_action() && out.reply().side_effects_size() == 0) {
    return Rejection::kCommandFailure;
  }
  return Rejection::kNone;
}

// A new entity on a new stream is still served: the function survived the undefined input.
void ExpectStillServes(CaseContext& ctx) {
  if (ctx.failed()) {
    return;
  }
  const std::string id = ctx.NewEntityId("ve");
  auto ve = Start(ctx, id);
  ve.Send(Process(1, id, {Update("fresh")}));
  ve.Expect(ve::Reply(1, VeResponse("fresh"), Upd("fresh")));
  ve.Passivate();
}

// After a first command stored "kept", sends a command no conforming proxy sends (bad name / bad
// payload) as command 2 and requires an orderly reaction (PROT-034); when only the command
// failed, the stream goes on with the state unchanged.
void ExpectRejectedCommand(CaseContext& ctx, const ve::In& bad) {
  const std::string id = bad.command().entity_id();
  auto ve = Start(ctx, id);
  ve.Send(Process(1, id, {Update("kept")}));
  ve.Expect(ve::Reply(1, VeResponse("kept"), Upd("kept")));
  ve::In command = bad;
  command.mutable_command()->set_id(2);
  ve.Send(command);
  ExpectOrderlyReaction<ve::In, ve::Out>(
      ctx, ve, [](const ve::Out& out) { return ClassifyRejection(out, 2); }, {.still_serves = [&] {
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("kept")));
        ve.Passivate();
      }});
  ExpectStillServes(ctx);
}

// Sends `messages` on a fresh stream (an order or content no conforming proxy sends) and requires
// an orderly reaction (PROT-034). With `ignorable`, silence is orderly when the stream then
// serves `id` (an empty message may be ignored).
void ExpectProtocolViolation(CaseContext& ctx, const std::vector<ve::In>& messages,
                             bool ignorable = false, const std::string& id = "") {
  auto ve = ctx.ValueEntity();
  // The function may end the call as soon as it sees the violation.
  ve.Send(messages.front());
  for (size_t i = 1; i < messages.size(); ++i) {
    ve.SendIfOpen(messages[i]);
  }
  ExpectOrderlyReaction<ve::In, ve::Out>(
      ctx, ve, [](const ve::Out& out) { return ClassifyRejection(out, 0); },
      {.silence_ok = ignorable, .still_serves = [&] {
         if (ignorable) {
           ve.Send(Process(1, id, {Update("A")}));
           ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
           ve.Passivate();
         } else {
           ve.Close();
           ve.ExpectEnded();
         }
       }});
  ExpectStillServes(ctx);
}

}  // namespace

TCK_CASES(ValueEntityOriginal) {
  Case("valueentity.entity_discovery")
      .Original("E1")
      .Rules({"DISC-007", "DISC-008", "DISC-009", "DISC-011", "DISC-012"})
      .Describe(
          "both value-entity model services are declared with type ValueEntity and their "
          "persistence ids")
      .Hint("persistence ids value-entity-tck-model and value-entity-tck-model-two")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        std::string p =
            CheckEntity(ctx.discovery(), kValueEntityTckModel, "value-entity-tck-model");
        if (p.empty()) {
          p = CheckEntity(ctx.discovery(), kValueEntityTwo, "value-entity-tck-model-two");
        }
        ctx.Check(p.empty(), p);
      });

  Case("valueentity.configured_entity")
      .Original("E2")
      .Rules({"DISC-012", "DISC-013", "DISC-009"})
      .Describe(
          "ValueEntityConfigured reports persistence id value-entity-configured and a 100 ms "
          "passivation timeout")
      .Hint("report the configured passivation timeout in the entity's passivation_strategy")
      .Needs({kValueEntityConfigured})
      .Run([](CaseContext& ctx) {
        std::string p =
            CheckEntity(ctx.discovery(), kValueEntityConfigured, "value-entity-configured");
        if (!p.empty()) {
          ctx.Fail(p);
          return;
        }
        const auto* e = ctx.discovery().FindEntity(kValueEntityConfigured);
        ctx.Check(e->has_passivation_strategy() && e->passivation_strategy().has_timeout() &&
                      e->passivation_strategy().timeout().timeout() == 100,
                  absl::StrCat("passivation_strategy is ", ShortText(e->passivation_strategy()),
                               ", expected timeout { timeout: 100 }"));
      });

  Case("valueentity.initial_empty_state")
      .Original("E3")
      .Rules({"VE-002", "VE-004", "VE-018"})
      .Describe("a new entity replies with the empty state and no state action")
      .Hint("an init with an empty ValueEntityInitState means no state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id));
        ve.Expect(ve::Reply(1, VeResponse("")));
        ve.Passivate();
      });

  Case("valueentity.update_state")
      .Original("E4")
      .Rules({"VE-005", "VE-004", "VE-018"})
      .Describe("an update sends the full new value; an unchanged state sends no state action")
      .Hint("state_action.update.value = Persisted{value}")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.Send(Process(2, id));
        ve.Expect(ve::Reply(2, VeResponse("A")));
        ve.Passivate();
      });

  Case("valueentity.delete_state")
      .Original("E5")
      .Rules({"VE-006", "VE-005", "VE-004"})
      .Describe("a delete sends a delete action and resets the state")
      .Hint("state_action.delete, and the state is empty afterwards")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.Send(Process(2, id, {Delete()}));
        ve.Expect(ve::Reply(2, VeResponse(""), Del()));
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("")));
        ve.Passivate();
      });

  Case("valueentity.multiple_update_states")
      .Original("E6")
      .Rules({"VE-007", "VE-005"})
      .Describe("several updates in one command collapse into the last one")
      .Hint("send one state action per reply: the last update wins")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A"), Update("B"), Update("C")}));
        ve.Expect(ve::Reply(1, VeResponse("C"), Upd("C")));
        ve.Send(Process(2, id));
        ve.Expect(ve::Reply(2, VeResponse("C")));
        ve.Passivate();
      });

  Case("valueentity.multiple_update_and_delete_states")
      .Original("E7")
      .Rules({"VE-007", "VE-006"})
      .Describe("updates followed by a delete collapse into the delete")
      .Hint("the last state change of a command decides the state action")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A"), Update("B"), Delete()}));
        ve.Expect(ve::Reply(1, VeResponse(""), Del()));
        ve.Send(Process(2, id));
        ve.Expect(ve::Reply(2, VeResponse("")));
        ve.Passivate();
      });

  Case("valueentity.update_delete_and_update_states")
      .Original("E8")
      .Rules({"VE-007", "VE-005"})
      .Describe("update, delete, update collapse into the last update")
      .Hint("a delete followed by an update is an update")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A"), Delete(), Update("B")}));
        ve.Expect(ve::Reply(1, VeResponse("B"), Upd("B")));
        ve.Send(Process(2, id));
        ve.Expect(ve::Reply(2, VeResponse("B")));
        ve.Passivate();
      });

  Case("valueentity.rehydration_after_passivation")
      .Original("E9")
      .Rules({"VE-002", "VE-005", "PROT-031"})
      .Describe("after passivation a new stream starts from the state in init")
      .Hint("complete the stream on half-close; take the state from ValueEntityInit.state.value")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        {
          auto ve = Start(ctx, id);
          int n = 1;
          for (const char* v : {"A", "B", "C", "D"}) {
            ve.Send(Process(n, id, {Update(v)}));
            ve.Expect(ve::Reply(n, VeResponse(v), Upd(v)));
            ++n;
          }
          ve.Passivate();
        }
        auto ve = ctx.ValueEntity();
        ve.Send(ve::Init(kModel, id, VeState("D")));
        ve.Send(Process(1, id, {Update("E")}));
        ve.Expect(ve::Reply(1, VeResponse("E"), Upd("E")));
        ve.Send(Process(2, id));
        ve.Expect(ve::Reply(2, VeResponse("E")));
        ve.Passivate();
      });

  Case("valueentity.reply_with_multiple_side_effects")
      .Original("E10")
      .Rules({"PROT-017", "VE-008"})
      .Describe("several side effects are listed in order")
      .Hint("keep the order of requested side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {VeEffect("1"), VeEffect("2"), VeEffect("3")}));
        ve.Expect(
            ve::Reply(1, VeResponse(""),
                      {.side_effects = {VeTwoEffect("1"), VeTwoEffect("2"), VeTwoEffect("3")}}));
        ve.Passivate();
      });

  Case("valueentity.reply_with_side_effect_to_second_service")
      .Original("E11")
      .Rules({"PROT-017", "VE-005", "VE-004"})
      .Describe("a side effect names ValueEntityTwo/Call with Request{id}")
      .Hint("side effect target: cloudstate.tck.model.valueentity.ValueEntityTwo/Call")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("X")}));
        ve.Expect(ve::Reply(1, VeResponse("X"), Upd("X")));
        ve.Send(Process(2, id, {VeEffect(id)}));
        ve.Expect(ve::Reply(2, VeResponse("X"), {.side_effects = {VeTwoEffect(id)}}));
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("X")));
        ve.Passivate();
      });

  Case("valueentity.reply_with_multiple_side_effects_and_state")
      .Original("E12")
      .Rules({"VE-008", "VE-007", "PROT-017"})
      .Describe("side effects and the collapsed update travel together")
      .Hint("a reply carries both side effects and the state action")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id,
                        {Update("A"), Update("B"), Update("C"), Update("D"), Update("E"),
                         VeEffect("1"), VeEffect("2"), VeEffect("3")}));
        ve.Expect(
            ve::Reply(1, VeResponse("E"),
                      {.update = VePersisted("E"),
                       .side_effects = {VeTwoEffect("1"), VeTwoEffect("2"), VeTwoEffect("3")}}));
        ve.Passivate();
      });

  Case("valueentity.synchronous_side_effect_to_second_service")
      .Original("E13")
      .Rules({"PROT-017"})
      .Describe("a synchronous side effect carries synchronous=true")
      .Hint("copy the requested synchronous flag")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {VeEffect(id, true)}));
        ve.Expect(ve::Reply(1, VeResponse(""), {.side_effects = {VeTwoEffect(id, true)}}));
        ve.Passivate();
      });

  Case("valueentity.forward_to_second_service")
      .Original("E14")
      .Rules({"PROT-016", "VE-004"})
      .Describe("a forward names ValueEntityTwo/Call with Request{id} and no state action")
      .Hint("client_action.forward with full service name, method and payload")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("X")}));
        ve.Expect(ve::Reply(1, VeResponse("X"), Upd("X")));
        ve.Send(Process(2, id, {VeForwardTo(id)}));
        ve.Expect(ve::Forward(2, kValueEntityTwo, "Call", VeRequest(id)));
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("X")));
        ve.Passivate();
      });

  Case("valueentity.forward_with_updated_state")
      .Original("E15")
      .Rules({"PROT-016", "VE-008", "VE-005"})
      .Describe("the state update travels with a forward")
      .Hint("a forwarding reply still carries the state action")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A"), VeForwardTo(id)}));
        ve.Expect(ve::Forward(1, kValueEntityTwo, "Call", VeRequest(id), Upd("A")));
        ve.Passivate();
      });

  Case("valueentity.forward_and_side_effect_to_second_service")
      .Original("E16")
      .Rules({"PROT-016", "PROT-017", "VE-008"})
      .Describe("a forward and a side effect in one reply")
      .Hint("side effects travel with forwarding replies")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {VeEffect(id), VeForwardTo(id)}));
        ve.Expect(ve::Forward(1, kValueEntityTwo, "Call", VeRequest(id),
                              {.side_effects = {VeTwoEffect(id)}}));
        ve.Passivate();
      });

  Case("valueentity.failure_action")
      .Original("E17")
      .Rules({"PROT-022", "PROT-011", "VE-009"})
      .Describe("a failed command answers with a client-action failure carrying the message")
      .Hint("failure{command_id, description = user message, restart = false}")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {VeFail("expected failure")}));
        ve.Expect(ve::Failure(1, "expected failure"));
        ve.Passivate();
      });

  Case("valueentity.connection_after_failure_action")
      .Original("E18")
      .Rules({"VE-011", "VE-010", "PROT-023"})
      .Describe("the stream stays usable after a failure and the state is unchanged")
      .Hint("a client-action failure must not end the stream or change the state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.Send(Process(2, id, {VeFail("expected failure")}));
        ve.Expect(ve::Failure(2, "expected failure"));
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("A")));
        ve.Passivate();
      });

  Case("valueentity.failure_action_does_not_allow_side_effects")
      .Original("E19")
      .Rules({"VE-009"})
      .Describe("side effects requested before a failure are dropped")
      .Hint("a failure reply carries no side effects and no state action")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {VeEffect(id), VeFail("expected failure")}));
        ve.Expect(ve::Failure(1, "expected failure"));
        ve.Passivate();
      });
}

TCK_CASES(ValueEntityNew) {
  Case("valueentity.failure_drops_state_update")
      .Rules({"VE-009", "VE-010"})
      .Describe("an update followed by a failure in one command changes nothing")
      .Hint("discard the command's state change when it fails")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.Send(Process(2, id, {Update("B"), VeFail("expected failure")}));
        ve.Expect(ve::Failure(2, "expected failure"));
        ve.Send(Process(3, id));
        ve.Expect(ve::Reply(3, VeResponse("A")));
        ve.Passivate();
      });

  Case("valueentity.unknown_command_name")
      .Rules({"PROT-034", "PROT-036"})
      .Robustness()
      .Describe("a command whose name is not a method of the service gets an orderly reaction")
      .Hint(
          "fail the command (or the stream) for unknown command names; never dispatch them to "
          "another method")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectRejectedCommand(ctx, ve::Command(2, id, "NoSuchCommand", VeRequest(id)));
      });

  Case("valueentity.unknown_payload_type")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload whose type URL is not the method's input type gets an orderly reaction")
      .Hint("check the payload type URL before decoding it")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.valueentity.NoSuchMessage");
        bad.set_value(VeRequest(id, {Update("B")}).SerializeAsString());
        ExpectRejectedCommand(ctx, ve::Command(2, id, "Process", bad));
      });

  Case("valueentity.empty_payload_type_url")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload with an empty type URL gets an orderly reaction")
      .Hint("an Any without type URL cannot be decoded; fail the command")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        google::protobuf::Any bad;
        bad.set_value(VeRequest(id, {Update("B")}).SerializeAsString());
        ExpectRejectedCommand(ctx, ve::Command(2, id, "Process", bad));
      });

  Case("valueentity.command_before_init")
      .Rules({"PROT-034", "PROT-037"})
      .Robustness()
      .Describe("a command before init gets an orderly reaction")
      .Hint("the first message of a stream must be init")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectProtocolViolation(ctx, {Process(1, id)});
      });

  Case("valueentity.second_init")
      .Rules({"PROT-034", "PROT-037"})
      .Robustness()
      .Describe("a second init on one stream gets an orderly reaction")
      .Hint("an entity stream carries exactly one init")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectProtocolViolation(ctx, {ve::Init(kModel, id), ve::Init(kModel, id)});
      });

  Case("valueentity.empty_stream_message")
      .Rules({"PROT-034", "PROT-038"})
      .Robustness()
      .Describe(
          "a stream message with no oneof member set gets an orderly reaction (ignoring it is "
          "orderly when the stream goes on serving)")
      .Hint("fail the stream on an empty ValueEntityStreamIn, or ignore it and keep serving")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectProtocolViolation(ctx, {ve::Init(kModel, id), ve::In()}, /*ignorable=*/true, id);
      });

  Case("valueentity.init_for_unknown_service")
      .Rules({"PROT-034", "PROT-039"})
      .Robustness()
      .Describe("an init naming an undeclared service gets an orderly reaction")
      .Hint("fail the stream when init names a service you do not serve")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectProtocolViolation(ctx,
                                {ve::Init("cloudstate.tck.model.valueentity.NoSuchService", id)});
      });

  Case("valueentity.init_for_service_of_another_entity_type")
      .Rules({"PROT-034", "PROT-039"})
      .Robustness()
      .Describe("a value-entity init naming an event-sourced service gets an orderly reaction")
      .Hint("a ValueEntity stream may only serve services declared as value entities")
      .Needs({kValueEntityTckModel, kEventSourcedTckModel})
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        ExpectProtocolViolation(ctx, {ve::Init(kEventSourcedTckModel, id)});
      });

  Case("valueentity.init_state_of_unknown_type")
      .Rules({"PROT-034", "PROT-040"})
      .Robustness()
      .Describe("an init state whose type cannot be decoded gets an orderly reaction, not a reply")
      .Hint("a state that cannot be decoded is unrecoverable; do not start from empty state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.valueentity.NoSuchState");
        ExpectProtocolViolation(ctx, {ve::Init(kModel, id, bad), Process(1, id)});
      });

  Case("valueentity.half_close_without_commands")
      .Rules({"PROT-031"})
      .Describe("a stream half-closed right after init completes without any message")
      .Hint("complete the response stream when the proxy half-closes")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto ve = Start(ctx, ctx.NewEntityId("ve"));
        ve.Passivate();
      });

  Case("valueentity.half_close_with_command_in_flight")
      .Rules({"PROT-031", "PROT-030"})
      .Describe(
          "a command sent just before half-close is still answered, then the stream completes")
      .Hint("answer received commands before completing on half-close")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Close();
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.ExpectClosed();
      });

  Case("valueentity.reply_echoes_command_id")
      .Rules({"PROT-011"})
      .Describe("replies carry the id of the command they answer, whatever its value")
      .Hint("copy Command.id into the reply; do not count commands yourself")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(41, id, {Update("A")}));
        ve.Expect(ve::Reply(41, VeResponse("A"), Upd("A")));
        ve.Send(Process(9000000000, id, {VeFail("boom")}));
        ve.Expect(ve::Failure(9000000000, "boom"));
        ve.Passivate();
      });

  Case("valueentity.many_entities_concurrently")
      .Rules({"VE-002", "VE-005"})
      .Describe("20 entities on concurrent streams of one connection keep separate states")
      .Hint("entity instances must not share state")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        constexpr int kCount = 20;
        std::vector<std::string> ids;
        std::vector<ValueEntityStream> streams;
        for (int i = 0; i < kCount; ++i) {
          ids.push_back(ctx.NewEntityId("ve"));
          streams.push_back(Start(ctx, ids.back()));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Send(Process(1, ids[i], {Update(absl::StrCat("v", i))}));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Expect(
              ve::Reply(1, VeResponse(absl::StrCat("v", i)), Upd(absl::StrCat("v", i))));
        }
        for (int i = 0; i < kCount; ++i) {
          streams[i].Send(Process(2, ids[i]));
          streams[i].Expect(ve::Reply(2, VeResponse(absl::StrCat("v", i))));
          streams[i].Passivate();
        }
      });

  Case("valueentity.two_streams_same_entity_id")
      .Rules({"VE-002"})
      .Optional()
      .Describe("two streams for the same entity id are independent instances initialised by init")
      .Hint("do not cache entity state by id across streams")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto a = Start(ctx, id);
        auto b = ctx.ValueEntity();
        b.Send(ve::Init(kModel, id, VeState("from-init")));
        a.Send(Process(1, id, {Update("A")}));
        a.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        b.Send(Process(1, id));
        b.Expect(ve::Reply(1, VeResponse("from-init")));
        a.Passivate();
        b.Passivate();
      });

  Case("valueentity.large_state_1mib")
      .Rules({"PROT-009"})
      .Describe("a 1 MiB state travels in init, the update action and the reply")
      .Hint("do not cap message sizes below a few MiB in the gRPC server")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        const std::string big(1 << 20, 'v');
        auto ve = ctx.ValueEntity();
        ve.Send(ve::Init(kModel, id, VeState(big)));
        ve.Send(Process(1, id));
        ve.Expect(ve::Reply(1, VeResponse(big)));
        ve.Send(Process(2, id, {Update(big + "!")}));
        ve.Expect(ve::Reply(2, VeResponse(big + "!"), Upd(big + "!")));
        ve.Passivate();
      });

  Case("valueentity.non_ascii_entity_id_and_values")
      .Rules({"VE-005", "PROT-001"})
      .Describe("entity ids and values with non-ASCII UTF-8 characters round-trip unchanged")
      .Hint("treat ids and strings as UTF-8")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("vé-实体-🙂");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("Grüße, 世界 🙂")}));
        ve.Expect(ve::Reply(1, VeResponse("Grüße, 世界 🙂"), Upd("Grüße, 世界 🙂")));
        ve.Passivate();
      });

  Case("valueentity.update_with_empty_string_value")
      .Rules({"VE-005", "PROT-002"})
      .Describe("updating to the empty string sends a present Persisted with empty bytes")
      .Hint("an empty message is a present Any with empty value bytes, not an absent field")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("ve");
        auto ve = Start(ctx, id);
        ve.Send(Process(1, id, {Update("A")}));
        ve.Expect(ve::Reply(1, VeResponse("A"), Upd("A")));
        ve.Send(Process(2, id, {Update("")}));
        ve.Expect(ve::Reply(2, VeResponse(""), Upd("")));
        ve.Passivate();
      });
}

}  // namespace cloudstate::tck::cases
