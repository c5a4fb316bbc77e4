// Action cases: the 34 model cases of the original TCK (A1-A34) with identical expectations,
// followed by cases where the original was silent.

#include <string>

#include "absl/strings/str_cat.h"

#include "cloudstate/tck/discovery.h"
#include "model.h"
#include "robustness.h"

namespace cloudstate::tck::cases {
namespace {

const std::vector<std::string> kNeeds = {kActionTckModel, kActionTwo};
using SideEffects = std::vector<cloudstate::SideEffect>;

enum class Kind { kReply, kNoReply, kForward, kFailure };

// The step producing outcome `kind` labelled `label` (none for kNoReply).
Group OutcomeSteps(Kind kind, const std::string& label) {
  switch (kind) {
    case Kind::kReply:
      return {ReplyStep(label)};
    case Kind::kForward:
      return {ForwardStep(label)};
    case Kind::kFailure:
      return {FailStep(label)};
    case Kind::kNoReply:
      return {};
  }
  return {};
}

action::Out Expected(Kind kind, const std::string& label, const SideEffects& fx) {
  switch (kind) {
    case Kind::kReply:
      return action::Reply(ActResponse(label), fx);
    case Kind::kForward:
      return action::Forward(kActionTwo, "Call", Other(label), fx);
    case Kind::kFailure:
      return action::Failure(label, fx);
    case Kind::kNoReply:
      return action::NoReply(fx);
  }
  return action::NoReply(fx);
}

// The four effect variants of the original cases: none, one, one synchronous, three.
struct Variant {
  const char* suffix;
  const char* label;
  std::vector<std::pair<const char*, bool>> effects;
};
const std::vector<Variant>& Variants() {
  static const auto* v = new std::vector<Variant>{
      {"", "one", {}},
      {"_with_side_effect", "two", {{"other", false}}},
      {"_with_synchronous_side_effect", "three", {{"another", true}}},
      {"_with_multiple_side_effects", "four", {{"a", false}, {"b", false}, {"c", false}}},
  };
  return *v;
}

Group GroupFor(Kind kind, const std::string& label,
               const std::vector<std::pair<const char*, bool>>& effects) {
  Group g = OutcomeSteps(kind, label);
  for (const auto& [id, sync] : effects) {
    g.push_back(EffectStep(id, sync));
  }
  return g;
}

SideEffects EffectsFor(const std::vector<std::pair<const char*, bool>>& effects) {
  SideEffects out;
  for (const auto& [id, sync] : effects) {
    out.push_back(ActTwoEffect(id, sync));
  }
  return out;
}

// A reaction to an undefined input: an ActionResponse failure (the call then ends, or a
// bidirectional call goes on).
Rejection IsActionRejection(const action::Out& out) {
  return out.has_failure() ? Rejection::kCommandFailure : Rejection::kNone;
}

// The orderly reaction to a unary call no conforming proxy makes (PROT-034): a failure response
// and the end of the call, or an error status.
void ExpectOrderlyActionReaction(CaseContext& ctx, ActionStream& call) {
  ExpectOrderlyReaction<cloudstate::action::ActionCommand, action::Out>(
      ctx, call, IsActionRejection, {.still_serves = [&] { call.ExpectEnded(); }});
}

// The function must still answer a plain unary call (after a cancellation or bad input).
void ExpectHealthy(CaseContext& ctx) {
  auto call = ctx.ActionUnary(
      action::Command(kActionTckModel, "ProcessUnary", ActRequest({{ReplyStep("still alive")}})));
  call.Expect(action::Reply(ActResponse("still alive")));
  call.ExpectClosed();
}

void RegisterUnary(Kind kind, const char* stem, int first_original,
                   const std::vector<std::vector<std::string>>& rules, const char* what) {
  int n = 0;
  for (const auto& v : Variants()) {
    const int original = first_original + n;
    const std::string label = v.label;
    const auto effects = v.effects;
    Case(absl::StrCat("action.", stem, v.suffix))
        .Original(absl::StrCat("A", original))
        .Rules(rules[n])
        .Describe(absl::StrCat("unary call: ", what, n == 0 ? "" : absl::StrCat(" ", v.suffix + 1)))
        .Hint(
            "ActionResponse: exactly one of reply/forward/failure (or none), side effects in "
            "order, "
            "kept on failure")
        .Needs(kNeeds)
        .Run([kind, label, effects](CaseContext& ctx) {
          Group g =
              kind == Kind::kNoReply && effects.empty() ? Group{} : GroupFor(kind, label, effects);
          auto call =
              ctx.ActionUnary(action::Command(kActionTckModel, "ProcessUnary", ActRequest({g})));
          call.Expect(Expected(kind, label, EffectsFor(effects)));
          call.ExpectClosed();
        });
    ++n;
  }
}

// Streamed-in: the given payload messages, then complete; one expected response.
void StreamedIn(CaseContext& ctx, const std::vector<acm::Request>& requests,
                const action::Out& expected) {
  auto call = ctx.ActionStreamedIn();
  call.Send(action::Header(kActionTckModel, "ProcessStreamedIn"));
  for (const auto& r : requests) {
    call.Send(action::Payload(r));
  }
  call.Close();
  call.Expect(expected);
  call.ExpectClosed();
}

// Streamed-out / bidirectional: the four variant groups (and for bidi, the fifth/sixth pair).
void StreamedOut(CaseContext& ctx, Kind kind) {
  std::vector<Group> groups;
  std::vector<action::Out> expected;
  for (const auto& v : Variants()) {
    groups.push_back(GroupFor(kind, v.label, v.effects));
    expected.push_back(Expected(kind, v.label, EffectsFor(v.effects)));
  }
  auto call = ctx.ActionStreamedOut(
      action::Command(kActionTckModel, "ProcessStreamedOut", ActRequest(groups)));
  for (const auto& e : expected) {
    call.Expect(e);
  }
  call.ExpectClosed();
}

void Streamed(CaseContext& ctx, Kind kind) {
  auto call = ctx.ActionStreamed();
  call.Send(action::Header(kActionTckModel, "ProcessStreamed"));
  for (const auto& v : Variants()) {
    call.Send(action::Payload(ActRequest({GroupFor(kind, v.label, v.effects)})));
    call.Expect(Expected(kind, v.label, EffectsFor(v.effects)));
  }
  call.Send(action::Payload(
      ActRequest({GroupFor(kind, "five", {}), GroupFor(kind, "six", {{"other", false}})})));
  call.Expect(Expected(kind, "five", {}));
  call.Expect(Expected(kind, "six", {ActTwoEffect("other")}));
  call.Close();
  call.ExpectClosed();
}

}  // namespace

TCK_CASES(ActionOriginal) {
  Case("action.entity_discovery")
      .Original("A1")
      .Rules({"DISC-007", "DISC-008", "DISC-009"})
      .Describe("both action model services are declared with type ActionProtocol")
      .Hint("register ActionTckModel and ActionTwo as actions (cloudstate.action.ActionProtocol)")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        for (const char* service : {kActionTckModel, kActionTwo}) {
          const auto* e = ctx.discovery().FindEntity(service);
          if (!ctx.Check(e != nullptr, absl::StrCat(service, " is not declared")) ||
              !ctx.Check(ctx.discovery().FindService(service) != nullptr,
                         absl::StrCat(service, " is not in the descriptor set")) ||
              !ctx.Check(e->entity_type() == kActionProtocol,
                         absl::StrCat(service, " has entity_type \"", e->entity_type(),
                                      "\", expected ", kActionProtocol))) {
            return;
          }
        }
      });

  RegisterUnary(Kind::kReply, "unary_command_reply", 2,
                {{"ACT-005", "ACT-020", "ACT-021"},
                 {"ACT-007", "PROT-017"},
                 {"ACT-007", "PROT-017"},
                 {"ACT-007", "PROT-017"}},
                "reply");
  RegisterUnary(Kind::kNoReply, "unary_command_no_reply", 6,
                {{"ACT-006", "ACT-005"},
                 {"ACT-006", "ACT-007", "PROT-017"},
                 {"ACT-006", "ACT-007", "PROT-017"},
                 {"ACT-006", "ACT-007", "PROT-017"}},
                "no reply");
  RegisterUnary(Kind::kForward, "unary_command_forward", 10,
                {{"PROT-016", "ACT-020", "ACT-023"},
                 {"PROT-016", "ACT-007", "PROT-017"},
                 {"PROT-016", "ACT-007", "PROT-017"},
                 {"PROT-016", "ACT-007", "PROT-017"}},
                "forward to ActionTwo/Call");
  RegisterUnary(Kind::kFailure, "unary_command_failure", 14,
                {{"PROT-022", "PROT-012", "ACT-020"},
                 {"PROT-022", "ACT-007", "PROT-017"},
                 {"PROT-022", "ACT-007", "PROT-017"},
                 {"PROT-022", "ACT-007", "PROT-017"}},
                "failure");

  Case("action.streamed_in_command_reply")
      .Original("A18")
      .Rules({"ACT-002", "ACT-008", "ACT-021"})
      .Describe("streamed-in call: one reply after the input completes")
      .Hint("the first ActionCommand is a header (service and name only); answer once at the end")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx, {ActRequest({{ReplyStep("one")}})}, action::Reply(ActResponse("one")));
      });

  Case("action.streamed_in_command_reply_with_side_effects")
      .Original("A19")
      .Rules({"ACT-008", "ACT-021", "ACT-007", "PROT-017"})
      .Describe("streamed-in call: side effects accumulate over all input messages")
      .Hint("combine the outcomes and side effects of every streamed request")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx,
                   {ActRequest({{ReplyStep("two"), EffectStep("a")}}),
                    ActRequest({{EffectStep("b", true)}}),
                    ActRequest({{EffectStep("c"), EffectStep("d")}})},
                   action::Reply(ActResponse("two"), {ActTwoEffect("a"), ActTwoEffect("b", true),
                                                      ActTwoEffect("c"), ActTwoEffect("d")}));
      });

  Case("action.streamed_in_command_no_reply_no_requests")
      .Original("A20")
      .Rules({"ACT-008", "ACT-006"})
      .Describe("streamed-in call with no payload messages answers with an empty response")
      .Hint("an input of only the header still gets exactly one (empty) ActionResponse")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedIn(ctx, {}, action::NoReply()); });

  Case("action.streamed_in_command_no_reply")
      .Original("A21")
      .Rules({"ACT-008", "ACT-006", "ACT-021"})
      .Describe("streamed-in call with an empty group answers with an empty response")
      .Hint("no outcome means an ActionResponse with no response member")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedIn(ctx, {ActRequest({{}})}, action::NoReply()); });

  Case("action.streamed_in_command_no_reply_with_side_effects")
      .Original("A22")
      .Rules({"ACT-008", "ACT-006", "ACT-007", "ACT-021"})
      .Describe("streamed-in call: side effects only")
      .Hint("an empty response still carries the accumulated side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx,
                   {ActRequest({{EffectStep("a")}}), ActRequest({{EffectStep("b", true)}}),
                    ActRequest({{EffectStep("c"), EffectStep("d")}})},
                   action::NoReply({ActTwoEffect("a"), ActTwoEffect("b", true), ActTwoEffect("c"),
                                    ActTwoEffect("d")}));
      });

  Case("action.streamed_in_command_forward")
      .Original("A23")
      .Rules({"ACT-008", "PROT-016", "ACT-021"})
      .Describe("streamed-in call answered with a forward")
      .Hint("forward to cloudstate.tck.model.action.ActionTwo/Call with OtherRequest{id}")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx, {ActRequest({{ForwardStep("one")}})},
                   action::Forward(kActionTwo, "Call", Other("one")));
      });

  Case("action.streamed_in_command_forward_with_side_effects")
      .Original("A24")
      .Rules({"ACT-008", "PROT-016", "ACT-007", "ACT-021"})
      .Describe("streamed-in call: forward with accumulated side effects")
      .Hint("side effects accompany forwards")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx,
                   {ActRequest({{ForwardStep("two"), EffectStep("a")}}),
                    ActRequest({{EffectStep("b", true)}}),
                    ActRequest({{EffectStep("c"), EffectStep("d")}})},
                   action::Forward(kActionTwo, "Call", Other("two"),
                                   {ActTwoEffect("a"), ActTwoEffect("b", true), ActTwoEffect("c"),
                                    ActTwoEffect("d")}));
      });

  Case("action.streamed_in_command_failure")
      .Original("A25")
      .Rules({"ACT-008", "PROT-022", "ACT-021"})
      .Describe("streamed-in call answered with a failure")
      .Hint("ActionResponse.failure with the user's message and command_id 0")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx, {ActRequest({{FailStep("one")}})}, action::Failure("one"));
      });

  Case("action.streamed_in_command_failure_with_side_effects")
      .Original("A26")
      .Rules({"ACT-008", "PROT-022", "ACT-007", "ACT-021"})
      .Describe("streamed-in call: failure keeps the accumulated side effects")
      .Hint("unlike entities, action failures keep side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        StreamedIn(ctx,
                   {ActRequest({{FailStep("two"), EffectStep("a")}}),
                    ActRequest({{EffectStep("b", true)}}),
                    ActRequest({{EffectStep("c"), EffectStep("d")}})},
                   action::Failure("two", {ActTwoEffect("a"), ActTwoEffect("b", true),
                                           ActTwoEffect("c"), ActTwoEffect("d")}));
      });

  Case("action.streamed_out_command_replies_and_side_effects")
      .Original("A27")
      .Rules({"ACT-010", "ACT-022", "ACT-007"})
      .Describe("streamed-out call: one reply per group, then completion")
      .Hint("send one ActionResponse per group in order, then complete the stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedOut(ctx, Kind::kReply); });

  Case("action.streamed_out_command_no_replies_and_side_effects")
      .Original("A28")
      .Rules({"ACT-010", "ACT-022", "ACT-006", "ACT-007"})
      .Describe("streamed-out call: empty responses carrying side effects")
      .Hint("groups without outcome still produce a response with their side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedOut(ctx, Kind::kNoReply); });

  Case("action.streamed_out_command_forwards_and_side_effects")
      .Original("A29")
      .Rules({"ACT-010", "ACT-022", "PROT-016", "ACT-007"})
      .Describe("streamed-out call: forwards with side effects")
      .Hint("forwards inside a stream, one per group")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedOut(ctx, Kind::kForward); });

  Case("action.streamed_out_command_failures_and_side_effects")
      .Original("A30")
      .Rules({"ACT-010", "ACT-012", "ACT-022", "PROT-022", "ACT-007"})
      .Describe("streamed-out call: failures do not end the stream")
      .Hint("a failure response inside a stream must be followed by the remaining responses")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { StreamedOut(ctx, Kind::kFailure); });

  Case("action.streamed_command_replies_and_side_effects")
      .Original("A31")
      .Rules({"ACT-002", "ACT-011", "ACT-022", "ACT-007"})
      .Describe("bidirectional call: responses as each request arrives")
      .Hint("answer each streamed request without waiting for the input to complete")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { Streamed(ctx, Kind::kReply); });

  Case("action.streamed_command_no_replies_and_side_effects")
      .Original("A32")
      .Rules({"ACT-011", "ACT-022", "ACT-006", "ACT-007"})
      .Describe("bidirectional call: empty responses with side effects")
      .Hint("groups without outcome produce empty responses with their side effects")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { Streamed(ctx, Kind::kNoReply); });

  Case("action.streamed_command_forwards_and_side_effects")
      .Original("A33")
      .Rules({"ACT-011", "ACT-022", "PROT-016", "ACT-007"})
      .Describe("bidirectional call: forwards with side effects")
      .Hint("forwards inside a bidirectional stream")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { Streamed(ctx, Kind::kForward); });

  Case("action.streamed_command_failures_and_side_effects")
      .Original("A34")
      .Rules({"ACT-011", "ACT-012", "ACT-022", "PROT-022", "ACT-007"})
      .Describe("bidirectional call: failures do not end the stream")
      .Hint("keep the stream open after a failure response")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) { Streamed(ctx, Kind::kFailure); });
}

