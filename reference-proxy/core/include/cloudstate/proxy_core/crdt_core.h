#pragma once
// Sans-IO state machine of one CRDT entity incarnation (§1.5, §4). Several commands may be in
// flight; server-streaming commands stay open until the function ends them or the client cancels.
// The core owns the value (a CrdtSlot): it starts from what the proxy kept of the entity's earlier
// incarnations (state survives passivation; only delete forgets it, leaving a tombstone so later
// commands fail with "Entity deleted"), and the shell keeps state() when the core stops.
// Replication is an input and an output: changes made elsewhere come in through
// OnReplicatedDelta/OnReplicatedDelete, and every change the function makes goes out as a
// StateChanged action for the peers.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cloudstate/crdt.pb.h"

#include "cloudstate/proxy_core/crdt_state.h"
#include "cloudstate/proxy_core/entity_io.h"

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
// The function changed the state: the delta it sent, or a delete (no delta).
struct StateChanged {
  std::optional<cloudstate::crdt::CrdtDelta> delta;
};
using Action =
    std::variant<OpenStream, Send, CloseStream, Complete, ReportError, Stopped, StateChanged>;
}  // namespace crdt

class CrdtCore {
 public:
  CrdtCore(std::string service_name, std::string entity_id, CrdtSlot initial = {})
      : service_name_(std::move(service_name)),
        entity_id_(std::move(entity_id)),
        slot_(std::move(initial)) {}

  std::vector<crdt::Action> OnCommand(ClientCommand command);
  std::vector<crdt::Action> OnStreamMessage(const cloudstate::crdt::CrdtStreamOut& m,
                                            int64_t now_ms);
  std::vector<crdt::Action> OnStreamClosed(const absl::Status& status);
  // The client cancelled a call (only matters for open streamed calls).
  std::vector<crdt::Action> OnClientCancelled(CallHandle handle);
  std::vector<crdt::Action> Passivate();
  // A change another replica made: applied to the state and, while the function has the entity
  // open, passed on to it. Not announced again as StateChanged.
  std::vector<crdt::Action> OnReplicatedDelta(const cloudstate::crdt::CrdtDelta& delta,
                                              int64_t now_ms);
  // Another replica deleted the entity: the function is told, open calls fail.
  std::vector<crdt::Action> OnReplicatedDelete();
  std::vector<crdt::Action> Terminate(const std::string& reason);

  bool idle() const { return state_ != State::kActive || calls_.empty(); }
  bool stopped() const { return state_ == State::kStopped; }
  size_t open_calls() const { return calls_.size(); }
  const CrdtSlot& state() const { return slot_; }

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
  // After a delete: fails the open calls, closes the stream and refuses later commands.
  void FinishDeleted(std::vector<crdt::Action>* out);
  // Applies a state action; false (after crashing) on an incompatible change.
  bool ApplyStateAction(const cloudstate::crdt::CrdtStateAction& action, int64_t now_ms,
                        std::vector<crdt::Action>* out);

  std::string service_name_;
  std::string entity_id_;
  CrdtSlot slot_;
  State state_ = State::kNew;
  int64_t next_command_id_ = 1;
  std::map<int64_t, Call> calls_;  // by command id
};

}  // namespace cloudstate::proxy
