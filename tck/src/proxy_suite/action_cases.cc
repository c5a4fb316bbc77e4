// Proxy cases of actions (original AP1-AP9).
#include "absl/strings/str_cat.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"
#include "model_builders.h"

namespace cloudstate::tck::proxy_suite {
namespace {

using namespace model;  // NOLINT(build/namespaces): builders only
namespace act = ::cloudstate::tck::action;

const std::string kUnary = Method(kActionTckModel, "ProcessUnary");
const std::string kStreamedIn = Method(kActionTckModel, "ProcessStreamedIn");
const std::string kStreamedOut = Method(kActionTckModel, "ProcessStreamedOut");
const std::string kStreamed = Method(kActionTckModel, "ProcessStreamed");
const std::string kTwoCall = Method(kActionTwo, "Call");

// Matches an action call whose message `index` equals `expected` (metadata ignored).
std::function<bool(const InterceptedCall&)> ActionMessageIs(size_t index, const act::In& expected) {
  return [index, expected](const InterceptedCall& c) {
    if (c.in.size() <= index) {
      return false;
    }
    act::In m;
    if (!m.ParseFromString(c.in[index])) {
      return false;
    }
    m.clear_metadata();
    return m.SerializeAsString() == expected.SerializeAsString();
  };
}

// The ActionTwo/Call call made for `id`, answered with an empty Response.
void ExpectTwoCall(ProxyCaseContext& ctx, std::string_view id) {
  auto expected = act::Command(kActionTwo, "Call", Other(id));
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, expected), "ActionTwo.Call")) {
    ctx.ExpectIn(*c, 0, expected, true);
    ctx.ExpectOut(*c, 0, act::Reply(ActResponse("")), true);
  }
}

std::optional<acm::Response> ReadResponse(ProxyCaseContext& ctx, ClientCall& call,
                                          std::string_view what) {
  if (ctx.failed()) {
    return std::nullopt;
  }
  auto bytes = call.Read(ctx.window());
  if (!bytes) {
    auto status = call.Finish(std::chrono::milliseconds(0));
    ctx.Fail(absl::StrCat(
        std::string(what), ": expected a response, but ",
        status ? absl::StrCat("the call ended with status ", static_cast<int>(status->error_code()),
                              " \"", status->error_message(), "\"")
               : std::string("none arrived in time")));
    return std::nullopt;
  }
  acm::Response r;
  if (!r.ParseFromString(*bytes)) {
    ctx.Fail(absl::StrCat(std::string(what), ": the response does not parse"));
    return std::nullopt;
  }
  ctx.Note(absl::StrCat("client <- ", ShortText(r)));
  return r;
}

void ExpectCompleted(ProxyCaseContext& ctx, ClientCall& call, std::string_view what) {
  if (ctx.failed()) {
    return;
  }
  if (auto extra = call.Read(ctx.window())) {
    ctx.Fail(absl::StrCat(std::string(what), ": unexpected further response"));
    return;
  }
  auto status = call.Finish(ctx.window());
  if (!status) {
    ctx.Fail(absl::StrCat(std::string(what), ": the call did not complete"));
  } else {
    ctx.ExpectOk(*status, std::string(what));
  }
}

void Unary(ProxyCaseContext& ctx) {
  auto request = ActRequest({{ReplyStep("one")}});
  acm::Response response;
  ctx.ExpectOk(ctx.Unary(kUnary, request, &response), "ProcessUnary");
  ctx.ExpectMessage(ActResponse("one"), response, "ProcessUnary");
  auto command = act::Command(kActionTckModel, "ProcessUnary", request);
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, command), "ProcessUnary")) {
    ctx.ExpectIn(*c, 0, command, true);
    ctx.ExpectOut(*c, 0, act::Reply(ActResponse("one")), true);
    ctx.ExpectCallEnded(*c, ctx.window(), "unary call");
  }
}

