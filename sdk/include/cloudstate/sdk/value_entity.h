#pragma once
// Value entities: the SDK owns the entity's state (one Any, absent = not created yet). A command
// handler reads it with ctx.state() and replaces or deletes it; the change is sent to the proxy
// with the reply (several changes in one command collapse into the last one). A failed command
// changes nothing and drops its side effects.
//
//   class Greeter : public cloudstate::sdk::ValueEntity {
//     absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
//         const google::protobuf::Any& command, ValueEntityContext& ctx) override {
//       ctx.UpdateState(Greeting(...));
//       return cloudstate::PackAny(Reply(...));
//     }
//   };

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/value_entity.pb.h"

#include "cloudstate/sdk/effects.h"
#include "cloudstate/sdk/fault_plan.h"
#include "cloudstate/sdk/stream_core.h"

namespace cloudstate::sdk {

struct ValueEntityOptions {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  std::string persistence_id;  // empty: the service's simple name (see Server::Declare)
  std::optional<int64_t> passivation_timeout_ms;
};

class ValueEntityContext : public EffectsCollector {
 public:
  ValueEntityContext(std::string entity_id, int64_t command_id, std::string command_name,
                     std::optional<google::protobuf::Any> state);

  const std::string& entity_id() const { return entity_id_; }
  int64_t command_id() const { return command_id_; }
  const std::string& command_name() const { return command_name_; }

  // The current state, including changes made earlier in this command.
  const std::optional<google::protobuf::Any>& state() const { return state_; }
  void UpdateState(const google::protobuf::Message& state);
  void UpdateStateAny(google::protobuf::Any state);
  void DeleteState();

  // The state action to send (nullopt: the command changed nothing).
  const std::optional<cloudstate::valueentity::ValueEntityAction>& state_action() const {
    return action_;
  }
  const std::optional<cloudstate::valueentity::ValueEntityAction>& first_state_action() const {
    return first_action_;
  }

 private:
  void Record(cloudstate::valueentity::ValueEntityAction action);

  std::string entity_id_;
  int64_t command_id_;
  std::string command_name_;
  std::optional<google::protobuf::Any> state_;
  std::optional<cloudstate::valueentity::ValueEntityAction> action_;
  std::optional<cloudstate::valueentity::ValueEntityAction> first_action_;
};

class ValueEntity {
 public:
  virtual ~ValueEntity() = default;
  virtual absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, ValueEntityContext& ctx) = 0;
};

using ValueEntityFactory = std::function<std::unique_ptr<ValueEntity>(std::string_view entity_id)>;

struct ValueEntityRegistration {
  ValueEntityOptions options;
  ValueEntityFactory factory;
};

using ValueEntityResolver =
    std::function<const ValueEntityRegistration*(std::string_view service_name)>;

// The protocol logic of one `cloudstate.valueentity.ValueEntity/handle` stream.
class ValueEntityStreamCore : public StreamCore<cloudstate::valueentity::ValueEntityStreamIn,
                                                cloudstate::valueentity::ValueEntityStreamOut> {
 public:
  using In = cloudstate::valueentity::ValueEntityStreamIn;
  using Out = cloudstate::valueentity::ValueEntityStreamOut;

  // `faults` (conformance kit only, see fault_plan.h): the deliberate deviations to make.
  explicit ValueEntityStreamCore(ValueEntityResolver resolver,
                                 std::shared_ptr<const FaultPlan> faults = nullptr);
  StreamStep<Out> OnMessage(const In& in) override;
  StreamStep<Out> OnInputEnd() override;

  const std::optional<google::protobuf::Any>& state() const { return state_; }

 private:
  StreamStep<Out> OnInit(const cloudstate::valueentity::ValueEntityInit& init);
  StreamStep<Out> OnCommand(const cloudstate::Command& command);
  StreamStep<Out> StreamFailure(int64_t command_id, std::string description);
  bool Deviates(SdkFault fault) const;

  ValueEntityResolver resolver_;
  std::shared_ptr<const FaultPlan> faults_;
  bool crash_on_protocol_error_;
  const ValueEntityRegistration* registration_ = nullptr;
  std::unique_ptr<ValueEntity> entity_;
  std::string entity_id_;
  std::optional<google::protobuf::Any> state_;
  bool seen_command_ = false;
};

}  // namespace cloudstate::sdk
