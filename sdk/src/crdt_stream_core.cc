#include "cloudstate/sdk/crdt_stream_core.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace cloudstate::sdk {

using cloudstate::crdt::CrdtDelta;
using cloudstate::crdt::CrdtStateAction;
using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;

CrdtStreamCore::CrdtStreamCore(CrdtEntityResolver resolver) : resolver_(std::move(resolver)) {}

std::vector<int64_t> CrdtStreamCore::open_streams() const {
  std::vector<int64_t> ids;
  for (const auto& [id, subscription] : subscriptions_) {
    ids.push_back(id);
  }
  return ids;
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnMessage(const CrdtStreamIn& in) {
  if (in.message_case() == CrdtStreamIn::kInit) {
    return Finalize(OnInit(in.init()));
  }
  if (in.message_case() == CrdtStreamIn::MESSAGE_NOT_SET) {
    return StreamFailure(0, "Protocol error: empty CrdtStreamIn message");
  }
  if (entity_ == nullptr) {
    const int64_t id = in.has_command() ? in.command().id() : 0;
    return StreamFailure(id, "Protocol error: CRDT stream message received before init");
  }
  switch (in.message_case()) {
    case CrdtStreamIn::kDelta:
      return Finalize(OnDelta(in.delta()));
    case CrdtStreamIn::kDelete:
      return Finalize(OnDelete());
    case CrdtStreamIn::kCommand:
      return Finalize(OnCommand(in.command()));
    case CrdtStreamIn::kStreamCancelled:
      return Finalize(OnStreamCancelled(in.stream_cancelled()));
    default:
      break;
  }
  return StreamFailure(0, "Protocol error: unknown CrdtStreamIn message");
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnInit(const cloudstate::crdt::CrdtInit& init) {
  if (entity_ != nullptr) {
    return StreamFailure(0, "Protocol error: init received twice on one CRDT stream");
  }
  registration_ = resolver_ ? resolver_(init.service_name()) : nullptr;
  if (registration_ == nullptr) {
    return StreamFailure(
        0, absl::StrCat("Protocol error: unknown CRDT service [", init.service_name(), "]"));
  }
  entity_id_ = init.entity_id();
  if (init.has_delta()) {
    absl::StatusOr<std::unique_ptr<Crdt>> value = CrdtFromDelta(init.delta());
    if (!value.ok()) {
      return StreamFailure(0, absl::StrCat("Protocol error: bad init delta for entity [",
                                           entity_id_, "]: ", value.status().message()));
    }
    state_ = std::move(*value);
  }
  CrdtCreationContext ctx(entity_id_, &state_);
  entity_ = registration_->factory ? registration_->factory(ctx) : nullptr;
  if (entity_ == nullptr) {
    return StreamFailure(
        0, absl::StrCat("Entity factory of ", init.service_name(), " returned no entity"));
  }
  return {};
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnDelta(const CrdtDelta& delta) {
  StreamStep<Out> step;
  if (deleted_ || !entity_->AcceptDelta(delta)) {
    return step;
  }
  if (state_ == nullptr) {
    absl::StatusOr<std::unique_ptr<Crdt>> value = CrdtFromDelta(delta);
    if (!value.ok()) {
      return StreamFailure(0, absl::StrCat("Protocol error: bad delta for entity [", entity_id_,
                                           "]: ", value.status().message()));
    }
    state_ = std::move(*value);
  } else {
    if (KindOfDelta(delta) != state_->kind()) {
      std::optional<CrdtKind> kind = KindOfDelta(delta);
      return StreamFailure(0, absl::StrCat("Protocol error: received a ",
                                           std::string(kind ? CrdtKindName(*kind) : "empty"),
                                           " delta for entity [", entity_id_, "] whose value is a ",
                                           std::string(CrdtKindName(state_->kind()))));
    }
    absl::Status status = state_->ApplyDelta(delta);
    if (!status.ok()) {
      return StreamFailure(0, absl::StrCat("Protocol error: cannot apply delta to entity [",
                                           entity_id_, "]: ", status.message()));
    }
  }
  NotifySubscribers(step.messages);
  return step;
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnDelete() {
  // Another replica deleted the entity: forget everything and say nothing; the proxy completes
  // the stream next.
  state_.reset();
  subscriptions_.clear();
  deleted_ = true;
  StreamStep<Out> step;
  if (entity_ != nullptr) {
    if (auto answer = entity_->AnswerDelete()) {
      step.messages.push_back(std::move(*answer));
    }
  }
  return step;
}

std::optional<CrdtStateAction> CrdtStreamCore::TakeUpdate(CrdtWriteConsistency consistency) {
  if (state_ == nullptr || !state_->HasDelta()) {
    return std::nullopt;
  }
  CrdtStateAction action;
  *action.mutable_update() = state_->Delta();
  action.set_write_consistency(consistency);
  state_->ResetDelta();
  return action;
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnCommand(const cloudstate::Command& command) {
  StreamStep<Out> step;
  Out& out = step.messages.emplace_back();
  auto* reply = out.mutable_reply();
  reply->set_command_id(command.id());
  auto fail_command = [&](std::string description) {
    auto* failure = reply->mutable_client_action()->mutable_failure();
    failure->set_command_id(command.id());
    failure->set_description(std::move(description));
    return step;
  };

  if (deleted_) {
    return fail_command("Entity deleted");
  }
  const google::protobuf::ServiceDescriptor* service = registration_->options.service;
  const google::protobuf::MethodDescriptor* method =
      service == nullptr ? nullptr : service->FindMethodByName(command.name());
  if (method == nullptr) {
    return fail_command(absl::StrCat("Unknown command [", command.name(), "] on service [",
                                     service == nullptr ? "" : service->full_name(), "]"));
  }
  if (std::optional<std::string> problem = CheckPayload(command.payload(), *method->input_type())) {
    return fail_command(*problem);
  }

  // A failed command must leave no trace, so remember the value to roll back to.
  const bool had_state = state_ != nullptr;
  std::unique_ptr<Crdt> snapshot = had_state ? state_->Clone() : nullptr;
  CrdtCommandContext ctx(entity_id_, &state_, command.id(), command.name(), command.streamed());
  absl::StatusOr<std::optional<google::protobuf::Any>> result =
      entity_->HandleCommand(command.payload(), ctx);
  if (!result.ok()) {
    return StreamFailure(command.id(), absl::StrCat("Command handler of ", command.name(),
                                                    " failed: ", result.status().message()));
  }
  if (ctx.failed()) {
    if (had_state && state_ != nullptr && state_->kind() == snapshot->kind()) {
      state_->RestoreFrom(*snapshot);
    } else if (had_state) {
      state_ = std::move(snapshot);
    } else {
      state_.reset();
    }
    return fail_command(*ctx.failure());
  }

  if (auto action = ctx.ClientActionFor(command.id(), *result)) {
    *reply->mutable_client_action() = std::move(*action);
  }
  for (const auto& effect : ctx.side_effects()) {
    *reply->add_side_effects() = effect;
  }
  bool changed = false;
  if (ctx.deleted()) {
    auto* action = reply->mutable_state_action();
    action->mutable_delete_();
    action->set_write_consistency(ctx.write_consistency());
    if (state_ != nullptr) {
      state_->ResetDelta();
    }
    deleted_ = true;
  } else if (auto update = TakeUpdate(ctx.write_consistency())) {
    *reply->mutable_state_action() = std::move(*update);
    changed = true;
  }

  // Existing streams see this command's change; the stream opened by it starts afterwards.
  if (changed) {
    NotifySubscribers(step.messages);
  }
  if (ctx.streamed() && !deleted_ && (ctx.change_handler() || ctx.cancel_handler())) {
    subscriptions_[command.id()] =
        Subscription{std::move(ctx.change_handler()), std::move(ctx.cancel_handler())};
    step.messages.front().mutable_reply()->set_streamed(true);
  }
  return step;
}

StreamStep<CrdtStreamOut> CrdtStreamCore::OnStreamCancelled(
    const cloudstate::StreamCancelled& cancelled) {
  StreamStep<Out> step;
  Out& out = step.messages.emplace_back();
  auto* response = out.mutable_stream_cancelled_response();
  response->set_command_id(cancelled.id());
  auto it = subscriptions_.find(cancelled.id());
  if (it == subscriptions_.end()) {
    return step;
  }
  CrdtCancelHandler on_cancel = std::move(it->second.on_cancel);
  subscriptions_.erase(it);
  if (!on_cancel) {
    return step;
  }
  CrdtStreamCancelledContext ctx(entity_id_, &state_, cancelled.id());
  on_cancel(ctx);
  for (const auto& effect : ctx.side_effects()) {
    *response->add_side_effects() = effect;
  }
  if (auto update = TakeUpdate(ctx.write_consistency())) {
    *response->mutable_state_action() = std::move(*update);
    NotifySubscribers(step.messages);
  }
  return step;
}

void CrdtStreamCore::NotifySubscribers(std::vector<CrdtStreamOut>& out) {
  std::vector<int64_t> finished;
  for (auto& [id, subscription] : subscriptions_) {
    if (!subscription.on_change) {
      continue;
    }
    CrdtSubscriptionContext ctx(entity_id_, &state_, id);
    std::optional<google::protobuf::Any> element = subscription.on_change(ctx);
    CrdtStreamOut message;
    auto* streamed = message.mutable_streamed_message();
    streamed->set_command_id(id);
    if (ctx.failed()) {
      *streamed->mutable_client_action() = *ctx.ClientActionFor(id, std::nullopt);
      finished.push_back(id);
      out.push_back(std::move(message));
      continue;
    }
    std::optional<cloudstate::ClientAction> action = ctx.ClientActionFor(id, element);
    if (!action && !ctx.ended() && ctx.side_effects().empty()) {
      continue;  // nothing to tell the client
    }
    if (action) {
      *streamed->mutable_client_action() = std::move(*action);
    }
    for (const auto& effect : ctx.side_effects()) {
      *streamed->add_side_effects() = effect;
    }
    if (ctx.ended()) {
      streamed->set_end_stream(true);
      finished.push_back(id);
    }
    out.push_back(std::move(message));
  }
  for (int64_t id : finished) {
    subscriptions_.erase(id);
  }
}

StreamStep<CrdtStreamOut> CrdtStreamCore::Finalize(StreamStep<CrdtStreamOut> step) {
  if (entity_ != nullptr) {
    for (auto& message : step.messages) {
      entity_->RewriteOutgoing(message);
    }
  }
  return step;
}

StreamStep<CrdtStreamOut> CrdtStreamCore::StreamFailure(int64_t command_id,
                                                        std::string description) {
  spdlog::warn("CRDT entity [{}]: {}", entity_id_, description);
  StreamStep<Out> step;
  step.finish = true;
  Out out;
  out.mutable_failure()->set_command_id(command_id);
  out.mutable_failure()->set_description(std::move(description));
  step.messages.push_back(std::move(out));
  return step;
}

}  // namespace cloudstate::sdk