void StreamedIn(ProxyCaseContext& ctx) {
  auto request = ActRequest({{ReplyStep("two")}});
  auto call = ctx.Open(kStreamedIn);
  ctx.Check(call->Write(request.SerializeAsString()), "ProcessStreamedIn: write failed");
  call->WritesDone();
  auto r = ReadResponse(ctx, *call, "ProcessStreamedIn");
  if (r) {
    ctx.ExpectMessage(ActResponse("two"), *r, "ProcessStreamedIn");
  }
  ExpectCompleted(ctx, *call, "ProcessStreamedIn");
  auto header = act::Header(kActionTckModel, "ProcessStreamedIn");
  if (auto c = ctx.AwaitCall(kActionStreamedIn, ActionMessageIs(1, act::Payload(request)),
                             "ProcessStreamedIn")) {
    ctx.ExpectIn(*c, 0, header, true);
    ctx.ExpectIn(*c, 1, act::Payload(request), true);
    ctx.ExpectOut(*c, 0, act::Reply(ActResponse("two")), true);
    ctx.ExpectCallEnded(*c, ctx.window(), "streamed-in call");
    ctx.ExpectInCount(*c, 2);
  }
}

void StreamedOut(ProxyCaseContext& ctx) {
  auto request = ActRequest({{ReplyStep("A")}, {ReplyStep("B")}, {ReplyStep("C")}});
  auto call = ctx.Open(kStreamedOut);
  ctx.Check(call->Write(request.SerializeAsString()), "ProcessStreamedOut: write failed");
  call->WritesDone();
  for (const char* m : {"A", "B", "C"}) {
    if (auto r = ReadResponse(ctx, *call, "ProcessStreamedOut")) {
      ctx.ExpectMessage(ActResponse(m), *r, "ProcessStreamedOut");
    }
  }
  ExpectCompleted(ctx, *call, "ProcessStreamedOut");
  auto command = act::Command(kActionTckModel, "ProcessStreamedOut", request);
  if (auto c =
          ctx.AwaitCall(kActionStreamedOut, ActionMessageIs(0, command), "ProcessStreamedOut")) {
    ctx.ExpectIn(*c, 0, command, true);
    ctx.ExpectOut(*c, 0, act::Reply(ActResponse("A")), true);
    ctx.ExpectOut(*c, 1, act::Reply(ActResponse("B")), true);
    ctx.ExpectOut(*c, 2, act::Reply(ActResponse("C")), true);
    ctx.ExpectCallEnded(*c, ctx.window(), "streamed-out call");
  }
}

void Streamed(ProxyCaseContext& ctx) {
  auto call = ctx.Open(kStreamed);
  std::vector<acm::Request> requests;
  for (const char* m : {"X", "Y", "Z"}) {
    requests.push_back(ActRequest({{ReplyStep(m)}}));
    ctx.Check(call->Write(requests.back().SerializeAsString()), "ProcessStreamed: write failed");
    if (auto r = ReadResponse(ctx, *call, "ProcessStreamed")) {
      ctx.ExpectMessage(ActResponse(m), *r, "ProcessStreamed");
    }
  }
  call->WritesDone();
  ExpectCompleted(ctx, *call, "ProcessStreamed");
  if (auto c = ctx.AwaitCall(kActionStreamed, ActionMessageIs(1, act::Payload(requests[0])),
                             "ProcessStreamed")) {
    ctx.ExpectIn(*c, 0, act::Header(kActionTckModel, "ProcessStreamed"), true);
    for (size_t i = 0; i < 3; ++i) {
      ctx.ExpectIn(*c, i + 1, act::Payload(requests[i]), true);
      ctx.ExpectOut(*c, i,
                    act::Reply(requests[i].groups(0).steps(0).reply().message() == ""
                                   ? ActResponse("")
                                   : ActResponse(requests[i].groups(0).steps(0).reply().message())),
                    true);
    }
    ctx.ExpectCallEnded(*c, ctx.window(), "streamed call");
  }
}

void UnaryForwardsAndEffects(ProxyCaseContext& ctx) {
  const std::string other = ctx.NewId("other");
  const std::string another = ctx.NewId("another");
  // (a) forward
  auto fwd = ActRequest({{ForwardStep(other)}});
  acm::Response response;
  ctx.ExpectOk(ctx.Unary(kUnary, fwd, &response), "ProcessUnary (forward)");
  ctx.ExpectMessage(ActResponse(""), response, "ProcessUnary (forward)");
  auto command = act::Command(kActionTckModel, "ProcessUnary", fwd);
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, command), "forwarding command")) {
    ctx.ExpectOut(*c, 0, act::Forward(kActionTwo, "Call", Other(other)), true);
  }
  ExpectTwoCall(ctx, other);
  // (b) reply with a side effect
  auto fx = ActRequest({{ReplyStep(""), EffectStep(another)}});
  response.Clear();
  ctx.ExpectOk(ctx.Unary(kUnary, fx, &response), "ProcessUnary (side effect)");
  ctx.ExpectMessage(ActResponse(""), response, "ProcessUnary (side effect)");
  auto command2 = act::Command(kActionTckModel, "ProcessUnary", fx);
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, command2), "command with effect")) {
    ctx.ExpectOut(
        *c, 0, act::Reply(ActResponse(""), {SideEffect(kActionTwo, "Call", Other(another))}), true);
  }
  ExpectTwoCall(ctx, another);
}