TCK_CASES(ActionNew) {
  Case("action.unknown_command_name")
      .Rules({"PROT-034", "PROT-036"})
      .Robustness()
      .Describe("a call naming a method the service does not have gets an orderly reaction")
      .Hint(
          "answer unknown method names with ActionResponse.failure or an error status; never "
          "dispatch them to another method")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionUnary(
            action::Command(kActionTckModel, "NoSuchMethod", ActRequest({{ReplyStep("x")}})));
        ExpectOrderlyActionReaction(ctx, call);
        ExpectHealthy(ctx);
      });

  Case("action.unknown_service")
      .Rules({"PROT-034", "PROT-036"})
      .Robustness()
      .Describe("a call naming an undeclared service gets an orderly reaction")
      .Hint("reject calls for services you do not serve; never crash or hang")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call =
            ctx.ActionUnary(action::Command("cloudstate.tck.model.action.NoSuchService",
                                            "ProcessUnary", ActRequest({{ReplyStep("x")}})));
        ExpectOrderlyActionReaction(ctx, call);
        ExpectHealthy(ctx);
      });

  Case("action.unknown_payload_type")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload whose type URL is not the method's input type gets an orderly reaction")
      .Hint("check the payload type URL before decoding it")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.action.NoSuchMessage");
        bad.set_value(ActRequest({{ReplyStep("x")}}).SerializeAsString());
        auto call = ctx.ActionUnary(action::Command(kActionTckModel, "ProcessUnary", bad));
        ExpectOrderlyActionReaction(ctx, call);
        ExpectHealthy(ctx);
      });

  Case("action.empty_payload_type_url")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe("a payload with an empty type URL gets an orderly reaction")
      .Hint("an Any without type URL cannot be decoded; fail the call")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        google::protobuf::Any bad;
        bad.set_value(ActRequest({{ReplyStep("x")}}).SerializeAsString());
        auto call = ctx.ActionUnary(action::Command(kActionTckModel, "ProcessUnary", bad));
        ExpectOrderlyActionReaction(ctx, call);
        ExpectHealthy(ctx);
      });

  Case("action.streamed_bad_payload_mid_stream")
      .Rules({"PROT-034", "PROT-035"})
      .Robustness()
      .Describe(
          "a bad payload inside a bidirectional call gets an orderly reaction; after a failure "
          "response the stream goes on")
      .Hint("answer the bad message with a failure response (or end the call with an error)")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionStreamed();
        call.Send(action::Header(kActionTckModel, "ProcessStreamed"));
        call.Send(action::Payload(ActRequest({{ReplyStep("one")}})));
        call.Expect(action::Reply(ActResponse("one")));
        google::protobuf::Any bad;
        bad.set_type_url("type.googleapis.com/cloudstate.tck.model.action.NoSuchMessage");
        call.Send(action::Payload(bad));
        ExpectOrderlyReaction<cloudstate::action::ActionCommand, action::Out>(
            ctx, call, IsActionRejection, {.still_serves = [&] {
              call.Send(action::Payload(ActRequest({{ReplyStep("two")}})));
              call.Expect(action::Reply(ActResponse("two")));
              call.Close();
              call.ExpectClosed();
            }});
        ExpectHealthy(ctx);
      });

  Case("action.unary_groups_combine_into_one_response")
      .Rules({"ACT-021", "ACT-020"})
      .Describe("ProcessUnary combines all groups: later outcomes win, side effects accumulate")
      .Hint("fold the groups of a unary request into one ActionResponse")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionUnary(
            action::Command(kActionTckModel, "ProcessUnary",
                            ActRequest({{ReplyStep("one")},
                                        {EffectStep("a")},
                                        {ReplyStep("two"), EffectStep("b", true)}})));
        call.Expect(
            action::Reply(ActResponse("two"), {ActTwoEffect("a"), ActTwoEffect("b", true)}));
        call.ExpectClosed();
      });

  Case("action.second_service_answers_empty_response")
      .Rules({"ACT-023"})
      .Describe("ActionTwo.Call answers with an empty Response")
      .Hint("the forward/side-effect target of the model returns Response{}")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionUnary(action::Command(kActionTwo, "Call", Other("x")));
        call.Expect(action::Reply(ActResponse("")));
        call.ExpectClosed();
      });

  Case("action.streamed_out_with_no_groups")
      .Rules({"ACT-010", "ACT-022"})
      .Describe("a streamed-out call with no groups completes without any response")
      .Hint("zero outcomes: complete the stream without sending anything")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionStreamedOut(
            action::Command(kActionTckModel, "ProcessStreamedOut", ActRequest({})));
        call.ExpectClosed();
      });

  Case("action.streamed_with_no_input")
      .Rules({"ACT-011", "ACT-022"})
      .Describe("a bidirectional call whose input is only the header completes without responses")
      .Hint("complete the output when the input completes")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionStreamed();
        call.Send(action::Header(kActionTckModel, "ProcessStreamed"));
        call.Close();
        call.ExpectClosed();
      });

  Case("action.streamed_many_requests_in_order")
      .Rules({"ACT-011"})
      .Describe("50 requests on one bidirectional call are answered in order")
      .Hint("answer streamed requests in arrival order")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionStreamed();
        call.Send(action::Header(kActionTckModel, "ProcessStreamed"));
        for (int i = 0; i < 50; ++i) {
          call.Send(action::Payload(ActRequest({{ReplyStep(absl::StrCat("m", i))}})));
        }
        for (int i = 0; i < 50; ++i) {
          call.Expect(action::Reply(ActResponse(absl::StrCat("m", i))));
        }
        call.Close();
        call.ExpectClosed();
      });

  Case("action.streamed_cancellation")
      .Rules({"ACT-018"})
      .Describe("cancelling a bidirectional call mid-stream leaves the function healthy")
      .Hint("handle cancellation of streamed calls; release resources and keep serving")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        {
          auto call = ctx.ActionStreamed();
          call.Send(action::Header(kActionTckModel, "ProcessStreamed"));
          call.Send(action::Payload(ActRequest({{ReplyStep("one")}})));
          call.Expect(action::Reply(ActResponse("one")));
          call.Cancel();
        }
        ExpectHealthy(ctx);
      });

  Case("action.streamed_in_cancellation")
      .Rules({"ACT-018"})
      .Describe(
          "cancelling a streamed-in call before completing its input leaves the function healthy")
      .Hint("a cancelled streamed-in call must not be answered or crash the function")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        {
          auto call = ctx.ActionStreamedIn();
          call.Send(action::Header(kActionTckModel, "ProcessStreamedIn"));
          call.Send(action::Payload(ActRequest({{ReplyStep("one")}})));
          call.ExpectNothing();
          call.Cancel();
        }
        ExpectHealthy(ctx);
      });

  Case("action.streamed_out_cancellation")
      .Rules({"ACT-018"})
      .Describe(
          "cancelling a streamed-out call after its first response leaves the function healthy")
      .Hint("stop producing responses for a cancelled call")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        {
          std::vector<Group> groups;
          for (int i = 0; i < 200; ++i) {
            groups.push_back({ReplyStep(absl::StrCat("r", i))});
          }
          auto call = ctx.ActionStreamedOut(
              action::Command(kActionTckModel, "ProcessStreamedOut", ActRequest(groups)));
          call.Expect(action::Reply(ActResponse("r0")));
          call.Cancel();
        }
        ExpectHealthy(ctx);
      });

  Case("action.concurrent_unary_calls")
      .Rules({"ACT-005"})
      .Describe("20 unary calls in flight at once each get their own answer")
      .Hint("do not serialise or mix up concurrent action calls")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        std::vector<ActionStream> calls;
        for (int i = 0; i < 20; ++i) {
          calls.push_back(ctx.ActionUnary(action::Command(
              kActionTckModel, "ProcessUnary", ActRequest({{ReplyStep(absl::StrCat("c", i))}}))));
        }
        for (int i = 0; i < 20; ++i) {
          calls[i].Expect(action::Reply(ActResponse(absl::StrCat("c", i))));
          calls[i].ExpectClosed();
        }
      });

  Case("action.large_payload_1mib")
      .Rules({"PROT-009"})
      .Describe("a 1 MiB reply message is carried in the command and the response")
      .Hint("do not cap message sizes below a few MiB in the gRPC server")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        const std::string big(1 << 20, 'a');
        auto call = ctx.ActionUnary(
            action::Command(kActionTckModel, "ProcessUnary", ActRequest({{ReplyStep(big)}})));
        call.Expect(action::Reply(ActResponse(big)));
        call.ExpectClosed();
      });

  Case("action.non_ascii_reply")
      .Rules({"ACT-005", "PROT-001"})
      .Describe("non-ASCII UTF-8 text round-trips unchanged")
      .Hint("treat strings as UTF-8")
      .Needs(kNeeds)
      .Run([](CaseContext& ctx) {
        auto call = ctx.ActionUnary(
            action::Command(kActionTckModel, "ProcessUnary",
                            ActRequest({{ReplyStep("héllo wörld ✓ 世界 🙂")}})));
        call.Expect(action::Reply(ActResponse("héllo wörld ✓ 世界 🙂")));
        call.ExpectClosed();
      });
}

}  // namespace cloudstate::tck::cases
