#include "cloudstate/proxy_core/value_entity_core.h"

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

using cloudstate::valueentity::ValueEntityStreamIn;
using cloudstate::valueentity::ValueEntityStreamOut;

std::vector<ve::Action> ValueEntityCore::OnCommand(ClientCommand command) {
  std::vector<ve::Action> out;
  if (state_ == State::kStopped) {
    out.push_back(ve::Complete{ErrorOutput(command.handle, "Entity terminated")});
    return out;
  }
  queue_.push_back(std::move(command));
  if (state_ == State::kNew) {
    state_ = State::kLoading;
    out.push_back(ve::Load{});
    return out;
  }
  Dispatch(&out);
  return out;
}

std::vector<ve::Action> ValueEntityCore::OnLoaded(
    absl::StatusOr<std::optional<google::protobuf::Any>> value) {
  std::vector<ve::Action> out;
  if (state_ != State::kLoading) {
    return out;
  }
  if (!value.ok()) {
    FailAll(absl::StrCat("Unexpected Value entity failure: loading state failed: ",
                         value.status().message()),
            &out);
    state_ = State::kStopped;
    out.push_back(ve::Stopped{});
    return out;
  }
  out.push_back(ve::OpenStream{});
  ValueEntityStreamIn init;
  init.mutable_init()->set_service_name(service_name_);
  init.mutable_init()->set_entity_id(entity_id_);
  auto* state = init.mutable_init()->mutable_state();  // always present, empty when no value
  if (value->has_value()) {
    *state->mutable_value() = **value;
  }
  out.push_back(ve::Send{std::move(init)});
  state_ = State::kReady;
  Dispatch(&out);
  return out;
}

void ValueEntityCore::Dispatch(std::vector<ve::Action>* out) {
  if (state_ != State::kReady || in_flight_.has_value() || queue_.empty()) {
    return;
  }
  InFlight flight{next_command_id_++, std::move(queue_.front())};
  queue_.pop_front();
  ValueEntityStreamIn in;
  auto* command = in.mutable_command();
  command->set_entity_id(entity_id_);
  command->set_id(flight.id);
  command->set_name(flight.command.name);
  *command->mutable_payload() = flight.command.payload;
  in_flight_ = std::move(flight);
  out->push_back(ve::Send{std::move(in)});
}

void ValueEntityCore::FailAll(const std::string& message, std::vector<ve::Action>* out) {
  if (in_flight_.has_value()) {
    out->push_back(ve::Complete{ErrorOutput(in_flight_->command.handle, message)});
    in_flight_.reset();
  }
  for (ClientCommand& c : queue_) {
    out->push_back(ve::Complete{ErrorOutput(c.handle, message)});
  }
  queue_.clear();
  pending_reply_.reset();
}

void ValueEntityCore::Crash(const std::string& message, std::vector<ve::Action>* out) {
  out->push_back(ve::ReportError{message});
  FailAll(message, out);
  if (state_ != State::kNew && state_ != State::kLoading) {
    out->push_back(ve::CloseStream{});
  }
  state_ = State::kStopped;
  out->push_back(ve::Stopped{});
}

std::vector<ve::Action> ValueEntityCore::OnStreamMessage(const ValueEntityStreamOut& m) {
  std::vector<ve::Action> out;
  if (state_ != State::kReady && state_ != State::kWriting) {
    return out;
  }
  switch (m.message_case()) {
    case ValueEntityStreamOut::kReply: {
      const auto& reply = m.reply();
      if (state_ != State::kReady || !in_flight_.has_value() ||
          reply.command_id() != in_flight_->id) {
        Crash(absl::StrCat("Unexpected Value entity reply for command id ", reply.command_id(),
                           in_flight_.has_value()
                               ? absl::StrCat(" (in-flight command id ", in_flight_->id, ")")
                               : std::string(" (no command in flight)"),
                           " from ", service_name_, " entity ", entity_id_),
              &out);
        return out;
      }
      if (reply.has_state_action()) {
        const auto& action = reply.state_action();
        if (action.has_update()) {
          if (!action.update().has_value()) {
            Crash("Unexpected Value entity reply: update without a value", &out);
            return out;
          }
          const size_t size = action.update().value().ByteSizeLong();
          if (max_state_bytes_ > 0 && size > max_state_bytes_) {
            Crash(absl::StrCat("Entity state too large: the value of ", service_name_, " entity ",
                               entity_id_, " would have ", size, " bytes, more than the limit of ",
                               max_state_bytes_),
                  &out);
            SetFailureCode<ve::Complete>(&out, absl::StatusCode::kResourceExhausted);
            return out;
          }
          pending_reply_ = reply;
          state_ = State::kWriting;
          out.push_back(ve::Upsert{action.update().value()});
          return out;
        }
        if (action.has_delete_()) {
          pending_reply_ = reply;
          state_ = State::kWriting;
          out.push_back(ve::Delete{});
          return out;
        }
      }
      CallOutput output;
      output.handle = in_flight_->command.handle;
      if (reply.has_client_action()) {
        output.action = reply.client_action();
      }
      output.side_effects.assign(reply.side_effects().begin(), reply.side_effects().end());
      in_flight_.reset();
      out.push_back(ve::Complete{std::move(output)});
      Dispatch(&out);
      return out;
    }
    case ValueEntityStreamOut::kFailure:
      Crash(absl::StrCat("Unexpected Value entity failure: ", m.failure().description()), &out);
      return out;
    default:
      Crash("Unexpected Value entity message: empty ValueEntityStreamOut", &out);
      return out;
  }
}

std::vector<ve::Action> ValueEntityCore::OnWritten(const absl::Status& status) {
  std::vector<ve::Action> out;
  if (state_ != State::kWriting || !pending_reply_.has_value() || !in_flight_.has_value()) {
    return out;
  }
  if (!status.ok()) {
    Crash(absl::StrCat("Unexpected Value entity failure: ", status.message()), &out);
    return out;
  }
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
  out.push_back(ve::Complete{std::move(output)});
  Dispatch(&out);
  return out;
}

std::vector<ve::Action> ValueEntityCore::OnStreamClosed(const absl::Status& status) {
  std::vector<ve::Action> out;
  if (state_ != State::kReady && state_ != State::kWriting) {
    return out;
  }
  Crash(absl::StrCat("Unexpected Value entity termination",
                     status.ok() ? std::string() : absl::StrCat(": ", status.message())),
        &out);
  SetFailureCode<ve::Complete>(&out, StreamClosedCode(status));
  return out;
}

std::vector<ve::Action> ValueEntityCore::Passivate() {
  std::vector<ve::Action> out;
  if (state_ == State::kNew) {
    state_ = State::kStopped;
    out.push_back(ve::Stopped{});
    return out;
  }
  if (!idle()) {
    return out;
  }
  out.push_back(ve::CloseStream{});
  state_ = State::kStopped;
  out.push_back(ve::Stopped{});
  return out;
}

std::vector<ve::Action> ValueEntityCore::Terminate(const std::string& reason) {
  std::vector<ve::Action> out;
  if (state_ == State::kStopped) {
    return out;
  }
  FailAll(reason, &out);
  if (state_ != State::kNew && state_ != State::kLoading) {
    out.push_back(ve::CloseStream{});
  }
  state_ = State::kStopped;
  out.push_back(ve::Stopped{});
  return out;
}

}  // namespace cloudstate::proxy
