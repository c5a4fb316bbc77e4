#pragma once
// Sans-IO state machine of one event-sourced entity incarnation (protocol §1.3). The shell feeds it
// client commands, store results and function messages, and executes the actions it returns, in
// order. No gRPC, no Asio, no clock: tests drive it step by step.
//
//   EventSourcedCore core("shop.Cart", "u1");
//   auto actions = core.OnCommand(cmd);        // -> {Load}
//   actions = core.OnLoaded(recovery);         // -> {OpenStream, Send(init), Send(event)...,
//                                              //     Send(command)}
//   actions = core.OnStreamMessage(reply);     // -> {Persist} or {Complete}
//   actions = core.OnPersisted(new_sequence);  // -> {Complete, Send(next command)}

#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/event_sourced.pb.h"

#include "cloudstate/proxy_core/entity_io.h"

namespace cloudstate::proxy {

struct EsRecovery {
  std::optional<cloudstate::eventsourced::EventSourcedSnapshot> snapshot;
  std::vector<cloudstate::eventsourced::EventSourcedEvent> events;  // after the snapshot
};

namespace es {
struct Load {};  // read snapshot + events after it, then call OnLoaded
struct OpenStream {};
struct Send {
  cloudstate::eventsourced::EventSourcedStreamIn message;
};
struct CloseStream {};  // half-close the current stream; later messages from it are ignored
struct Persist {        // append events (expected_sequence), then save the snapshot if any
  int64_t expected_sequence = 0;
  std::vector<google::protobuf::Any> events;
  std::optional<google::protobuf::Any> snapshot;  // taken at the sequence after the events
};
struct Complete {
  CallOutput output;
};
struct ReportError {
  std::string message;
};
struct Stopped {};  // this incarnation is finished; the next command needs a new core
using Action =
    std::variant<Load, OpenStream, Send, CloseStream, Persist, Complete, ReportError, Stopped>;
}  // namespace es

class EventSourcedCore {
 public:
  EventSourcedCore(std::string service_name, std::string entity_id)
      : service_name_(std::move(service_name)), entity_id_(std::move(entity_id)) {}

  std::vector<es::Action> OnCommand(ClientCommand command);
  std::vector<es::Action> OnLoaded(absl::StatusOr<EsRecovery> recovery);
  std::vector<es::Action> OnStreamMessage(const cloudstate::eventsourced::EventSourcedStreamOut& m);
  std::vector<es::Action> OnStreamClosed(const absl::Status& status);
  std::vector<es::Action> OnPersisted(absl::StatusOr<int64_t> new_sequence);
  // Stops the entity if it is idle; returns {} (and stays active) otherwise.
  std::vector<es::Action> Passivate();
  // Fails everything and stops (proxy shutdown or shell teardown).
  std::vector<es::Action> Terminate(const std::string& reason);

  bool idle() const { return state_ == State::kReady && !in_flight_.has_value() && queue_.empty(); }
  bool stopped() const { return state_ == State::kStopped; }
  int64_t sequence() const { return sequence_; }
  size_t queued() const { return queue_.size(); }
  // A snapshot larger than this could never be sent back to the function (it travels whole in
  // the init message): the reply is refused with RESOURCE_EXHAUSTED, nothing is persisted and the
  // entity restarts from its journal. 0 = no limit.
  void set_max_state_bytes(size_t bytes) { max_state_bytes_ = bytes; }

 private:
  enum class State { kNew, kLoading, kReady, kPersisting, kStopped };
  struct InFlight {
    int64_t id;
    ClientCommand command;
  };

  void Dispatch(std::vector<es::Action>* out);
  void Crash(const std::string& message, std::vector<es::Action>* out);

  std::string service_name_;
  std::string entity_id_;
  State state_ = State::kNew;
  std::deque<ClientCommand> queue_;
  std::optional<InFlight> in_flight_;
  int64_t next_command_id_ = 1;
  int64_t sequence_ = 0;
  size_t max_state_bytes_ = 0;
  // Reply waiting for its events to be persisted.
  std::optional<cloudstate::eventsourced::EventSourcedReply> pending_reply_;
};

}  // namespace cloudstate::proxy
