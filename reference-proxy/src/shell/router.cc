// Routing and delivery: a call's payload goes to its entity shell or action call, and what comes
// back (side effects first, then reply, failure or forward) goes to the call's sink.

#include "cloudstate/proxy_core/router.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "shell/action_bridge.h"
#include "shell/proxy_impl.h"

namespace cloudstate::proxy {

using cloudstate::Metadata;

void ProxyImpl::RegisterCancel(CallHandle handle, std::function<void()> cancel) {
  // Cancellation of a call routed to a CRDT stream: the shell is found again by the key captured
  // at dispatch.
  std::function<void()> run;
  {
    std::lock_guard lock(cancel_mu_);
    if (cancel) {
      cancels_[handle] = std::move(cancel);
      return;
    }
    auto it = cancels_.find(handle);
    if (it != cancels_.end()) {
      run = std::move(it->second);
      cancels_.erase(it);
    }
  }
  if (run) {
    run();
  }
}

void ProxyImpl::ForgetCancel(CallHandle handle) {
  std::lock_guard lock(cancel_mu_);
  cancels_.erase(handle);
}

namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace

void ProxyImpl::Dispatch(const Route& route, std::string payload, Metadata metadata,
                         std::shared_ptr<Sink> sink, CallHandle handle) {
  if (handle == 0) {
    handle = NewHandle();
  }
  routing::Dispatch plan = PlanDispatch(route, std::move(payload), std::move(metadata), handle,
                                        static_cast<size_t>(FunctionMessageLimit()));
  if (auto* reject = std::get_if<routing::Reject>(&plan)) {
    sink->Finish(ToGrpc(reject->status));
    return;
  }
  if (auto* to_action = std::get_if<routing::ToAction>(&plan)) {
    CallAction(route, std::move(to_action->command), std::move(sink));
    return;
  }
  auto& to_entity = std::get<routing::ToEntity>(plan);
  ClientCommand command = std::move(to_entity.command);
  const std::string& id = to_entity.entity_id;
  std::function<void(CallOutput)> completion = [this, &route, sink](CallOutput output) {
    Deliver(route, std::move(output), sink);
  };
  switch (route.entity->kind) {
    case EntityKind::kEventSourced:
      es_.Dispatch(this, route.entity, id, io_,
                   [command = std::move(command), completion](Shell<EsTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kValueEntity:
      ve_.Dispatch(this, route.entity, id, io_,
                   [command = std::move(command), completion](Shell<VeTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kCrdt: {
      if (route.server_streaming) {
        const EntityConfig* config = route.entity;
        std::string entity_id = id;
        RegisterCancel(handle, [this, config, entity_id, handle] {
          crdt_.Dispatch(this, config, entity_id, io_,
                         [handle](Shell<CrdtTraits>& shell) { shell.ClientCancelled(handle); });
        });
        completion = [this, &route, sink, handle](CallOutput output) {
          if (output.final) {
            ForgetCancel(handle);
          }
          Deliver(route, std::move(output), sink);
        };
      }
      crdt_.Dispatch(this, route.entity, id, io_,
                     [command = std::move(command), completion](Shell<CrdtTraits>& shell) mutable {
                       shell.Command(std::move(command), completion);
                     });
      break;
    }
    default:
      break;
  }
}

void ProxyImpl::CallAction(const Route& route, cloudstate::action::ActionCommand command,
                           std::shared_ptr<Sink> sink) {
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
    sink->Finish(ToGrpc(output.error));
    return;
  }
  metrics_.Increment("completed_commands", EntityKindName(origin.entity->kind));
  routing::ClientStep then = PlanClientAction(*model_, origin, output.action, output.final);
  // Eventing hook (out topic): the reply's own Any is published once the side effects ran.
  std::optional<google::protobuf::Any> published;
  if (eventing_ != nullptr && std::holds_alternative<routing::Reply>(then) &&
      output.action.has_value() && output.action->has_reply() && eventing_->HasOutTopic(origin)) {
    published = output.action->reply().payload();
  }
  if (output.side_effects.empty()) {
    if (published.has_value() && !PublishToOutTopic(origin, *published, *sink)) {
      return;
    }
    RunClientStep(std::move(then), std::move(sink));
    return;
  }
  auto effects = std::make_shared<std::vector<routing::SideEffect>>(
      PlanSideEffects(*model_, origin, output.side_effects));
  RunSideEffects(effects, 0,
                 [this, &origin, published = std::move(published), then = std::move(then),
                  sink](const grpc::Status& status) mutable {
                   if (!status.ok()) {
                     sink->Finish(status);
                     return;
                   }
                   if (published.has_value() && !PublishToOutTopic(origin, *published, *sink)) {
                     return;
                   }
                   RunClientStep(std::move(then), sink);
                 });
}

bool ProxyImpl::PublishToOutTopic(const Route& origin, const google::protobuf::Any& reply,
                                  Sink& sink) {
  absl::Status published = eventing_->PublishReply(origin, reply, Metadata());
  if (!published.ok()) {
    sink.Finish(grpc::Status(static_cast<grpc::StatusCode>(published.code()),
                             absl::StrCat("publishing the reply failed: ", published.message())));
    return false;
  }
  return true;
}

// Eventing hook: a consumed event as a command, outcome to `done` (forwards and side effects run
// as for a client call).
void ProxyImpl::DispatchEvent(const Route& route, google::protobuf::Any payload, Metadata metadata,
                              std::function<void(absl::Status)> done) {
  auto sink = std::make_shared<CallbackSink>([done = std::move(done)](const grpc::Status& status) {
    done(status.ok() ? absl::OkStatus()
                     : absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                    status.error_message()));
  });
  if (route.entity->kind == EntityKind::kAction) {
    routing::Dispatch plan =
        PlanDispatch(route, std::move(*payload.mutable_value()), std::move(metadata), NewHandle(),
                     static_cast<size_t>(FunctionMessageLimit()));
    if (auto* to_action = std::get_if<routing::ToAction>(&plan)) {
      // An action receives the event's own Any, as the original passes it on.
      to_action->command.mutable_payload()->set_type_url(std::move(*payload.mutable_type_url()));
      CallAction(route, std::move(to_action->command), std::move(sink));
    } else if (auto* reject = std::get_if<routing::Reject>(&plan)) {
      sink->Finish(ToGrpc(reject->status));
    }
    return;
  }
  Dispatch(route, std::move(*payload.mutable_value()), std::move(metadata), std::move(sink));
}

void ProxyImpl::RunSideEffects(std::shared_ptr<std::vector<routing::SideEffect>> effects,
                               size_t index, std::function<void(grpc::Status)> done) {
  while (index < effects->size()) {
    routing::SideEffect& effect = (*effects)[index];
    if (effect.target == nullptr) {
      spdlog::error("{}", effect.error);
      ReportError(effect.error);
      if (effect.synchronous) {
        done(grpc::Status(grpc::StatusCode::INTERNAL, effect.error));
        return;
      }
      ++index;
      continue;
    }
    if (effect.synchronous) {
      auto next = [this, effects, index, done](grpc::Status status) {
        if (!status.ok()) {
          LogLimited(
              spdlog::level::warn, "side-effect",
              absl::StrCat("synchronous side effect ", index, " failed: ", status.error_message()));
        }
        RunSideEffects(effects, index + 1, done);
      };
      Dispatch(*effect.target, std::move(effect.payload), std::move(effect.metadata),
               std::make_shared<CallbackSink>(std::move(next)));
      return;
    }
    Dispatch(*effect.target, std::move(effect.payload), std::move(effect.metadata),
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

void ProxyImpl::RunClientStep(routing::ClientStep step, std::shared_ptr<Sink> sink) {
  std::visit(
      [&](auto& s) {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, routing::Nothing>) {
          if (s.final) {
            sink->Finish(grpc::Status::OK);
          }
        } else if constexpr (std::is_same_v<S, routing::Reply>) {
          if (s.warning.has_value()) {
            spdlog::warn("{}", *s.warning);
            ReportError(*s.warning);
          }
          sink->Send(std::move(s.bytes));
          if (s.final) {
            sink->Finish(grpc::Status::OK);
          }
        } else if constexpr (std::is_same_v<S, routing::Failure>) {
          spdlog::info("User Function responded with a failure: {}", s.description);
          sink->Finish(UnknownStatus(s.description));
        } else if constexpr (std::is_same_v<S, routing::Forward>) {
          std::shared_ptr<Sink> target_sink =
              s.final ? sink : std::make_shared<StreamElementSink>(sink);
          Dispatch(*s.target, std::move(s.payload), std::move(s.metadata), std::move(target_sink));
        } else if constexpr (std::is_same_v<S, routing::Error>) {
          spdlog::error("{}", s.message);
          ReportError(s.message);
          sink->Finish(grpc::Status(grpc::StatusCode::INTERNAL, s.message));
        }
      },
      step);
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
