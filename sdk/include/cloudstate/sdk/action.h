#pragma once
// Actions: stateless functions in the four gRPC call shapes. One Action object serves every call
// of its service, possibly from several threads at once, so it must be thread-safe.
//
//   class Echo : public cloudstate::sdk::Action {
//     absl::StatusOr<cloudstate::action::ActionResponse> HandleUnary(
//         const ActionContext& ctx, const cloudstate::action::ActionCommand& command) override {
//       return ActionReply(command.payload());
//     }
//   };
//
// A response with nothing set means "no reply" (allowed in every shape). Returning an error
// status ends the call with that gRPC status.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/action.pb.h"

#include "cloudstate/sdk/effects.h"
#include "cloudstate/sdk/fault_plan.h"
#include "cloudstate/sdk/stream_core.h"

namespace cloudstate::sdk {

struct ActionOptions {
  const google::protobuf::ServiceDescriptor* service = nullptr;
};

struct ActionContext {
  std::string service_name;
  std::string command_name;
  const google::protobuf::MethodDescriptor* method = nullptr;
  cloudstate::Metadata metadata;  // metadata of the unary / first command
};

cloudstate::action::ActionResponse ActionReply(const google::protobuf::Message& payload);
cloudstate::action::ActionResponse ActionReply(google::protobuf::Any payload);
cloudstate::action::ActionResponse ActionForward(cloudstate::Forward forward);
cloudstate::action::ActionResponse ActionFailure(std::string description);

class Action {
 public:
  virtual ~Action() = default;
  virtual absl::StatusOr<cloudstate::action::ActionResponse> HandleUnary(
      const ActionContext& ctx, const cloudstate::action::ActionCommand& command);
  // All payload messages of a client-streaming call, answered once the input completed.
  virtual absl::StatusOr<cloudstate::action::ActionResponse> HandleStreamedIn(
      const ActionContext& ctx, const std::vector<cloudstate::action::ActionCommand>& commands);
  virtual absl::StatusOr<std::vector<cloudstate::action::ActionResponse>> HandleStreamedOut(
      const ActionContext& ctx, const cloudstate::action::ActionCommand& command);
  // Bidirectional: called per incoming payload message, then once at the end of the input.
  virtual absl::StatusOr<std::vector<cloudstate::action::ActionResponse>> HandleStreamedMessage(
      const ActionContext& ctx, const cloudstate::action::ActionCommand& command);
  virtual absl::StatusOr<std::vector<cloudstate::action::ActionResponse>> HandleStreamedEnd(
      const ActionContext& ctx);
};

struct ActionRegistration {
  ActionOptions options;
  std::shared_ptr<Action> action;
};

using ActionResolver = std::function<const ActionRegistration*(std::string_view service_name)>;

enum class ActionShape { kUnary, kStreamedIn, kStreamedOut, kStreamed };

// Sans-IO logic of the action protocol, shared by the four RPCs.
class ActionDispatcher {
 public:
  // `faults` (conformance kit only, see fault_plan.h): the deliberate deviations to make, e.g.
  // kActionErrorsAsStatus (a malformed call ends with an error status instead of an
  // ActionResponse failure) or kExitOnActionBadInput (a malformed call makes the process exit, as
  // an SDK that dereferences an unresolved type or method would).
  explicit ActionDispatcher(ActionResolver resolver,
                            std::shared_ptr<const FaultPlan> faults = nullptr);

  // Returns `problem`; under kExitOnActionBadInput, a problem ends the process instead.
  std::optional<std::string> Checked(std::optional<std::string> problem) const;

  // The answer to a malformed call: a failure response (or, under the fault, an error status).
  absl::StatusOr<cloudstate::action::ActionResponse> Malformed(std::string problem) const;
  bool errors_as_status() const { return errors_as_status_; }

  // Resolves the (header) command of a call of `shape`. On success fills ctx/registration.
  // A bad service, method or shape yields a failure description.
  std::optional<std::string> Resolve(const cloudstate::action::ActionCommand& header,
                                     ActionShape shape, ActionContext* ctx,
                                     const ActionRegistration** registration) const;

  absl::StatusOr<cloudstate::action::ActionResponse> Unary(
      const cloudstate::action::ActionCommand& command) const;
  absl::StatusOr<std::vector<cloudstate::action::ActionResponse>> StreamedOut(
      const cloudstate::action::ActionCommand& command) const;

  // Whether the fault plan makes `registration`'s service deviate in `fault`.
  bool Deviates(const ActionRegistration& registration, SdkFault fault) const;
  // Applies the output deviations of `registration` to a response.
  void ApplyOutputFaults(const ActionRegistration& registration,
                         cloudstate::action::ActionResponse* response) const;

 private:
  std::optional<std::string> ResolveUnchecked(const cloudstate::action::ActionCommand& header,
                                              ActionShape shape, ActionContext* ctx,
                                              const ActionRegistration** registration) const;

  ActionResolver resolver_;
  std::shared_ptr<const FaultPlan> faults_;
  bool errors_as_status_ = false;
  bool exit_on_bad_input_ = false;
};

// The streamed-in call: feed messages, then End() (or stop early when Feed returns a response).
class ActionStreamedInCore {
 public:
  explicit ActionStreamedInCore(const ActionDispatcher& dispatcher) : dispatcher_(dispatcher) {}
  // nullopt: keep reading; a value: the call's final result (stop reading).
  std::optional<absl::StatusOr<cloudstate::action::ActionResponse>> Feed(
      const cloudstate::action::ActionCommand& command);
  absl::StatusOr<cloudstate::action::ActionResponse> End();

 private:
  const ActionDispatcher& dispatcher_;
  bool have_header_ = false;
  ActionContext ctx_;
  const ActionRegistration* registration_ = nullptr;
  std::optional<std::string> problem_;
  std::vector<cloudstate::action::ActionCommand> commands_;
};

// The bidirectional call.
class ActionStreamedCore
    : public StreamCore<cloudstate::action::ActionCommand, cloudstate::action::ActionResponse> {
 public:
  using In = cloudstate::action::ActionCommand;
  using Out = cloudstate::action::ActionResponse;
  explicit ActionStreamedCore(const ActionDispatcher& dispatcher) : dispatcher_(dispatcher) {}
  StreamStep<Out> OnMessage(const In& in) override;
  StreamStep<Out> OnInputEnd() override;

 private:
  StreamStep<Out> FromResult(absl::StatusOr<std::vector<Out>> result, bool finish);

  const ActionDispatcher& dispatcher_;
  bool have_header_ = false;
  ActionContext ctx_;
  const ActionRegistration* registration_ = nullptr;
};

}  // namespace cloudstate::sdk
