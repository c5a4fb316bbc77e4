// Routing and delivery: a call's payload goes to its entity shell or action call, and what comes
// back (side effects first, then reply, failure or forward) goes to the call's sink.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "shell/action_bridge.h"
#include "shell/proxy_impl.h"

namespace cloudstate::proxy {

using cloudstate::ClientAction;
using cloudstate::Metadata;
using cloudstate::SideEffect;

void ProxyImpl::RegisterCancel(CallHandle handle, std::function<void()> cancel) {
  // Cancellation of a call routed to a CRDT stream: the shell is found again by the key captured
  // at dispatch. Kept simple: the cancel closure is stored per handle.
  static std::mutex mu;
  static std::map<CallHandle, std::function<void()>> cancels;
  std::function<void()> run;
  {
    std::lock_guard lock(mu);
    if (cancel) {
      cancels[handle] = std::move(cancel);
      return;
    }
    auto it = cancels.find(handle);
    if (it != cancels.end()) {
      run = std::move(it->second);
      cancels.erase(it);
    }
  }
  if (run) {
    run();
  }
}

void ProxyImpl::Dispatch(const Route& route, std::string payload, Metadata metadata,
                         std::shared_ptr<Sink> sink, CallHandle handle) {
  if (handle == 0) {
    handle = NewHandle();
  }
  if (route.entity->kind == EntityKind::kAction) {
    DispatchAction(route, std::move(payload), std::move(metadata), std::move(sink));
    return;
  }
  absl::StatusOr<std::string> id = route.ExtractEntityId(payload);
  if (!id.ok()) {
    sink->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(id.status().message())));
    return;
  }
  // The command as sent to the function: payload, entity id (also in the init message), names
  // and metadata. Refused here rather than failing the entity's stream.
  const size_t envelope = payload.size() + 2 * id->size() + route.input_type_url.size() +
                          route.method->name().size() + metadata.ByteSizeLong() + 256;
  if (envelope > static_cast<size_t>(FunctionMessageLimit())) {
    sink->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     absl::StrCat("command with its entity key is too large for the user "
                                  "function (",
                                  envelope, " bytes, limit ", FunctionMessageLimit(), ")")));
    return;
  }
  ClientCommand command;
  command.handle = handle;
  command.name = route.method->name();
  command.payload.set_type_url(route.input_type_url);
  command.payload.set_value(std::move(payload));
  command.streamed = route.server_streaming;
  auto completion = [this, &route, sink](CallOutput output) {
    Deliver(route, std::move(output), sink);
  };
  switch (route.entity->kind) {
    case EntityKind::kEventSourced:
      es_.Dispatch(this, route.entity, *id, io_,
                   [command = std::move(command), completion](Shell<EsTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kValueEntity:
      ve_.Dispatch(this, route.entity, *id, io_,
                   [command = std::move(command), completion](Shell<VeTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kCrdt: {
      if (route.server_streaming) {
        const EntityConfig* config = route.entity;
        std::string entity_id = *id;
        RegisterCancel(handle, [this, config, entity_id, handle] {
          crdt_.Dispatch(this, config, entity_id, io_,
                         [handle](Shell<CrdtTraits>& shell) { shell.ClientCancelled(handle); });
        });
      }
      crdt_.Dispatch(this, route.entity, *id, io_,
                     [command = std::move(command), completion](Shell<CrdtTraits>& shell) mutable {
                       shell.Command(std::move(command), completion);
                     });
      break;
    }
    default:
      break;
  }
}

void ProxyImpl::DispatchAction(const Route& route, std::string payload, Metadata metadata,
                               std::shared_ptr<Sink> sink) {
  cloudstate::action::ActionCommand command;
  command.set_service_name(route.entity->service_name);
  command.set_name(route.method->name());
  command.mutable_payload()->set_type_url(route.input_type_url);
  command.mutable_payload()->set_value(std::move(payload));
  *command.mutable_metadata() = std::move(metadata);
  if (route.client_streaming) {
    // A forward or side effect to a client-streaming method: one message, then half-close.
    Metadata first_metadata = command.metadata();
    std::shared_ptr<ActionStream> bridge =
        OpenActionStream(this, route, std::move(first_metadata), std::move(sink));
    bridge->Message(std::move(*command.mutable_payload()->mutable_value()));
    bridge->HalfClose();
    return;
  }
  if (route.server_streaming) {
    CallActionStreamedOut(this, route, std::move(command), std::move(sink));
    return;
  }
  CallActionUnary(this, route, std::move(command), std::move(sink));
}

void ProxyImpl::Deliver(const Route& origin, CallOutput output, std::shared_ptr<Sink> sink) {
  if (!output.error.ok()) {
    metrics_.Increment("failed_commands", EntityKindName(origin.entity->kind));
    metrics_.AddCounter("errors", {{"type", "command"}});
    sink->Finish(grpc::Status(static_cast<grpc::StatusCode>(output.error.code()),
                              std::string(output.error.message())));
    return;
  }
  metrics_.Increment("completed_commands", EntityKindName(origin.entity->kind));
  auto effects = std::make_shared<std::vector<SideEffect>>(std::move(output.side_effects));
  const bool final = output.final;
  auto action = std::move(output.action);
  if (effects->empty()) {
    HandleAction(origin, std::move(action), final, std::move(sink));
    return;
  }
  RunSideEffects(origin, effects, 0,
                 [this, &origin, action = std::move(action), final, sink](grpc::Status status) {
                   if (!status.ok()) {
                     sink->Finish(status);
                     return;
                   }
                   HandleAction(origin, action, final, sink);
                 });
}

void ProxyImpl::RunSideEffects(const Route& origin,
                               std::shared_ptr<std::vector<SideEffect>> effects, size_t index,
                               std::function<void(grpc::Status)> done) {
  while (index < effects->size()) {
    const SideEffect& effect = (*effects)[index];
    const Route* target = model_->FindRoute(effect.service_name(), effect.command_name());
    if (target == nullptr) {
      const std::string message = absl::StrCat(
          "Service [", effect.service_name(), "] or command [", effect.command_name(),
          "] unknown\n  side-effect of\n", origin.entity->service_name, ".", origin.method->name());
      spdlog::error("{}", message);
      ReportError(message);
      if (effect.synchronous()) {
        done(grpc::Status(grpc::StatusCode::INTERNAL, message));
        return;
      }
      ++index;
      continue;
    }
    std::string payload = effect.payload().value();
    if (effect.synchronous()) {
      auto next = [this, &origin, effects, index, done](grpc::Status status) {
        if (!status.ok()) {
          LogLimited(
              spdlog::level::warn, "side-effect",
              absl::StrCat("synchronous side effect ", index, " failed: ", status.error_message()));
        }
        RunSideEffects(origin, effects, index + 1, done);
      };
      Dispatch(*target, std::move(payload), effect.metadata(),
               std::make_shared<CallbackSink>(std::move(next)));
      return;
    }
    Dispatch(*target, std::move(payload), effect.metadata(),
             std::make_shared<CallbackSink>([this](grpc::Status status) {
               if (!status.ok()) {
                 LogLimited(spdlog::level::warn, "side-effect",
                            "asynchronous side effect failed: " + status.error_message());
               }
             }));
    ++index;
  }
  done(grpc::Status::OK);
}

void ProxyImpl::HandleAction(const Route& origin, std::optional<ClientAction> action, bool final,
                             std::shared_ptr<Sink> sink) {
  if (!action.has_value() || action->action_case() == ClientAction::ACTION_NOT_SET) {
    if (final) {
      sink->Finish(grpc::Status::OK);
    }
    return;
  }
  switch (action->action_case()) {
    case ClientAction::kReply: {
      const auto& reply = action->reply();
      if (reply.has_payload() && reply.payload().type_url() != origin.output_type_url) {
        const std::string warning =
            absl::StrCat("Warning: ", origin.entity->service_name, ".", origin.method->name(),
                         ": Expected reply type_url to be [", origin.output_type_url, "] but was [",
                         reply.payload().type_url(), "].");
        spdlog::warn("{}", warning);
        ReportError(warning);
      }
      sink->Send(reply.payload().value());
      if (final) {
        sink->Finish(grpc::Status::OK);
      }
      return;
    }
    case ClientAction::kFailure:
      spdlog::info("User Function responded with a failure: {}", action->failure().description());
      sink->Finish(UnknownStatus(action->failure().description()));
      return;
    case ClientAction::kForward: {
      const auto& forward = action->forward();
      const Route* target = model_->FindRoute(forward.service_name(), forward.command_name());
      if (target == nullptr) {
        const std::string message = absl::StrCat(
            "Service [", forward.service_name(), "] or command [", forward.command_name(),
            "] unknown\n  forward of\n", origin.entity->service_name, ".", origin.method->name());
        spdlog::error("{}", message);
        ReportError(message);
        sink->Finish(grpc::Status(grpc::StatusCode::INTERNAL, message));
        return;
      }
      std::shared_ptr<Sink> target_sink = final ? sink : std::make_shared<StreamElementSink>(sink);
      Dispatch(*target, forward.payload().value(), forward.metadata(), std::move(target_sink));
      return;
    }
    default:
      return;
  }
}

void ProxyImpl::LogLimited(spdlog::level::level_enum level, const std::string& key,
                           const std::string& message) {
  log_limiter_->Log(level, key, message);
}

void ProxyImpl::ReportError(const std::string& message) {
  metrics_.AddCounter("errors", {{"type", "report_error"}});
  if (discovery_stub_ == nullptr) {
    return;
  }
  struct Call {
    grpc::ClientContext context;
    cloudstate::UserFunctionError request;
    google::protobuf::Empty response;
  };
  auto call = std::make_shared<Call>();
  call->request.set_message(message);
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  discovery_stub_->async()->reportError(&call->context, &call->request, &call->response,
                                        [limiter = log_limiter_, call](grpc::Status status) {
                                          if (!status.ok()) {
                                            limiter->Log(
                                                spdlog::level::warn, "report-error",
                                                "reportError failed: " + status.error_message());
                                          }
                                        });
}

}  // namespace cloudstate::proxy
