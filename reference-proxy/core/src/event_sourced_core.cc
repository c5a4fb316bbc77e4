#include "cloudstate/proxy_core/event_sourced_core.h"

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

using cloudstate::eventsourced::EventSourcedStreamIn;
using cloudstate::eventsourced::EventSourcedStreamOut;

std::vector<es::Action> EventSourcedCore::OnCommand(ClientCommand command) {
  std::vector<es::Action> out;
  if (state_ == State::kStopped) {
    out.push_back(es::Complete{ErrorOutput(command.handle, "Entity terminated")});
    return out;
  }
  queue_.push_back(std::move(command));
  if (state_ == State::kNew) {
    state_ = State::kLoading;
    out.push_back(es::Load{});
    return out;
  }
  Dispatch(&out);
  return out;
}

std::vector<es::Action> EventSourcedCore::OnLoaded(absl::StatusOr<EsRecovery> recovery) {
  std::vector<es::Action> out;
  if (state_ != State::kLoading) {
    return out;
  }
  if (!recovery.ok()) {
    const std::string message =
        absl::StrCat("Entity recovery failed: ", recovery.status().message());
    for (ClientCommand& c : queue_) {
      out.push_back(es::Complete{ErrorOutput(c.handle, message)});
    }
    queue_.clear();
    state_ = State::kStopped;
    out.push_back(es::Stopped{});
    return out;
  }
  out.push_back(es::OpenStream{});
  EventSourcedStreamIn init;
  init.mutable_init()->set_service_name(service_name_);
  init.mutable_init()->set_entity_id(entity_id_);
  sequence_ = 0;
  if (recovery->snapshot.has_value()) {
    *init.mutable_init()->mutable_snapshot() = *recovery->snapshot;
    sequence_ = recovery->snapshot->snapshot_sequence();
  }
  out.push_back(es::Send{std::move(init)});
  for (auto& event : recovery->events) {
    sequence_ = event.sequence();
    EventSourcedStreamIn in;
    *in.mutable_event() = std::move(event);
    out.push_back(es::Send{std::move(in)});
  }
  next_command_id_ = 1;
  state_ = State::kReady;
  Dispatch(&out);
  return out;
}

void EventSourcedCore::Dispatch(std::vector<es::Action>* out) {
  if (state_ != State::kReady || in_flight_.has_value() || queue_.empty()) {
    return;
  }
  InFlight flight{next_command_id_++, std::move(queue_.front())};
  queue_.pop_front();
  EventSourcedStreamIn in;
  auto* command = in.mutable_command();
  command->set_entity_id(entity_id_);
  command->set_id(flight.id);
  command->set_name(flight.command.name);
  *command->mutable_payload() = flight.command.payload;
  in_flight_ = std::move(flight);
  out->push_back(es::Send{std::move(in)});
}

void EventSourcedCore::Crash(const std::string& message, std::vector<es::Action>* out) {
  out->push_back(es::ReportError{message});
  if (in_flight_.has_value()) {
    out->push_back(es::Complete{ErrorOutput(in_flight_->command.handle, message)});
    in_flight_.reset();
  }
  for (ClientCommand& c : queue_) {
    out->push_back(es::Complete{ErrorOutput(c.handle, message)});
  }
  queue_.clear();
  pending_reply_.reset();
  if (state_ != State::kNew && state_ != State::kLoading) {
    out->push_back(es::CloseStream{});
  }
  state_ = State::kStopped;
  out->push_back(es::Stopped{});
}