void StreamedForwardsAndEffects(ProxyCaseContext& ctx) {
  const std::string one = ctx.NewId("one");
  const std::string two = ctx.NewId("two");
  auto call = ctx.Open(kStreamed);
  auto fwd = ActRequest({{ForwardStep(one)}});
  ctx.Check(call->Write(fwd.SerializeAsString()), "ProcessStreamed: write failed");
  if (auto r = ReadResponse(ctx, *call, "ProcessStreamed (forward)")) {
    ctx.ExpectMessage(ActResponse(""), *r, "ProcessStreamed (forward)");
  }
  auto fx = ActRequest({{EffectStep(two)}});
  ctx.Check(call->Write(fx.SerializeAsString()), "ProcessStreamed: write failed");
  ExpectTwoCall(ctx, one);
  ExpectTwoCall(ctx, two);
  call->WritesDone();
  // The no-reply message must not produce a client message.
  ExpectCompleted(ctx, *call, "ProcessStreamed");
  if (auto c = ctx.AwaitCall(kActionStreamed, ActionMessageIs(1, act::Payload(fwd)),
                             "ProcessStreamed")) {
    ctx.ExpectIn(*c, 0, act::Header(kActionTckModel, "ProcessStreamed"), true);
    ctx.ExpectIn(*c, 1, act::Payload(fwd), true);
    ctx.ExpectOut(*c, 0, act::Forward(kActionTwo, "Call", Other(one)), true);
    ctx.ExpectIn(*c, 2, act::Payload(fx), true);
    ctx.ExpectOut(*c, 1, act::NoReply({SideEffect(kActionTwo, "Call", Other(two))}), true);
    ctx.ExpectCallEnded(*c, ctx.window(), "streamed call");
  }
}

void UnaryFailure(ProxyCaseContext& ctx) {
  auto request = ActRequest({{FailStep("expected failure")}});
  acm::Response response;
  ctx.ExpectFailure(ctx.Unary(kUnary, request, &response), "expected failure", "ProcessUnary");
  auto command = act::Command(kActionTckModel, "ProcessUnary", request);
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, command), "failing command")) {
    ctx.ExpectOut(*c, 0, act::Failure("expected failure"), true);
  }
}

void StreamedFailure(ProxyCaseContext& ctx) {
  auto request = ActRequest({{FailStep("expected failure")}});
  auto call = ctx.Open(kStreamed);
  ctx.Check(call->Write(request.SerializeAsString()), "ProcessStreamed: write failed");
  if (!ctx.failed()) {
    if (auto extra = call->Read(ctx.window())) {
      ctx.Fail("ProcessStreamed: expected the stream to fail, got a response");
    } else {
      auto status = call->Finish(ctx.window());
      if (!status) {
        ctx.Fail("ProcessStreamed: the stream did not end after the failure");
      } else {
        ctx.ExpectFailure(*status, "expected failure", "ProcessStreamed");
      }
    }
  }
  if (auto c = ctx.AwaitCall(kActionStreamed, ActionMessageIs(1, act::Payload(request)),
                             "failing stream")) {
    ctx.ExpectIn(*c, 0, act::Header(kActionTckModel, "ProcessStreamed"), true);
    ctx.ExpectOut(*c, 0, act::Failure("expected failure"), true);
  }
}

void UnaryHttp(ProxyCaseContext& ctx) {
  const std::string message = "foo";
  ctx.HttpExpectJson("/tck/model/action/unary",
                     R"({"groups":[{"steps":[{"reply":{"message":"foo"}}]}]})",
                     R"({"message":"foo"})");
  auto command = act::Command(kActionTckModel, "ProcessUnary", ActRequest({{ReplyStep(message)}}));
  if (auto c = ctx.AwaitCall(kActionUnary, ActionMessageIs(0, command), "HTTP ProcessUnary")) {
    ctx.ExpectOut(*c, 0, act::Reply(ActResponse(message)), true);
  }
  ctx.HttpExpectFailure("/tck/model/action/unary",
                        R"({"groups":[{"steps":[{"fail":{"message":"boom"}}]}]})", "boom");
}

