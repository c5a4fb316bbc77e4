#pragma once
// Test fixtures: small entities over the TCK model protos (used as ordinary test protos here).

#include <string>

#include "google/protobuf/descriptor.h"

#include "cloudstate/tck/model/eventsourced.pb.h"
#include "cloudstate/tck/model/valueentity.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/sdk/event_sourced.h"
#include "cloudstate/sdk/value_entity.h"

namespace cloudstate::sdk::testing {

inline const google::protobuf::ServiceDescriptor* Service(const std::string& name) {
  // Touch a message so that the generated file is linked in and registered.
  (void)cloudstate::tck::model::Request::descriptor();
  (void)cloudstate::tck::model::valueentity::Request::descriptor();
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
}

// Event sourced: state = concatenated event values; commands follow the TCK model Request.
class ConcatEntity : public EventSourcedEntity {
 public:
  absl::Status HandleSnapshot(const google::protobuf::Any& snapshot) override {
    cloudstate::tck::model::Persisted p;
    if (!UnpackAny(snapshot, &p)) {
      return absl::InvalidArgumentError("bad snapshot");
    }
    state_ = p.value();
    return absl::OkStatus();
  }
  absl::Status HandleEvent(const google::protobuf::Any& event) override {
    cloudstate::tck::model::Persisted p;
    if (!UnpackAny(event, &p)) {
      return absl::InvalidArgumentError("bad event");
    }
    state_ += p.value();
    return absl::OkStatus();
  }
  std::optional<google::protobuf::Any> Snapshot() const override {
    cloudstate::tck::model::Persisted p;
    p.set_value(state_);
    return PackAny(p);
  }
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, EventSourcedContext& ctx) override {
    cloudstate::tck::model::Request request;
    UnpackAny(command, &request);
    for (const auto& action : request.actions()) {
      if (action.has_emit()) {
        cloudstate::tck::model::Persisted p;
        p.set_value(action.emit().value());
        if (auto status = ctx.Emit(p); !status.ok()) {
          return status;
        }
      } else if (action.has_forward()) {
        cloudstate::tck::model::Request target;
        target.set_id(action.forward().id());
        ctx.Forward("cloudstate.tck.model.EventSourcedTwo", "Call", target);
      } else if (action.has_effect()) {
        cloudstate::tck::model::Request target;
        target.set_id(action.effect().id());
        ctx.SideEffect("cloudstate.tck.model.EventSourcedTwo", "Call", target,
                       action.effect().synchronous());
      } else if (action.has_fail()) {
        ctx.Fail(action.fail().message());
        break;
      }
    }
    if (request.id() == "crash") {
      return absl::InternalError("boom");
    }
    cloudstate::tck::model::Response response;
    response.set_message(state_);
    return PackAny(response);
  }

 private:
  std::string state_;
};

// Value entity over the TCK value entity model protos.
class ValueModel : public ValueEntity {
 public:
  absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, ValueEntityContext& ctx) override {
    namespace m = cloudstate::tck::model::valueentity;
    m::Request request;
    UnpackAny(command, &request);
    for (const auto& action : request.actions()) {
      if (action.has_update()) {
        m::Persisted p;
        p.set_value(action.update().value());
        ctx.UpdateState(p);
      } else if (action.has_delete_()) {
        ctx.DeleteState();
      } else if (action.has_forward()) {
        m::Request target;
        target.set_id(action.forward().id());
        ctx.Forward("cloudstate.tck.model.valueentity.ValueEntityTwo", "Call", target);
      } else if (action.has_effect()) {
        m::Request target;
        target.set_id(action.effect().id());
        ctx.SideEffect("cloudstate.tck.model.valueentity.ValueEntityTwo", "Call", target,
                       action.effect().synchronous());
      } else if (action.has_fail()) {
        ctx.Fail(action.fail().message());
        break;
      }
    }
    m::Persisted current;
    if (ctx.state().has_value()) {
      UnpackAny(*ctx.state(), &current);
    }
    m::Response response;
    response.set_message(current.value());
    return PackAny(response);
  }
};

}  // namespace cloudstate::sdk::testing
