#include "cloudstate/sdk/event_sourced.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "cloudstate/common/any.h"

namespace cloudstate::sdk {

using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;

EventSourcedContext::EventSourcedContext(EventSourcedEntity& entity, std::string entity_id,
                                         int64_t command_id, std::string command_name,
                                         int64_t sequence, bool apply_immediately)
    : entity_(entity),
      entity_id_(std::move(entity_id)),
      command_id_(command_id),
      command_name_(std::move(command_name)),
      sequence_(sequence),
      apply_immediately_(apply_immediately) {}

absl::Status EventSourcedContext::Emit(const google::protobuf::Message& event) {
  return EmitAny(PackAny(event));
}

absl::Status EventSourcedContext::EmitAny(google::protobuf::Any event) {
  events_.push_back(std::move(event));
  ++sequence_;
  if (apply_immediately_) {
    return ApplyPending();
  }
  return absl::OkStatus();
}

absl::Status EventSourcedContext::ApplyPending() {
  while (applied_ < events_.size()) {
    absl::Status status = entity_.HandleEvent(events_[applied_]);
    ++applied_;
    if (!status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status EventSourcedEntity::HandleSnapshot(const google::protobuf::Any& snapshot) {
  return absl::UnimplementedError(
      absl::StrCat("This entity does not support snapshots (got ", snapshot.type_url(), ")"));
}

EventSourcedStreamCore::EventSourcedStreamCore(EventSourcedResolver resolver,
                                               std::shared_ptr<const FaultPlan> faults)
    : resolver_(std::move(resolver)),
      faults_(std::move(faults)),
      crash_on_protocol_error_(faults_ != nullptr &&
                               faults_->Has(SdkFault::kCrashOnProtocolError, "")) {}

bool EventSourcedStreamCore::Deviates(SdkFault fault) const {
  return faults_ != nullptr && registration_ != nullptr &&
         faults_->Has(fault, registration_->options.service->full_name());
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::OnMessage(
    const EventSourcedStreamIn& in) {
  switch (in.message_case()) {
    case EventSourcedStreamIn::kInit:
      return OnInit(in.init());
    case EventSourcedStreamIn::kEvent:
      return OnEvent(in.event());
    case EventSourcedStreamIn::kCommand:
      return OnCommand(in.command());
    case EventSourcedStreamIn::MESSAGE_NOT_SET:
      break;
  }
  return StreamFailure(0, "Protocol error: empty EventSourcedStreamIn message");
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::OnInit(
    const cloudstate::eventsourced::EventSourcedInit& init) {
  if (entity_ != nullptr) {
    return StreamFailure(0, "Protocol error: init received twice on one event sourced stream");
  }
  registration_ = resolver_(init.service_name());
  if (registration_ == nullptr) {
    return StreamFailure(0, absl::StrCat("Protocol error: unknown event sourced service [",
                                         init.service_name(), "]"));
  }
  entity_id_ = init.entity_id();
  entity_ = registration_->factory(entity_id_);
  if (entity_ == nullptr) {
    return StreamFailure(
        0, absl::StrCat("Entity factory of ", init.service_name(), " returned no entity"));
  }
  if (init.has_snapshot()) {
    sequence_ = init.snapshot().snapshot_sequence();
    if (!Deviates(SdkFault::kEsIgnoreInitSnapshot)) {
      absl::Status status = entity_->HandleSnapshot(init.snapshot().snapshot());
      if (!status.ok()) {
        return StreamFailure(0, absl::StrCat("Failed to apply snapshot: ", status.message()));
      }
    }
  }
  return {};
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::OnEvent(
    const cloudstate::eventsourced::EventSourcedEvent& event) {
  if (entity_ == nullptr) {
    return StreamFailure(0, "Protocol error: event received before init");
  }
  if (seen_command_) {
    return StreamFailure(0, "Protocol error: event received after the first command");
  }
  sequence_ = event.sequence();
  if (Deviates(SdkFault::kEsReplayEventsReversed)) {
    pending_replay_.push_back(event.payload());
    return {};
  }
  absl::Status status = entity_->HandleEvent(event.payload());
  if (!status.ok()) {
    return StreamFailure(
        0, absl::StrCat("Failed to apply event ", event.sequence(), ": ", status.message()));
  }
  return {};
}

absl::Status EventSourcedStreamCore::FlushReplay() {
  std::reverse(pending_replay_.begin(), pending_replay_.end());
  for (const auto& payload : pending_replay_) {
    absl::Status status = entity_->HandleEvent(payload);
    if (!status.ok()) {
      return status;
    }
  }
  pending_replay_.clear();
  return absl::OkStatus();
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::OnCommand(
    const cloudstate::Command& command) {
  if (entity_ == nullptr) {
    StreamStep<Out> step =
        StreamFailure(command.id(), "Protocol error: command received before init");
    return step;
  }
  if (!seen_command_) {
    seen_command_ = true;
    if (!pending_replay_.empty()) {
      absl::Status status = FlushReplay();
      if (!status.ok()) {
        return StreamFailure(0, absl::StrCat("Failed to apply event: ", status.message()));
      }
    }
  }
  if (awaiting_restart_) {
    return StreamFailure(command.id(),
                         "Entity is awaiting a restart after a failed command; no more commands");
  }
  const int64_t reply_id = command.id() + (Deviates(SdkFault::kEsReplyCommandIdPlusOne) ? 1 : 0);
  const bool apply_after_handler = Deviates(SdkFault::kEsApplyEventsAfterHandler);
  const google::protobuf::MethodDescriptor* method =
      registration_->options.service->FindMethodByName(command.name());
  if (method == nullptr) {
    StreamStep<Out> step;
    step.messages.push_back(
        ClientFailure(reply_id,
                      absl::StrCat("Unknown command [", command.name(), "] on service [",
                                   registration_->options.service->full_name(), "]"),
                      false));
    return step;
  }
  if (auto problem = CheckPayload(command.payload(), *method->input_type())) {
    StreamStep<Out> step;
    step.messages.push_back(ClientFailure(reply_id, *problem, false));
    return step;
  }

  EventSourcedContext ctx(*entity_, entity_id_, command.id(), command.name(), sequence_,
                          !apply_after_handler);
  absl::StatusOr<std::optional<google::protobuf::Any>> result =
      entity_->HandleCommand(command.payload(), ctx);
  if (!result.ok()) {
    return StreamFailure(command.id(), absl::StrCat("Command handler of ", command.name(),
                                                    " failed: ", result.status().message()));
  }
  if (apply_after_handler && !ctx.failed()) {
    absl::Status status = ctx.ApplyPending();
    if (!status.ok()) {
      return StreamFailure(command.id(), absl::StrCat("Failed to apply event: ", status.message()));
    }
  }

  Out out;
  auto* reply = out.mutable_reply();
  reply->set_command_id(reply_id);
  if (ctx.failed()) {
    auto* failure = reply->mutable_client_action()->mutable_failure();
    failure->set_command_id(reply_id);
    failure->set_description(*ctx.failure());
    if (Deviates(SdkFault::kEsKeepSideEffectsOnFailure)) {
      for (const auto& effect : ctx.side_effects()) {
        *reply->add_side_effects() = effect;
      }
    }
    if (Deviates(SdkFault::kEsKeepEventsOnFailure)) {
      for (const auto& event : ctx.events()) {
        *reply->add_events() = event;
      }
      sequence_ = ctx.sequence();
    } else if (!ctx.events().empty()) {
      // The entity already applied events that will never be persisted: only a fresh
      // incarnation replayed from the journal has the right state.
      failure->set_restart(true);
      awaiting_restart_ = true;
    }
    StreamStep<Out> step;
    step.messages.push_back(std::move(out));
    return step;
  }

  if (auto action = ctx.ClientActionFor(reply_id, *result)) {
    *reply->mutable_client_action() = std::move(*action);
  }
  for (const auto& effect : ctx.side_effects()) {
    *reply->add_side_effects() = effect;
  }
  for (const auto& event : ctx.events()) {
    *reply->add_events() = event;
  }
  const int64_t before = sequence_;
  sequence_ = ctx.sequence();
  const int64_t every = registration_->options.snapshot_every;
  const bool crossed = every > 0 && (Deviates(SdkFault::kEsSnapshotOnlyOnMultiple)
                                         ? sequence_ % every == 0
                                         : before / every != sequence_ / every);
  if (!ctx.events().empty() && crossed) {
    if (auto snapshot = entity_->Snapshot()) {
      *reply->mutable_snapshot() = std::move(*snapshot);
    }
  }
  StreamStep<Out> step;
  step.messages.push_back(std::move(out));
  return step;
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::OnInputEnd() {
  StreamStep<Out> step;
  step.finish = !(!seen_command_ && Deviates(SdkFault::kStayOpenWithoutCommands));
  return step;
}

StreamStep<EventSourcedStreamOut> EventSourcedStreamCore::StreamFailure(int64_t command_id,
                                                                        std::string description) {
  spdlog::warn("Event sourced entity [{}]: {}", entity_id_, description);
  StreamStep<Out> step;
  step.finish = true;
  if (crash_on_protocol_error_) {
    // The deliberate fault: what an SDK that dereferences the missing state would do.
    spdlog::error("Deliberate fault: exiting on a protocol error: {}", description);
    std::_Exit(3);
  }
  Out out;
  out.mutable_failure()->set_command_id(command_id);
  out.mutable_failure()->set_description(std::move(description));
  step.messages.push_back(std::move(out));
  return step;
}

EventSourcedStreamOut EventSourcedStreamCore::ClientFailure(int64_t command_id,
                                                            std::string description, bool restart) {
  Out out;
  out.mutable_reply()->set_command_id(command_id);
  auto* failure = out.mutable_reply()->mutable_client_action()->mutable_failure();
  failure->set_command_id(command_id);
  failure->set_description(std::move(description));
  failure->set_restart(restart);
  return out;
}

}  // namespace cloudstate::sdk
