#pragma once
// Shared vocabulary of the sans-IO entity cores: the command a client sent and what the proxy has
// to do with the client call when the function (or the proxy itself) answers it.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/any.pb.h"

#include "cloudstate/entity.pb.h"

namespace cloudstate::proxy {

// Identifies a client call inside the shell; opaque to the cores.
using CallHandle = uint64_t;

struct ClientCommand {
  CallHandle handle = 0;
  std::string name;               // method name
  google::protobuf::Any payload;  // type_url of the input type, raw request bytes
  bool streamed = false;          // server-streaming method (CRDT only)
};

// One thing to deliver to a client call.
struct CallOutput {
  CallHandle handle = 0;
  // What the function answered (reply / forward / failure, or none). Ignored if `error` is set.
  std::optional<cloudstate::ClientAction> action;
  std::vector<cloudstate::SideEffect> side_effects;
  // A proxy-generated failure ("Entity deleted", "Unexpected entity termination", ...): the call
  // ends with gRPC UNKNOWN and this message.
  absl::Status error;
  // True when the call is complete after this output (always true for unary calls).
  bool final = true;
};

inline CallOutput ErrorOutput(CallHandle handle, const std::string& message,
                              absl::StatusCode code = absl::StatusCode::kUnknown) {
  CallOutput out;
  out.handle = handle;
  out.error = absl::Status(code, message);
  return out;
}

// The code the calls failed by a closed function stream end with: UNAVAILABLE when the function
// could not be reached or sent something unreadable (the client may retry; the next command opens
// a new stream), RESOURCE_EXHAUSTED for a message over the size limit, UNKNOWN otherwise.
inline absl::StatusCode StreamClosedCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:  // a message over the size limit
      return status.code();
    default:
      return absl::StatusCode::kUnknown;
  }
}

// Gives every failed call completed by `actions` the code `code` (same message).
template <class Complete, class Action>
void SetFailureCode(std::vector<Action>* actions, absl::StatusCode code) {
  for (Action& action : *actions) {
    if (auto* complete = std::get_if<Complete>(&action);
        complete != nullptr && !complete->output.error.ok()) {
      complete->output.error = absl::Status(code, complete->output.error.message());
    }
  }
}

}  // namespace cloudstate::proxy
