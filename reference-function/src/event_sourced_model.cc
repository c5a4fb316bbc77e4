// The event sourced TCK models: EventSourcedTckModel, EventSourcedTwo, EventSourcedConfigured.
#include "cloudstate/tck/model/eventsourced.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/reference_function/reference_function.h"
#include "fault_names.h"
#include "model_util.h"

namespace cloudstate::reference_function {
namespace {

namespace model = cloudstate::tck::model;

constexpr char kTckModel[] = "cloudstate.tck.model.EventSourcedTckModel";
constexpr char kTwo[] = "cloudstate.tck.model.EventSourcedTwo";
constexpr char kConfigured[] = "cloudstate.tck.model.EventSourcedConfigured";

// State = the concatenation of every event's value.
class EventSourcedTckModel final : public sdk::EventSourcedEntity {
 public:
  EventSourcedTckModel(bool forward_wrong_target, bool truncate_large)
      : forward_wrong_target_(forward_wrong_target), truncate_large_(truncate_large) {}

  absl::Status HandleSnapshot(const google::protobuf::Any& snapshot) override {
    model::Persisted persisted;
    if (!UnpackAny(snapshot, &persisted)) {
      return absl::InvalidArgumentError("snapshot is not a cloudstate.tck.model.Persisted");
    }
    state_ = persisted.value();
    return absl::OkStatus();
  }

  absl::Status HandleEvent(const google::protobuf::Any& event) override {
    model::Persisted persisted;
    if (!UnpackAny(event, &persisted)) {
      return absl::InvalidArgumentError("event is not a cloudstate.tck.model.Persisted");
    }
    state_ += persisted.value();
    return absl::OkStatus();
  }

  std::optional<google::protobuf::Any> Snapshot() const override {
    model::Persisted persisted;
    persisted.set_value(state_);
    return PackAny(persisted);
  }

  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::EventSourcedContext& ctx) override {
    model::Request request;
    UnpackAny(command, &request);
    for (const auto& action : request.actions()) {
      switch (action.action_case()) {
        case model::RequestAction::kEmit: {
          model::Persisted event;
          event.set_value(action.emit().value());
          absl::Status status = ctx.Emit(event);
          if (!status.ok()) {
            return status;
          }
          break;
        }
        case model::RequestAction::kForward: {
          model::Request target;
          target.set_id(action.forward().id());
          if (forward_wrong_target_) {
            ctx.Forward(kTckModel, "Process", target);
          } else {
            ctx.Forward(kTwo, "Call", target);
          }
          break;
        }
        case model::RequestAction::kEffect: {
          model::Request target;
          target.set_id(action.effect().id());
          ctx.SideEffect(kTwo, "Call", target, action.effect().synchronous());
          break;
        }
        case model::RequestAction::kFail:
          ctx.Fail(action.fail().message());
          break;
        case model::RequestAction::ACTION_NOT_SET:
          break;
      }
      if (ctx.failed()) {
        break;
      }
    }
    model::Response response;
    response.set_message(MaybeTruncated(state_, truncate_large_));
    return PackAny(response);
  }

 private:
  bool forward_wrong_target_;
  bool truncate_large_;
  std::string state_;
};

// EventSourcedTwo and EventSourcedConfigured: no state, reply with an empty Response.
class EmptyReplyEntity final : public sdk::EventSourcedEntity {
 public:
  explicit EmptyReplyEntity(bool non_empty = false) : non_empty_(non_empty) {}
  absl::Status HandleEvent(const google::protobuf::Any& event) override { return absl::OkStatus(); }
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, sdk::EventSourcedContext& ctx) override {
    model::Response response;
    if (non_empty_) {
      response.set_message("unexpected");  // the fault es-two-non-empty-reply
    }
    return PackAny(response);
  }

 private:
  bool non_empty_;
};

}  // namespace

void RegisterEventSourcedModels(sdk::Server& server, const Faults& faults) {
  sdk::EventSourcedEntityOptions main;
  main.service = FindService(kTckModel);
  main.persistence_id = faults.Has(fault::kDiscoveryWrongPersistenceId) ? "event-sourced-tck"
                                                                        : "event-sourced-tck-model";
  main.snapshot_every = faults.Has(fault::kEsSnapshotOffByOne) ? 6 : 5;
  const bool wrong_target = faults.Has(fault::kEsForwardWrongTarget);
  const bool truncate_large = faults.Has(fault::kProtocolLargePayloadTruncated);
  server.AddEventSourcedEntity(main, [wrong_target, truncate_large](std::string_view) {
    return std::make_unique<EventSourcedTckModel>(wrong_target, truncate_large);
  });

  sdk::EventSourcedEntityOptions two;
  two.service = FindService(kTwo);
  two.persistence_id = "event-sourced-tck-model-two";
  const bool two_non_empty = faults.Has(fault::kEsTwoNonEmptyReply);
  server.AddEventSourcedEntity(two, [two_non_empty](std::string_view) {
    return std::make_unique<EmptyReplyEntity>(two_non_empty);
  });

  sdk::EventSourcedEntityOptions configured;
  configured.service = FindService(kConfigured);
  configured.persistence_id = "event-sourced-configured";
  if (!faults.Has(fault::kDiscoveryPassivationDropped)) {
    configured.passivation_timeout_ms = 100;
  }
  server.AddEventSourcedEntity(
      configured, [](std::string_view) { return std::make_unique<EmptyReplyEntity>(); });
}

}  // namespace cloudstate::reference_function
