#pragma once
// Sans-IO state machine of one CRDT entity incarnation (§1.5, §4). Several commands may be in
// flight; server-streaming commands stay open until the function ends them or the client cancels.
// The value lives in a CrdtSlot owned outside the core (state survives passivation; only delete
// forgets it, leaving a tombstone so later commands fail with "Entity deleted").

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cloudstate/crdt.pb.h"

#include "core/crdt_state.h"
#include "core/entity_io.h"

namespace cloudstate::proxy {

struct CrdtSlot {
  std::optional<CrdtValue> value;
  bool deleted = false;
};

namespace crdt {
struct OpenStream {};
struct Send {
  cloudstate::crdt::CrdtStreamIn message;
};
struct CloseStream {};
struct Complete {
  CallOutput output;  // final=false for elements of an open streamed call
};
struct ReportError {
  std::string message;
};
struct Stopped {};
using Action = std::variant<OpenStream, Send, CloseStream, Complete, ReportError, Stopped>;
}  // namespace crdt

class CrdtCore {
 public:
  CrdtCore(std::string service_name, std::string entity_id, CrdtSlot* slot)
      : service_name_(std::move(service_name)), entity_id_(std::move(entity_id)), slot_(slot) {}

  std::vector<crdt::Action> OnCommand(ClientCommand command);
  std::vector<crdt::Action> OnStreamMessage(const cloudstate::crdt::CrdtStreamOut& m,
                                            int64_t now_ms);
  std::vector<crdt::Action> OnStreamClosed(const absl::Status& status);
  // The client cancelled a call (only matters for open streamed calls).
  std::vector<crdt::Action> OnClientCancelled(CallHandle handle);
  std::vector<crdt::Action> Passivate();
  std::vector<crdt::Action> Terminate(const std::string& reason);

  bool idle() const { return state_ != State::kActive || calls_.empty(); }
  bool stopped() const { return state_ == State::kStopped; }
  size_t open_calls() const { return calls_.size(); }

 private:
  enum class State { kNew, kActive, kDeleted, kStopped };
  struct Call {
    CallHandle handle;
    bool streamed;
    bool stream_open = false;      // the function answered with streamed=true
    bool cancelling = false;       // stream_cancelled sent, waiting for the response
    bool cancelled_early = false;  // the client cancelled before the function answered
  };
  void Start(std::vector<crdt::Action>* out);
  void Crash(const std::string& message, std::vector<crdt::Action>* out);
  // Applies a state action; false (after crashing) on an incompatible change.
  bool ApplyStateAction(const cloudstate::crdt::CrdtStateAction& action, int64_t now_ms,
                        std::vector<crdt::Action>* out);

  std::string service_name_;
  std::string entity_id_;
  CrdtSlot* slot_;
  State state_ = State::kNew;
  int64_t next_command_id_ = 1;
  std::map<int64_t, Call> calls_;  // by command id
};

}  // namespace cloudstate::proxy