std::vector<es::Action> EventSourcedCore::OnStreamMessage(const EventSourcedStreamOut& m) {
  std::vector<es::Action> out;
  if (state_ == State::kStopped || state_ == State::kLoading || state_ == State::kNew) {
    return out;
  }
  switch (m.message_case()) {
    case EventSourcedStreamOut::kReply: {
      const auto& reply = m.reply();
      if (state_ != State::kReady || !in_flight_.has_value() ||
          reply.command_id() != in_flight_->id) {
        Crash(absl::StrCat("Unexpected entity reply for command id ", reply.command_id(),
                           in_flight_.has_value()
                               ? absl::StrCat(" (in-flight command id ", in_flight_->id, ")")
                               : std::string(" (no command in flight)"),
                           " from ", service_name_, " entity ", entity_id_),
              &out);
        return out;
      }
      const bool restart = reply.has_client_action() && reply.client_action().has_failure() &&
                           reply.client_action().failure().restart();
      if (restart) {
        // The function asked for a restart: drop the reply's events, tell the client, recover
        // from the journal on a new stream and re-deliver the queued commands.
        CallOutput output;
        output.handle = in_flight_->command.handle;
        output.action = reply.client_action();
        in_flight_.reset();
        out.push_back(es::Complete{std::move(output)});
        out.push_back(es::CloseStream{});
        state_ = State::kLoading;
        out.push_back(es::Load{});
        return out;
      }
      if (reply.events_size() > 0 && reply.has_snapshot() && max_state_bytes_ > 0 &&
          reply.snapshot().ByteSizeLong() > max_state_bytes_) {
        Crash(absl::StrCat("Entity state too large: the snapshot of ", service_name_, " entity ",
                           entity_id_, " has ", reply.snapshot().ByteSizeLong(),
                           " bytes, more than the limit of ", max_state_bytes_),
              &out);
        SetFailureCode<es::Complete>(&out, absl::StatusCode::kResourceExhausted);
        return out;
      }
      if (reply.events_size() > 0) {
        es::Persist persist;
        persist.expected_sequence = sequence_;
        persist.events.assign(reply.events().begin(), reply.events().end());
        if (reply.has_snapshot()) {
          persist.snapshot = reply.snapshot();
        }
        pending_reply_ = reply;
        state_ = State::kPersisting;
        out.push_back(std::move(persist));
        return out;
      }
      // A snapshot without events is ignored, as in the Akka proxy.
      CallOutput output;
      output.handle = in_flight_->command.handle;
      if (reply.has_client_action()) {
        output.action = reply.client_action();
      }
      output.side_effects.assign(reply.side_effects().begin(), reply.side_effects().end());
      in_flight_.reset();
      out.push_back(es::Complete{std::move(output)});
      Dispatch(&out);
      return out;
    }
    case EventSourcedStreamOut::kFailure:
      Crash(absl::StrCat("Unexpected entity failure: ", m.failure().description()), &out);
      return out;
    default:
      Crash("Unexpected entity message: empty EventSourcedStreamOut", &out);
      return out;
  }
}

std::vector<es::Action> EventSourcedCore::OnPersisted(absl::StatusOr<int64_t> new_sequence) {
  std::vector<es::Action> out;
  if (state_ != State::kPersisting || !pending_reply_.has_value() || !in_flight_.has_value()) {
    return out;
  }
  if (!new_sequence.ok()) {
    Crash(absl::StrCat("Failed to persist events: ", new_sequence.status().message()), &out);
    return out;
  }
  sequence_ = *new_sequence;
  CallOutput output;
  output.handle = in_flight_->command.handle;
  if (pending_reply_->has_client_action()) {
    output.action = pending_reply_->client_action();
  }
  output.side_effects.assign(pending_reply_->side_effects().begin(),
                             pending_reply_->side_effects().end());
  pending_reply_.reset();
  in_flight_.reset();
  state_ = State::kReady;
  out.push_back(es::Complete{std::move(output)});
  Dispatch(&out);
  return out;
}

std::vector<es::Action> EventSourcedCore::OnStreamClosed(const absl::Status& status) {
  std::vector<es::Action> out;
  if (state_ == State::kStopped || state_ == State::kNew || state_ == State::kLoading) {
    return out;
  }
  Crash(absl::StrCat("Unexpected entity termination",
                     status.ok() ? std::string() : absl::StrCat(": ", status.message())),
        &out);
  SetFailureCode<es::Complete>(&out, StreamClosedCode(status));
  return out;
}

std::vector<es::Action> EventSourcedCore::Passivate() {
  std::vector<es::Action> out;
  if (state_ == State::kNew) {
    state_ = State::kStopped;
    out.push_back(es::Stopped{});
    return out;
  }
  if (!idle()) {
    return out;
  }
  out.push_back(es::CloseStream{});
  state_ = State::kStopped;
  out.push_back(es::Stopped{});
  return out;
}

std::vector<es::Action> EventSourcedCore::Terminate(const std::string& reason) {
  std::vector<es::Action> out;
  if (state_ == State::kStopped) {
    return out;
  }
  if (in_flight_.has_value()) {
    out.push_back(es::Complete{ErrorOutput(in_flight_->command.handle, reason)});
    in_flight_.reset();
  }
  for (ClientCommand& c : queue_) {
    out.push_back(es::Complete{ErrorOutput(c.handle, reason)});
  }
  queue_.clear();
  if (state_ != State::kNew && state_ != State::kLoading) {
    out.push_back(es::CloseStream{});
  }
  state_ = State::kStopped;
  out.push_back(es::Stopped{});
  return out;
}

}  // namespace cloudstate::proxy
