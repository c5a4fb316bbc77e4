#include "cloudstate/proxy_core/crdt_core.h"

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;

void CrdtCore::Start(std::vector<crdt::Action>* out) {
  out->push_back(crdt::OpenStream{});
  CrdtStreamIn init;
  init.mutable_init()->set_service_name(service_name_);
  init.mutable_init()->set_entity_id(entity_id_);
  if (slot_.value.has_value()) {
    *init.mutable_init()->mutable_delta() = FullStateDelta(*slot_.value);
  }
  out->push_back(crdt::Send{std::move(init)});
  state_ = State::kActive;
}

std::vector<crdt::Action> CrdtCore::OnCommand(ClientCommand command) {
  std::vector<crdt::Action> out;
  if (slot_.deleted || state_ == State::kDeleted) {
    out.push_back(crdt::Complete{ErrorOutput(command.handle, "Entity deleted")});
    return out;
  }
  if (state_ == State::kStopped) {
    out.push_back(crdt::Complete{ErrorOutput(command.handle, "Entity terminated")});
    return out;
  }
  if (state_ == State::kNew) {
    Start(&out);
  }
  const int64_t id = next_command_id_++;
  calls_[id] = Call{command.handle, command.streamed};
  CrdtStreamIn in;
  auto* c = in.mutable_command();
  c->set_entity_id(entity_id_);
  c->set_id(id);
  c->set_name(command.name);
  *c->mutable_payload() = std::move(command.payload);
  c->set_streamed(command.streamed);
  out.push_back(crdt::Send{std::move(in)});
  return out;
}

void CrdtCore::Crash(const std::string& message, std::vector<crdt::Action>* out) {
  out->push_back(crdt::ReportError{message});
  for (auto& [id, call] : calls_) {
    out->push_back(crdt::Complete{ErrorOutput(call.handle, "Entity terminating: " + message)});
  }
  calls_.clear();
  if (state_ == State::kActive) {
    out->push_back(crdt::CloseStream{});
  }
  state_ = State::kStopped;
  out->push_back(crdt::Stopped{});
}

void CrdtCore::FinishDeleted(std::vector<crdt::Action>* out) {
  for (auto& [id, call] : calls_) {
    out->push_back(crdt::Complete{ErrorOutput(call.handle, "Entity deleted")});
  }
  calls_.clear();
  out->push_back(crdt::CloseStream{});
  state_ = State::kDeleted;
}

bool CrdtCore::ApplyStateAction(const cloudstate::crdt::CrdtStateAction& action, int64_t now_ms,
                                std::vector<crdt::Action>* out) {
  // Write consistency is accepted and trivially met: this node is the whole cluster.
  if (action.has_update()) {
    absl::Status s = ApplyCrdtDelta(action.update(), &slot_.value, now_ms);
    if (!s.ok()) {
      Crash(std::string(s.message()), out);
      return false;
    }
    out->push_back(crdt::StateChanged{action.update()});
  } else if (action.has_delete_()) {
    slot_.value.reset();
    slot_.deleted = true;
    out->push_back(crdt::StateChanged{});
  }
  return true;
}

std::vector<crdt::Action> CrdtCore::OnStreamMessage(const CrdtStreamOut& m, int64_t now_ms) {
  std::vector<crdt::Action> out;
  if (state_ != State::kActive) {
    return out;
  }
  switch (m.message_case()) {
    case CrdtStreamOut::kReply: {
      const auto& reply = m.reply();
      auto it = calls_.find(reply.command_id());
      if (it == calls_.end() || it->second.stream_open) {
        Crash(absl::StrCat("Unexpected CRDT reply for unknown command id ", reply.command_id()),
              &out);
        return out;
      }
      if (reply.streamed() && !it->second.streamed) {
        Crash(absl::StrCat("CRDT reply for command ", reply.command_id(),
                           " is streamed but the command was not"),
              &out);
        return out;
      }
      if (reply.has_state_action() && !ApplyStateAction(reply.state_action(), now_ms, &out)) {
        return out;
      }
      CallOutput output;
      output.handle = it->second.handle;
      if (reply.has_client_action()) {
        output.action = reply.client_action();
      }
      output.side_effects.assign(reply.side_effects().begin(), reply.side_effects().end());
      output.final = !reply.streamed();
      if (reply.streamed()) {
        it->second.stream_open = true;
      } else {
        calls_.erase(it);
        it = calls_.end();
      }
      out.push_back(crdt::Complete{std::move(output)});
      if (it != calls_.end() && it->second.cancelled_early) {
        // The client went away before the function opened the stream: cancel it now so the
        // function can clean up and the call does not stay open forever.
        it->second.cancelling = true;
        CrdtStreamIn in;
        in.mutable_stream_cancelled()->set_entity_id(entity_id_);
        in.mutable_stream_cancelled()->set_id(it->first);
        out.push_back(crdt::Send{std::move(in)});
      }
      if (slot_.deleted) {
        // The function deleted the entity: finish our side and fail whatever is still open.
        FinishDeleted(&out);
      }
      return out;
    }
    case CrdtStreamOut::kStreamedMessage: {
      const auto& msg = m.streamed_message();
      auto it = calls_.find(msg.command_id());
      if (it == calls_.end() || !it->second.stream_open) {
        out.push_back(crdt::ReportError{
            absl::StrCat("Streamed message for unknown or closed command id ", msg.command_id(),
                         " of CRDT entity ", entity_id_, " ignored")});
        return out;
      }
      CallOutput output;
      output.handle = it->second.handle;
      if (msg.has_client_action()) {
        output.action = msg.client_action();
      }
      output.side_effects.assign(msg.side_effects().begin(), msg.side_effects().end());
      output.final = msg.end_stream();
      if (msg.end_stream()) {
        calls_.erase(it);
      }
      out.push_back(crdt::Complete{std::move(output)});
      return out;
    }
    case CrdtStreamOut::kStreamCancelledResponse: {
      const auto& resp = m.stream_cancelled_response();
      auto it = calls_.find(resp.command_id());
      if (it == calls_.end() || !it->second.cancelling) {
        Crash(
            absl::StrCat("Unexpected stream cancelled response for command id ", resp.command_id()),
            &out);
        return out;
      }
      calls_.erase(it);
      // Side effects of a cancelled stream have no client to report to; like the Akka proxy we
      // drop them (the state action still counts).
      if (resp.has_state_action()) {
        ApplyStateAction(resp.state_action(), now_ms, &out);
      }
      return out;
    }
    case CrdtStreamOut::kFailure: {
      const auto& failure = m.failure();
      auto it = calls_.find(failure.command_id());
      if (failure.command_id() == 0 || it == calls_.end()) {
        out.push_back(
            crdt::ReportError{absl::StrCat("CRDT failure without a matching command (id ",
                                           failure.command_id(), "): ", failure.description())});
        return out;
      }
      out.push_back(crdt::Complete{ErrorOutput(it->second.handle, failure.description())});
      calls_.erase(it);
      return out;
    }
    default:
      Crash("Unexpected CRDT message: empty CrdtStreamOut", &out);
      return out;
  }
}

