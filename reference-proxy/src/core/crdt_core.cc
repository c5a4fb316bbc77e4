#include "core/crdt_core.h"

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

using cloudstate::crdt::CrdtStreamIn;
using cloudstate::crdt::CrdtStreamOut;

namespace {

// A copy that shares nothing with the original (ORMap values are held by pointer).
CrdtValue DeepCopy(const CrdtValue& value) {
  CrdtValue copy = value;
  if (auto* map = std::get_if<ORMapValue>(&copy.v)) {
    for (auto& [key, entry] : map->entries) {
      if (entry.second != nullptr) {
        entry.second = std::make_shared<CrdtValue>(DeepCopy(*entry.second));
      }
    }
  }
  return copy;
}

std::optional<CrdtValue> DeepCopy(const std::optional<CrdtValue>& value) {
  if (!value.has_value()) {
    return std::nullopt;
  }
  return DeepCopy(*value);
}

}  // namespace

void CrdtSlot::Watch(const void* who, std::function<bool()> watcher) {
  std::lock_guard lock(watchers_mu_);
  watchers_[who] = std::move(watcher);
}

void CrdtSlot::NotifyOthers(const void* who) {
  std::vector<std::pair<const void*, std::function<bool()>>> targets;
  {
    std::lock_guard lock(watchers_mu_);
    for (const auto& [key, watcher] : watchers_) {
      if (key != who) {
        targets.emplace_back(key, watcher);
      }
    }
  }
  for (auto& [key, watcher] : targets) {
    if (!watcher()) {
      std::lock_guard lock(watchers_mu_);
      watchers_.erase(key);
    }
  }
}

void CrdtCore::Start(std::vector<crdt::Action>* out) {
  out->push_back(crdt::OpenStream{});
  CrdtStreamIn init;
  init.mutable_init()->set_service_name(service_name_);
  init.mutable_init()->set_entity_id(entity_id_);
  {
    std::lock_guard lock(slot_->mu);
    if (slot_->value.has_value()) {
      *init.mutable_init()->mutable_delta() = FullStateDelta(*slot_->value);
    }
    known_ = DeepCopy(slot_->value);
  }
  change_pending_ = false;
  out->push_back(crdt::Send{std::move(init)});
  state_ = State::kActive;
}

std::vector<crdt::Action> CrdtCore::OnCommand(ClientCommand command) {
  std::vector<crdt::Action> out;
  bool slot_deleted = false;
  {
    std::lock_guard lock(slot_->mu);
    slot_deleted = slot_->deleted;
  }
  if (slot_deleted || state_ == State::kDeleted) {
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

bool CrdtCore::ApplyStateAction(const cloudstate::crdt::CrdtStateAction& action, int64_t now_ms,
                                std::vector<crdt::Action>* out) {
  // Write consistency is accepted and trivially met: this node is the whole cluster.
  if (action.has_update()) {
    absl::Status s;
    {
      std::lock_guard lock(slot_->mu);
      if (slot_->deleted) {
        // Another entity deleted the value meanwhile: the delete wins, as in the original; the
        // function learns it once this operation is done.
        change_pending_ = true;
        return true;
      }
      s = ApplyCrdtDelta(action.update(), &slot_->value, now_ms);
      if (s.ok()) {
        // What the function knows moves by its own delta only, as the original's cache does: an
        // outside change not yet pushed stays visible as a difference.
        if (!ApplyCrdtDelta(action.update(), &known_, now_ms).ok()) {
          known_ = DeepCopy(slot_->value);
        }
      }
    }
    if (!s.ok()) {
      const std::string message(s.message());
      Crash(message, out);
      return false;
    }
    out->push_back(crdt::StateChanged{});
  } else if (action.has_delete_()) {
    {
      std::lock_guard lock(slot_->mu);
      slot_->value.reset();
      slot_->deleted = true;
    }
    known_.reset();
    out->push_back(crdt::StateChanged{});
  }
  return true;
}

bool CrdtCore::OperationsOutstanding() const {
  for (const auto& [id, call] : calls_) {
    if (!call.stream_open || call.cancelling) {
      return true;
    }
  }
  return false;
}

std::vector<crdt::Action> CrdtCore::OnSlotChanged() {
  std::vector<crdt::Action> out;
  if (state_ != State::kActive) {
    return out;  // a new incarnation starts from the current value
  }
  change_pending_ = true;
  MaybePushChange(&out);
  return out;
}

void CrdtCore::MaybePushChange(std::vector<crdt::Action>* out) {
  if (!change_pending_ || state_ != State::kActive || OperationsOutstanding()) {
    return;
  }
  change_pending_ = false;
  bool deleted = false;
  std::optional<CrdtValue> current;
  {
    std::lock_guard lock(slot_->mu);
    deleted = slot_->deleted;
    if (!deleted) {
      current = DeepCopy(slot_->value);
    }
  }
  if (deleted) {
    // Deleted by another entity: the function is told, then its stream ends; what is still open
    // fails as after a delete by command.
    CrdtStreamIn in;
    in.mutable_delete_();
    out->push_back(crdt::Send{std::move(in)});
    for (auto& [id, call] : calls_) {
      out->push_back(crdt::Complete{ErrorOutput(call.handle, "Entity deleted")});
    }
    calls_.clear();
    out->push_back(crdt::CloseStream{});
    known_.reset();
    state_ = State::kDeleted;
    return;
  }
  if (!current.has_value()) {
    return;
  }
  std::optional<cloudstate::crdt::CrdtDelta> delta;
  if (!known_.has_value()) {
    delta = FullStateDelta(*current);
  } else {
    auto diff = CrdtDiff(*known_, *current);
    if (!diff.ok()) {
      Crash(absl::StrCat("Incompatible CRDT change for entity ", entity_id_, ": ",
                         diff.status().message()),
            out);
      return;
    }
    delta = std::move(*diff);
  }
  known_ = std::move(current);
  if (delta.has_value()) {
    CrdtStreamIn in;
    *in.mutable_delta() = std::move(*delta);
    out->push_back(crdt::Send{std::move(in)});
  }
}

std::vector<crdt::Action> CrdtCore::OnStreamMessage(const CrdtStreamOut& m, int64_t now_ms) {
  std::vector<crdt::Action> out = HandleStreamMessage(m, now_ms);
  // An operation may have finished: an outside change waiting for that goes out now.
  MaybePushChange(&out);
  return out;
}

std::vector<crdt::Action> CrdtCore::HandleStreamMessage(const CrdtStreamOut& m, int64_t now_ms) {
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
      if (reply.has_state_action() && reply.state_action().has_delete_()) {
        // The function deleted the entity: finish our side and fail whatever is still open.
        for (auto& [id, call] : calls_) {
          out.push_back(crdt::Complete{ErrorOutput(call.handle, "Entity deleted")});
        }
        calls_.clear();
        out.push_back(crdt::CloseStream{});
        state_ = State::kDeleted;
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
