#pragma once
// Sans-IO state machine of one CRDT entity incarnation (§1.5, §4). Several commands may be in
// flight; server-streaming commands stay open until the function ends them or the client cancels.
// The value lives in a CrdtSlot owned outside the core (state survives passivation; only delete
// forgets it, leaving a tombstone so later commands fail with "Entity deleted").

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cloudstate/crdt.pb.h"

#include "core/crdt_state.h"
#include "core/entity_io.h"

namespace cloudstate::proxy {

// The replicated value of one CRDT key. Entities of services that declare the same persistence id
// share the key, as in the original proxy (its Distributed Data key is "<persistence id>-<entity
// id>"), and may run on different threads: `value` and `deleted` are read and written under `mu`.
// A change made by one entity is announced to the others (watchers), whose function learns it as
// a CrdtDelta (or CrdtDelete): the only way a value changes outside a command on a single node.
struct CrdtSlot {
  std::mutex mu;
  std::optional<CrdtValue> value;
  bool deleted = false;

  // `watcher` returns false once its entity is gone (it is then forgotten).
  void Watch(const void* who, std::function<bool()> watcher);
  // Calls every watcher except `who`'s (outside the lock).
  void NotifyOthers(const void* who);

 private:
  std::mutex watchers_mu_;
  std::map<const void*, std::function<bool()>> watchers_;
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
// This entity changed the shared value: the other entities on the slot must be told.
struct StateChanged {};
using Action =
    std::variant<OpenStream, Send, CloseStream, Complete, ReportError, Stopped, StateChanged>;
}  // namespace crdt

class CrdtCore {
 public:
  CrdtCore(std::string service_name, std::string entity_id, CrdtSlot* slot)
      : service_name_(std::move(service_name)), entity_id_(std::move(entity_id)), slot_(slot) {}

  std::vector<crdt::Action> OnCommand(ClientCommand command);
  std::vector<crdt::Action> OnStreamMessage(const cloudstate::crdt::CrdtStreamOut& m,
                                            int64_t now_ms);
  std::vector<crdt::Action> OnStreamClosed(const absl::Status& status);
  // Another entity on the same slot changed or deleted the value. Like the original, the function
  // is told (a delta computed against what it knows, or a delete) once no command or stream
  // cancellation of this entity is outstanding.
  std::vector<crdt::Action> OnSlotChanged();
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
  std::vector<crdt::Action> HandleStreamMessage(const cloudstate::crdt::CrdtStreamOut& m,
                                                int64_t now_ms);
  // Sends the pending outside change if nothing is outstanding.
  void MaybePushChange(std::vector<crdt::Action>* out);
  bool OperationsOutstanding() const;
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
  // The value as the function knows it (init plus its own deltas plus pushed changes).
  std::optional<CrdtValue> known_;
  bool change_pending_ = false;
};

}  // namespace cloudstate::proxy
