#pragma once
// Sans-IO state machine of one value-entity incarnation (protocol §1.4): load the stored value,
// send init (state always present), then one command at a time; update/delete are written to the
// store before the client sees the reply.

#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/value_entity.pb.h"

#include "cloudstate/proxy_core/entity_io.h"

namespace cloudstate::proxy {

namespace ve {
struct Load {};
struct OpenStream {};
struct Send {
  cloudstate::valueentity::ValueEntityStreamIn message;
};
struct CloseStream {};
struct Upsert {
  google::protobuf::Any value;
};
struct Delete {};
struct Complete {
  CallOutput output;
};
struct ReportError {
  std::string message;
};
struct Stopped {};
using Action = std::variant<Load, OpenStream, Send, CloseStream, Upsert, Delete, Complete,
                            ReportError, Stopped>;
}  // namespace ve

class ValueEntityCore {
 public:
  ValueEntityCore(std::string service_name, std::string entity_id)
      : service_name_(std::move(service_name)), entity_id_(std::move(entity_id)) {}

  std::vector<ve::Action> OnCommand(ClientCommand command);
  std::vector<ve::Action> OnLoaded(absl::StatusOr<std::optional<google::protobuf::Any>> value);
  std::vector<ve::Action> OnStreamMessage(const cloudstate::valueentity::ValueEntityStreamOut& m);
  std::vector<ve::Action> OnStreamClosed(const absl::Status& status);
  std::vector<ve::Action> OnWritten(const absl::Status& status);
  std::vector<ve::Action> Passivate();
  std::vector<ve::Action> Terminate(const std::string& reason);

  bool idle() const { return state_ == State::kReady && !in_flight_.has_value() && queue_.empty(); }
  bool stopped() const { return state_ == State::kStopped; }
  // A value larger than this could never be sent back to the function (it travels whole in the
  // init message): the update is refused with RESOURCE_EXHAUSTED, nothing is written and the
  // entity restarts from the stored value. 0 = no limit.
  void set_max_state_bytes(size_t bytes) { max_state_bytes_ = bytes; }

 private:
  enum class State { kNew, kLoading, kReady, kWriting, kStopped };
  struct InFlight {
    int64_t id;
    ClientCommand command;
  };
  void Dispatch(std::vector<ve::Action>* out);
  void Crash(const std::string& message, std::vector<ve::Action>* out);
  void FailAll(const std::string& message, std::vector<ve::Action>* out);

  std::string service_name_;
  std::string entity_id_;
  State state_ = State::kNew;
  std::deque<ClientCommand> queue_;
  std::optional<InFlight> in_flight_;
  int64_t next_command_id_ = 1;
  size_t max_state_bytes_ = 0;
  std::optional<cloudstate::valueentity::ValueEntityReply> pending_reply_;
};

}  // namespace cloudstate::proxy
