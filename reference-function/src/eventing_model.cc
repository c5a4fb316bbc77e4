// The event-log eventing TCK models: the EventLogSubscriberModel action and the two event sourced
// entities whose journals it consumes.
#include "google/protobuf/empty.pb.h"
#include "nlohmann/json.hpp"

#include "cloudstate/tck/model/eventlogeventing.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace model = cloudstate::tck::model::eventlogeventing;
using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;

constexpr char kSubscriber[] = "cloudstate.tck.model.eventlogeventing.EventLogSubscriberModel";
constexpr char kEntityOne[] = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityOne";
constexpr char kEntityTwo[] = "cloudstate.tck.model.eventlogeventing.EventSourcedEntityTwo";

class EventLogSubscriberModel final : public sdk::Action {
 public:
  explicit EventLogSubscriberModel(bool id_from_source) : id_from_source_(id_from_source) {}

  absl::StatusOr<ActionResponse> HandleUnary(const sdk::ActionContext& ctx,
                                             const ActionCommand& command) override {
    if (ctx.command_name == "ProcessEventOne") {
      model::EventOne event;
      UnpackAny(command.payload(), &event);
      return Process(EntityId(ctx), event.step());
    }
    if (ctx.command_name == "Effect") {
      model::EffectRequest request;
      UnpackAny(command.payload(), &request);
      model::Response response;
      response.set_id(request.id());
      response.set_message(request.message());
      return sdk::ActionReply(response);
    }
    if (ctx.command_name == "ProcessAnyEvent") {
      // The payload is the event itself: JSON in the Cloudstate JSON convention.
      std::optional<std::string> json = JsonText(command.payload());
      if (!json.has_value()) {
        return sdk::ActionFailure("ProcessAnyEvent expects a json.cloudstate.io event, got " +
                                  command.payload().type_url());
      }
      nlohmann::json parsed = nlohmann::json::parse(*json, nullptr, /*allow_exceptions=*/false);
      model::Response response;
      response.set_id(EntityId(ctx));
      if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
        response.set_message(parsed["message"].get<std::string>());
      }
      return sdk::ActionReply(response);
    }
    return absl::UnimplementedError("unknown unary command " + ctx.command_name);
  }

  absl::StatusOr<std::vector<ActionResponse>> HandleStreamedOut(
      const sdk::ActionContext& ctx, const ActionCommand& command) override {
    model::EventTwo event;
    UnpackAny(command.payload(), &event);
    std::vector<ActionResponse> out;
    for (const auto& step : event.step()) {
      out.push_back(Process(EntityId(ctx), step));
    }
    return out;
  }

 private:
  // The emitting entity's id travels as the CloudEvent subject.
  std::string EntityId(const sdk::ActionContext& ctx) const {
    return sdk::MetadataString(ctx.metadata, id_from_source_ ? "ce-source" : "ce-subject")
        .value_or("");
  }

  static ActionResponse Process(const std::string& id, const model::ProcessStep& step) {
    if (step.has_forward()) {
      model::EffectRequest request;
      request.set_id(id);
      request.set_message(step.forward().message());
      return sdk::ActionForward(sdk::MakeForward(kSubscriber, "Effect", request));
    }
    model::Response response;
    response.set_id(id);
    response.set_message(step.reply().message());
    return sdk::ActionReply(response);
  }

  bool id_from_source_;
};

class EntityOne final : public sdk::EventSourcedEntity {
 public:
  absl::Status HandleEvent(const google::protobuf::Any& event) override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::EventSourcedContext& ctx) override {
    model::EmitEventRequest request;
    UnpackAny(command, &request);
    absl::Status status = absl::OkStatus();
    if (request.has_event_one()) {
      status = ctx.Emit(request.event_one());
    } else if (request.has_event_two()) {
      status = ctx.Emit(request.event_two());
    }
    if (!status.ok()) {
      return status;
    }
    return PackAny(google::protobuf::Empty());
  }
};

class EntityTwo final : public sdk::EventSourcedEntity {
 public:
  explicit EntityTwo(bool wrong_type_url) : wrong_type_url_(wrong_type_url) {}
  absl::Status HandleEvent(const google::protobuf::Any& event) override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::EventSourcedContext& ctx) override {
    model::JsonEvent request;
    UnpackAny(command, &request);
    const std::string json = nlohmann::json{{"message", request.message()}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    google::protobuf::Any event = PackJson("JsonEvent", json);
    if (wrong_type_url_) {
      event.set_type_url("type.googleapis.com/JsonEvent");
    }
    absl::Status status = ctx.EmitAny(std::move(event));
    if (!status.ok()) {
      return status;
    }
    return PackAny(google::protobuf::Empty());
  }

 private:
  bool wrong_type_url_;
};

}  // namespace

void RegisterEventingModels(sdk::Server& server, const Faults& faults) {
  sdk::ActionOptions subscriber;
  subscriber.service = FindService(kSubscriber);
  server.AddAction(subscriber, std::make_shared<EventLogSubscriberModel>(
                                   faults.Has(fault::kEventingIdFromSource)));

  sdk::EventSourcedEntityOptions one;
  one.service = FindService(kEntityOne);
  one.persistence_id = "eventlogeventing-one";
  server.AddEventSourcedEntity(one, [](std::string_view) { return std::make_unique<EntityOne>(); });

  sdk::EventSourcedEntityOptions two;
  two.service = FindService(kEntityTwo);
  two.persistence_id = "eventlogeventing-two";
  const bool wrong_type_url = faults.Has(fault::kEventingJsonWrongTypeUrl);
  server.AddEventSourcedEntity(two, [wrong_type_url](std::string_view) {
    return std::make_unique<EntityTwo>(wrong_type_url);
  });
}

}  // namespace cloudstate::reference_function