std::vector<crdt::Action> CrdtCore::OnClientCancelled(CallHandle handle) {
  std::vector<crdt::Action> out;
  if (state_ != State::kActive) {
    return out;
  }
  for (auto& [id, call] : calls_) {
    if (call.handle != handle || call.cancelling) {
      continue;
    }
    if (!call.stream_open) {
      // Cancelled before the function answered: nothing to tell it yet; forget the client side
      // and cancel the function's stream once it opens one.
      call.handle = 0;
      call.cancelled_early = true;
      return out;
    }
    call.cancelling = true;
    CrdtStreamIn in;
    in.mutable_stream_cancelled()->set_entity_id(entity_id_);
    in.mutable_stream_cancelled()->set_id(id);
    out.push_back(crdt::Send{std::move(in)});
    return out;
  }
  return out;
}

std::vector<crdt::Action> CrdtCore::OnStreamClosed(const absl::Status& status) {
  std::vector<crdt::Action> out;
  if (state_ != State::kActive) {
    return out;
  }
  Crash(absl::StrCat("Unexpected entity termination",
                     status.ok() ? std::string() : absl::StrCat(": ", status.message())),
        &out);
  SetFailureCode<crdt::Complete>(&out, StreamClosedCode(status));
  return out;
}

std::vector<crdt::Action> CrdtCore::Passivate() {
  std::vector<crdt::Action> out;
  if (!calls_.empty() && state_ == State::kActive) {
    return out;
  }
  if (state_ == State::kActive) {
    out.push_back(crdt::CloseStream{});
  }
  state_ = State::kStopped;
  out.push_back(crdt::Stopped{});
  return out;
}

std::vector<crdt::Action> CrdtCore::OnReplicatedDelta(const cloudstate::crdt::CrdtDelta& delta,
                                                      int64_t now_ms) {
  std::vector<crdt::Action> out;
  if (slot_.deleted) {
    return out;  // a delete wins over concurrent changes
  }
  absl::Status s = ApplyCrdtDelta(delta, &slot_.value, now_ms);
  if (!s.ok()) {
    // A peer's change that does not fit ours is the peer's bug: reported, not applied, and the
    // function keeps its entity.
    out.push_back(crdt::ReportError{
        absl::StrCat("Replicated change to CRDT entity ", entity_id_, " ignored: ", s.message())});
    return out;
  }
  if (state_ == State::kActive) {
    CrdtStreamIn in;
    *in.mutable_delta() = delta;
    out.push_back(crdt::Send{std::move(in)});
  }
  return out;
}

std::vector<crdt::Action> CrdtCore::OnReplicatedDelete() {
  std::vector<crdt::Action> out;
  if (slot_.deleted) {
    return out;
  }
  slot_.value.reset();
  slot_.deleted = true;
  if (state_ == State::kActive) {
    CrdtStreamIn in;
    in.mutable_delete_();
    out.push_back(crdt::Send{std::move(in)});
    FinishDeleted(&out);
  }
  return out;
}

std::vector<crdt::Action> CrdtCore::Terminate(const std::string& reason) {
  std::vector<crdt::Action> out;
  for (auto& [id, call] : calls_) {
    out.push_back(crdt::Complete{ErrorOutput(call.handle, reason)});
  }
  calls_.clear();
  if (state_ == State::kActive) {
    out.push_back(crdt::CloseStream{});
  }
  state_ = State::kStopped;
  out.push_back(crdt::Stopped{});
  return out;
}

}  // namespace cloudstate::proxy