PROXY_CASE(
    {.name = "proxy.action_unary",
     .rule_ids = {"ACT-001", "ACT-013", "FE-001"},
     .description =
         "a unary action call is relayed as one complete ActionCommand and its reply returned",
     .hint = "handleUnary must carry service_name, name and payload; the reply payload becomes the "
             "gRPC response",
     .original_id = "AP1",
     .services = {kActionTckModel, kActionTwo},
     .body = Unary});
PROXY_CASE(
    {.name = "proxy.action_streamed_in",
     .rule_ids = {"ACT-002", "ACT-003", "ACT-013"},
     .description = "a client-streaming call is relayed as header, payload messages and half-close",
     .hint = "the first ActionCommand of a streamed call carries only service_name and name",
     .original_id = "AP2",
     .services = {kActionTckModel, kActionTwo},
     .body = StreamedIn});
PROXY_CASE(
    {.name = "proxy.action_streamed_out",
     .rule_ids = {"ACT-010", "ACT-013"},
     .description = "a server-streaming call returns every response in order, then completes",
     .hint = "relay each ActionResponse of handleStreamedOut as a message, complete when the "
             "function completes",
     .original_id = "AP3",
     .services = {kActionTckModel, kActionTwo},
     .body = StreamedOut});
PROXY_CASE(
    {.name = "proxy.action_streamed",
     .rule_ids = {"ACT-002", "ACT-003", "ACT-011", "ACT-013"},
     .description =
         "a bidirectional call relays messages in both directions and completes both sides",
     .hint = "handleStreamed: header first, then one payload-only command per client message",
     .original_id = "AP4",
     .services = {kActionTckModel, kActionTwo},
     .body = Streamed});
PROXY_CASE(
    {.name = "proxy.action_unary_forwards_and_side_effects",
     .rule_ids = {"ACT-015", "PROT-020", "PROT-019", "ACT-023"},
     .description = "a forward is executed as a new ActionTwo.Call whose reply the client gets; a "
                    "side effect runs too",
     .hint = "route forwards/side effects like new commands (unary handleUnary to ActionTwo)",
     .original_id = "AP5",
     .services = {kActionTckModel, kActionTwo},
     .body = UnaryForwardsAndEffects});
PROXY_CASE(
    {.name = "proxy.action_streamed_forwards_and_side_effects",
     .rule_ids = {"ACT-014", "ACT-015", "PROT-020", "PROT-019", "ACT-013"},
     .description =
         "forwards and side effects inside a bidirectional call; a no-reply response sends nothing",
     .hint = "an ActionResponse without a response must not produce a client message",
     .original_id = "AP6",
     .services = {kActionTckModel, kActionTwo},
     .body = StreamedForwardsAndEffects});
PROXY_CASE(
    {.name = "proxy.action_unary_failure",
     .rule_ids = {"ACT-016", "FE-018"},
     .description = "an action failure becomes a gRPC error whose description is the failure text",
     .hint = "map ActionResponse.failure to status UNKNOWN with the description",
     .original_id = "AP7",
     .services = {kActionTckModel, kActionTwo},
     .body = UnaryFailure});
PROXY_CASE(
    {.name = "proxy.action_streamed_failure",
     .rule_ids = {"ACT-017", "FE-018"},
     .description =
         "a failure in a bidirectional call ends the client stream with the failure description",
     .hint = "a failure response terminates the streamed call with status UNKNOWN",
     .original_id = "AP8",
     .services = {kActionTckModel, kActionTwo},
     .body = StreamedFailure});
PROXY_CASE({.name = "proxy.action_unary_http",
            .rule_ids = {"FE-013", "FE-015", "FE-019", "ACT-016"},
            .description = "POST /tck/model/action/unary answers 200 {\"message\":\"foo\"}, a "
                           "failure 500 with its text",
            .hint = "google.api.http transcoding: compact JSON with defaults; failures are HTTP "
                    "500 with the description",
            .original_id = "AP9",
            .services = {kActionTckModel, kActionTwo},
            .needs_http = true,
            .body = UnaryHttp});

}  // namespace
}  // namespace cloudstate::tck::proxy_suite
