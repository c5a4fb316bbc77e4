// Proxy cases of event-log eventing (original EV1-EV3, F-21): an event journaled by an entity of
// the eventlogeventing model reaches EventLogSubscriberModel as an action command with CloudEvent
// metadata, and what the subscriber answers is routed. The events are only visible on the
// function side, so every case needs the interceptor.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"

#include "cloudstate/action.pb.h"
#include "cloudstate/tck/model/eventlogeventing.pb.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"
#include "model_builders.h"

namespace cloudstate::tck::proxy_suite {
namespace {

namespace evm = ::cloudstate::tck::model::eventlogeventing;
using ::cloudstate::action::ActionCommand;
using ::cloudstate::action::ActionResponse;

constexpr const char* kSubscriber = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";
constexpr const char* kEntityOne = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityOne";
constexpr const char* kEntityTwo = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityTwo";
constexpr const char* kEventOneUrl =
    "type.googleapis.com/cloudstate.tck.model.eventlogeventing.EventOne";

std::string MetadataValue(const cloudstate::Metadata& metadata, std::string_view key) {
  for (const auto& entry : metadata.entries()) {
    if (absl::EqualsIgnoreCase(entry.key(), absl::string_view(key.data(), key.size()))) {
      return entry.string_value();
    }
  }
  return "";
}

// An action call whose first command is `name` on the subscriber with ce-subject `subject`
// (Effect commands carry the id in their payload instead).
std::function<bool(const InterceptedCall&)> SubscriberCommand(const std::string& name,
                                                              const std::string& subject,
                                                              const std::string& message = "") {
  return [name, subject, message](const InterceptedCall& c) {
    ActionCommand command;
    if (c.in.empty() || !command.ParseFromString(c.in[0])) {
      return false;
    }
    if (command.service_name() != kSubscriber || command.name() != name) {
      return false;
    }
    if (name == "Effect") {
      evm::EffectRequest effect;
      return effect.ParseFromString(command.payload().value()) && effect.id() == subject &&
             (message.empty() || effect.message() == message);
    }
    if (MetadataValue(command.metadata(), "ce-subject") != subject) {
      return false;
    }
    if (message.empty()) {
      return true;
    }
    evm::EventOne event;
    return event.ParseFromString(command.payload().value()) &&
           event.step().reply().message() == message;
  };
}

bool EmitOne(ProxyCaseContext& ctx, const std::string& id, evm::ProcessStep step) {
  evm::EmitEventRequest request;
  request.set_id(id);
  *request.mutable_event_one()->mutable_step() = std::move(step);
  google::protobuf::Empty empty;
  ctx.ExpectOk(ctx.Unary(model::Method(kEntityOne, "EmitEvent"), request, &empty), "EmitEvent");
  return !ctx.failed();
}

evm::ProcessStep ReplyStep(std::string_view message) {
  evm::ProcessStep step;
  step.mutable_reply()->set_message(std::string(message));
  return step;
}

// The subscriber's reply in call `call` is Response{id, message}.
void ExpectResponse(ProxyCaseContext& ctx, int call, const std::string& id,
                    const std::string& message) {
  evm::Response expected;
  expected.set_id(id);
  expected.set_message(message);
  ActionResponse reply;
  reply.mutable_reply()->mutable_payload()->set_type_url(
      "type.googleapis.com/cloudstate.tck.model.eventlogeventing.Response");
  reply.mutable_reply()->mutable_payload()->set_value(expected.SerializeAsString());
  ctx.ExpectOut(call, 0, reply, /*strip_metadata=*/true);
}

// EV1: an EventOne with a reply step is delivered to ProcessEventOne with CloudEvent metadata.
void ConsumeEvent(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("eventlogeventing");
  if (!EmitOne(ctx, id, ReplyStep("some message"))) {
    return;
  }
  auto call = ctx.AwaitCall(model::kActionUnary, SubscriberCommand("ProcessEventOne", id),
                            "ProcessEventOne for the emitted event");
  if (!call) {
    return;
  }
  auto record = ctx.CallRecord(*call);
  ActionCommand command;
  if (!record || !command.ParseFromString(record->in[0])) {
    ctx.Fail("the subscriber command does not parse");
    return;
  }
  evm::EventOne event;
  ctx.Check(command.payload().type_url() == kEventOneUrl,
            absl::StrCat("payload type URL is ", command.payload().type_url(), ", expected ",
                         kEventOneUrl, " (the event's own Any)"));
  ctx.Check(event.ParseFromString(command.payload().value()) &&
                event.step().reply().message() == "some message",
            "the payload is the journaled EventOne, unchanged");
  const auto& md = command.metadata();
  ctx.Check(!MetadataValue(md, "ce-id").empty(), "ce-id is set (the event's offset)");
  ctx.Check(MetadataValue(md, "ce-source") == "eventlogeventing-one",
            absl::StrCat("ce-source is the persistence id eventlogeventing-one, got \"",
                         MetadataValue(md, "ce-source"), "\""));
  ctx.Check(MetadataValue(md, "ce-specversion") == "1.0", "ce-specversion is 1.0");
  ctx.Check(
      MetadataValue(md, "ce-type") == kEventOneUrl,
      absl::StrCat("ce-type is the event type URL, got \"", MetadataValue(md, "ce-type"), "\""));
  ExpectResponse(ctx, *call, id, "some message");
}

// EV2: a forward step makes the subscriber forward to Effect, which the proxy runs.
void ForwardConsumedEvent(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("eventlogeventing");
  evm::ProcessStep step;
  step.mutable_forward()->set_message("some message");
  if (!EmitOne(ctx, id, step)) {
    return;
  }
  if (!ctx.AwaitCall(model::kActionUnary, SubscriberCommand("ProcessEventOne", id),
                     "ProcessEventOne for the emitted event")) {
    return;
  }
  auto effect = ctx.AwaitCall(model::kActionUnary, SubscriberCommand("Effect", id, "some message"),
                              "the forwarded Effect command");
  if (effect) {
    ExpectResponse(ctx, *effect, id, "some message");
  }
}

// EV3: a JSON event goes, unchanged, to the method taking google.protobuf.Any.
void JsonEventToAnySubscriber(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("eventlogeventing");
  evm::JsonEvent request;
  request.set_id(id);
  request.set_message("some json message");
  google::protobuf::Empty empty;
  ctx.ExpectOk(ctx.Unary(model::Method(kEntityTwo, "EmitJsonEvent"), request, &empty),
               "EmitJsonEvent");
  if (ctx.failed()) {
    return;
  }
  auto call = ctx.AwaitCall(model::kActionUnary, SubscriberCommand("ProcessAnyEvent", id),
                            "ProcessAnyEvent for the JSON event");
  if (!call) {
    return;
  }
  auto record = ctx.CallRecord(*call);
  ActionCommand command;
  if (record && command.ParseFromString(record->in[0])) {
    ctx.Check(absl::StartsWith(command.payload().type_url(), "json.cloudstate.io/"),
              absl::StrCat("payload type URL is ", command.payload().type_url(),
                           ", expected the event's json.cloudstate.io/ URL"));
    ctx.Check(MetadataValue(command.metadata(), "ce-source") == "eventlogeventing-two",
              "ce-source is the persistence id eventlogeventing-two");
  }
  ExpectResponse(ctx, *call, id, "some json message");
}

// An EventTwo goes to ProcessEventTwo (a server-streamed method): one answer per step, a reply
// and a forward to Effect, which the proxy runs.
void StreamedSubscriber(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("eventlogeventing");
  evm::EmitEventRequest request;
  request.set_id(id);
  *request.mutable_event_two()->add_step() = ReplyStep("streamed reply");
  request.mutable_event_two()->add_step()->mutable_forward()->set_message("streamed forward");
  google::protobuf::Empty empty;
  ctx.ExpectOk(ctx.Unary(model::Method(kEntityOne, "EmitEvent"), request, &empty), "EmitEvent");
  if (ctx.failed()) {
    return;
  }
  auto call = ctx.AwaitCall(model::kActionStreamedOut, SubscriberCommand("ProcessEventTwo", id),
                            "ProcessEventTwo (streamed out) for the EventTwo");
  if (!call) {
    return;
  }
  ExpectResponse(ctx, *call, id, "streamed reply");
  auto effect =
      ctx.AwaitCall(model::kActionUnary, SubscriberCommand("Effect", id, "streamed forward"),
                    "the Effect command forwarded from the stream");
  if (effect) {
    ExpectResponse(ctx, *effect, id, "streamed forward");
  }
}

// Three events of one entity reach the subscriber in journal order.
void EventsOfOneEntityInOrder(ProxyCaseContext& ctx) {
  const std::string id = ctx.NewId("eventlogeventing");
  const std::vector<std::string> messages = {"first", "second", "third"};
  for (const auto& m : messages) {
    if (!EmitOne(ctx, id, ReplyStep(m))) {
      return;
    }
  }
  std::vector<int> calls;
  for (const auto& m : messages) {
    auto call = ctx.AwaitCall(model::kActionUnary, SubscriberCommand("ProcessEventOne", id, m),
                              absl::StrCat("ProcessEventOne for \"", m, "\""));
    if (!call) {
      return;
    }
    ExpectResponse(ctx, *call, id, m);
    calls.push_back(*call);
  }
  ctx.Check(calls[0] < calls[1] && calls[1] < calls[2],
            "the three events were delivered in the order they were journaled");
}

PROXY_CASE({.name = "proxy.eventing_consume_event",
            .rule_ids = {"EVT-001", "EVT-002", "EVT-003", "EVT-004"},
            .description = "an event journaled by EventSourcedEntityOne reaches the subscriber's "
                           "ProcessEventOne with CloudEvent metadata, and its reply is taken",
            .hint = "run a consumer per (cloudstate.eventing).in.event_log: read the journal of "
                    "that persistence id and send each event as an action command with ce-id, "
                    "ce-source, ce-specversion, ce-type, Content-Type and ce-subject metadata",
            .original_id = "EV1",
            .services = {kSubscriber, kEntityOne},
            .needs_interceptor = true,
            .body = ConsumeEvent});
PROXY_CASE({.name = "proxy.eventing_forward_consumed_event",
            .rule_ids = {"EVT-001", "EVT-007"},
            .description = "a subscriber's forward of a consumed event is executed (Effect)",
            .hint = "route the subscriber's answer like a client call's: forwards and side "
                    "effects run",
            .original_id = "EV2",
            .services = {kSubscriber, kEntityOne},
            .needs_interceptor = true,
            .body = ForwardConsumedEvent});
PROXY_CASE({.name = "proxy.eventing_json_event_to_any",
            .rule_ids = {"EVT-002", "EVT-003"},
            .description = "a JSON event of EventSourcedEntityTwo reaches ProcessAnyEvent "
                           "(google.protobuf.Any input) with its json.cloudstate.io/ type URL",
            .hint = "json.cloudstate.io/ and p.cloudstate.io/ events go to the method taking "
                    "google.protobuf.Any, payload unchanged",
            .original_id = "EV3",
            .services = {kSubscriber, kEntityTwo},
            .needs_interceptor = true,
            .body = JsonEventToAnySubscriber});
PROXY_CASE({.name = "proxy.eventing_streamed_subscriber",
            .rule_ids = {"EVT-002", "EVT-007"},
            .description = "an EventTwo reaches the server-streamed ProcessEventTwo, whose reply "
                           "is taken and whose forward to Effect is run",
            .hint = "an event whose type matches a streamed method's input opens a streamed-out "
                    "action call; its forwards run like a client call's",
            .services = {kSubscriber, kEntityOne},
            .needs_interceptor = true,
            .body = StreamedSubscriber});
PROXY_CASE({.name = "proxy.eventing_journal_order",
            .rule_ids = {"EVT-006"},
            .description = "three events of one entity reach the subscriber in journal order",
            .hint = "deliver an event log in its stored order, one event after the other",
            .services = {kSubscriber, kEntityOne},
            .needs_interceptor = true,
            .body = EventsOfOneEntityInOrder});

}  // namespace
}  // namespace cloudstate::tck::proxy_suite
