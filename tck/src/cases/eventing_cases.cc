// Eventing cases, function side: the kit plays the proxy of an event-log subscription. It calls
// the event-log entities as the proxy would and checks the events they emit, and it delivers
// events to EventLogSubscriberModel with the CloudEvent metadata the proxy attaches (catalog §3.5),
// checking the subscriber's answer. The proxy side of eventing (routing, delivery, progress) is
// checked by the proxy suite.

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/empty.pb.h"

#include "cloudstate/tck/model/eventlogeventing.pb.h"

#include "cloudstate/common/any.h"
#include "model.h"

namespace cloudstate::tck::cases {
namespace {

namespace evm = ::cloudstate::tck::model::eventlogeventing;

constexpr const char* kSubscriber = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";
constexpr const char* kEntityTwo = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityTwo";
// The event-log tag of EventSourcedEntityOne: what the proxy puts in ce-source. It differs from the
// subject (the emitting entity's id), which is what the subscriber must answer with.
constexpr const char* kSourceOne = "eventlogeventing-one";
constexpr const char* kSourceTwo = "eventlogeventing-two";

void AddMetadata(cloudstate::Metadata* metadata, std::string_view key, std::string_view value) {
  auto* entry = metadata->add_entries();
  entry->set_key(std::string(key));
  entry->set_string_value(std::string(value));
}

// An event delivered to the subscriber as the proxy does it: the event as the payload and the
// CloudEvent attributes of an event-log source as metadata.
action::In Delivery(std::string_view method, const google::protobuf::Message& event,
                    std::string_view subject, std::string_view source, std::string_view type,
                    int offset) {
  action::In command = action::Command(kSubscriber, method, event);
  auto* metadata = command.mutable_metadata();
  AddMetadata(metadata, "ce-specversion", "1.0");
  AddMetadata(metadata, "ce-id", absl::StrCat(offset));
  AddMetadata(metadata, "ce-source", source);
  AddMetadata(metadata, "ce-type", type);
  AddMetadata(metadata, "ce-subject", subject);
  AddMetadata(metadata, "Content-Type", "application/vnd.cloudstate.protobuf.any");
  return command;
}

evm::ProcessStep EvReplyStep(std::string_view message) {
  evm::ProcessStep step;
  step.mutable_reply()->set_message(std::string(message));
  return step;
}

evm::ProcessStep EvForwardStep(std::string_view message) {
  evm::ProcessStep step;
  step.mutable_forward()->set_message(std::string(message));
  return step;
}

evm::Response EvResponse(std::string_view id, std::string_view message) {
  evm::Response response;
  response.set_id(std::string(id));
  response.set_message(std::string(message));
  return response;
}

evm::EffectRequest EffectRequest(std::string_view id, std::string_view message) {
  evm::EffectRequest request;
  request.set_id(std::string(id));
  request.set_message(std::string(message));
  return request;
}

}  // namespace

TCK_CASES(Eventing) {
  Case("eventing.json_event_emitted")
      .Original("EV3")
      .Rules({"EVT-012", "PROT-007"})
      .Describe(
          "EventSourcedEntityTwo.EmitJsonEvent emits one json.cloudstate.io/ event holding "
          "{\"message\": ...} and replies Empty")
      .Hint(
          "encode JSON events as the JSON bytes in field 1 of an Any whose type URL starts with "
          "json.cloudstate.io/")
      .Needs({kEntityTwo})
      .Run([](CaseContext& ctx) {
        const std::string id = ctx.NewEntityId("eventlogeventing");
        const std::string message = "some json message";
        evm::JsonEvent request;
        request.set_id(id);
        request.set_message(message);
        auto es = ctx.EventSourced();
        es.Send(es::Init(kEntityTwo, id));
        es.Send(es::Command(1, id, "EmitJsonEvent", request));
        es.ExpectThat(
            "a reply with Empty and one JSON event carrying the message",
            [&](const es::Out& out) -> std::string {
              if (!out.has_reply()) {
                return "expected an EventSourcedReply";
              }
              const auto& reply = out.reply();
              if (reply.command_id() != 1) {
                return absl::StrCat("the reply answers command ", reply.command_id(), ", not 1");
              }
              if (!reply.client_action().has_reply() ||
                  reply.client_action().reply().payload().type_url() !=
                      "type.googleapis.com/google.protobuf.Empty") {
                return "the client action is not a reply with google.protobuf.Empty";
              }
              if (reply.events_size() != 1) {
                return absl::StrCat("expected exactly one event, got ", reply.events_size());
              }
              const google::protobuf::Any& event = reply.events(0);
              if (!absl::StartsWith(event.type_url(), "json.cloudstate.io/")) {
                return absl::StrCat("the event's type URL is ", event.type_url(),
                                    "; a JSON event's starts with json.cloudstate.io/");
              }
              std::optional<std::string> json = JsonText(event);
              if (!json.has_value()) {
                return "the event's value is not JSON bytes in field 1";
              }
              if (json->find("\"message\"") == std::string::npos ||
                  json->find(absl::StrCat("\"", message, "\"")) == std::string::npos) {
                return absl::StrCat("the JSON event ", *json, " does not hold {\"message\": \"",
                                    message, "\"}");
              }
              return "";
            });
        es.Passivate();
      });

  Case("eventing.subscriber_replies_with_subject")
      .Original("EV1")
      .Rules({"EVT-011"})
      .Describe("ProcessEventOne with a reply step answers Response{id = ce-subject, message}")
      .Hint("take the emitting entity's id from the CloudEvent subject (ce-subject), not ce-source")
      .Needs({kSubscriber})
      .Run([](CaseContext& ctx) {
        const std::string subject = ctx.NewEntityId("eventlogeventing");
        evm::EventOne event;
        *event.mutable_step() = EvReplyStep("some message");
        auto call = ctx.ActionUnary(Delivery("ProcessEventOne", event, subject, kSourceOne,
                                             "cloudstate.tck.model.eventlogeventing.EventOne", 1));
        call.Expect(action::Reply(EvResponse(subject, "some message")), IgnoringActionMetadata());
        call.ExpectClosed();
      });

  Case("eventing.subscriber_forwards_to_effect")
      .Original("EV2")
      .Rules({"EVT-011"})
      .Describe(
          "ProcessEventOne with a forward step forwards EffectRequest{id = ce-subject, "
          "message} to EventLogSubscriberModel/Effect")
      .Hint("forward to cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel/Effect")
      .Needs({kSubscriber})
      .Run([](CaseContext& ctx) {
        const std::string subject = ctx.NewEntityId("eventlogeventing");
        evm::EventOne event;
        *event.mutable_step() = EvForwardStep("some message");
        auto call = ctx.ActionUnary(Delivery("ProcessEventOne", event, subject, kSourceOne,
                                             "cloudstate.tck.model.eventlogeventing.EventOne", 2));
        call.Expect(action::Forward(kSubscriber, "Effect", EffectRequest(subject, "some message")),
                    IgnoringActionMetadata());
        call.ExpectClosed();
      });

  Case("eventing.subscriber_streams_one_answer_per_step")
      .Rules({"EVT-011"})
      .Describe("ProcessEventTwo answers each step in order (a reply, then a forward), then ends")
      .Hint("ProcessEventTwo is server-streaming: one ActionResponse per step of EventTwo")
      .Needs({kSubscriber})
      .Run([](CaseContext& ctx) {
        const std::string subject = ctx.NewEntityId("eventlogeventing");
        evm::EventTwo event;
        *event.add_step() = EvReplyStep("first");
        *event.add_step() = EvForwardStep("second");
        auto call =
            ctx.ActionStreamedOut(Delivery("ProcessEventTwo", event, subject, kSourceOne,
                                           "cloudstate.tck.model.eventlogeventing.EventTwo", 3));
        call.Expect(action::Reply(EvResponse(subject, "first")), IgnoringActionMetadata());
        call.Expect(action::Forward(kSubscriber, "Effect", EffectRequest(subject, "second")),
                    IgnoringActionMetadata());
        call.ExpectClosed();
      });

  Case("eventing.subscriber_decodes_json_event")
      .Original("EV3")
      .Rules({"EVT-012", "PROT-007"})
      .Describe(
          "ProcessAnyEvent decodes a json.cloudstate.io/ event and answers Response{id = "
          "ce-subject, message}")
      .Hint("a method taking google.protobuf.Any receives the event as is; decode the JSON")
      .Needs({kSubscriber})
      .Run([](CaseContext& ctx) {
        const std::string subject = ctx.NewEntityId("eventlogeventing");
        google::protobuf::Any event = PackJson("JsonEvent", "{\"message\":\"some json message\"}");
        auto call = ctx.ActionUnary(
            Delivery("ProcessAnyEvent", event, subject, kSourceTwo, "JsonEvent", 4));
        call.Expect(action::Reply(EvResponse(subject, "some json message")),
                    IgnoringActionMetadata());
        call.ExpectClosed();
      });
}

}  // namespace cloudstate::tck::cases
