#pragma once
// A concurrent history: operations with a client (process), an entity, call and return times,
// input, output and a status, in the JSON format documented in model-checker/README.md.
//
//   CS_ASSIGN_OR_RETURN(History history, ParseHistoryJson(text));
//   // history.model names the sequential model ("kv-register", "value-entity", "shopping-cart").

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace cloudstate::model_checker {

// What the client learnt about an operation.
enum class OpStatus {
  kOk,    // it took effect and returned `output`
  kFail,  // it certainly did not take effect (it is left out of the check)
  kInfo,  // unknown: it may or may not have taken effect, at any time after its call
};

const char* OpStatusName(OpStatus status);  // "ok", "fail", "info"

// The return time of an operation that never returned (status info without a return time).
inline constexpr int64_t kNeverReturned = std::numeric_limits<int64_t>::max();

struct Operation {
  int id = 0;             // index in History::operations (set by the parser and by AddOperation)
  std::string process{};  // client or process id
  std::string entity{};   // entity id or key: operations on different entities are independent
  int64_t call = 0;       // call time (any monotonic unit: ns, µs, logical steps)
  int64_t ret = kNeverReturned;  // return time; kNeverReturned when the outcome is unknown
  std::string f{};               // operation name: "read", "write", "cas", "update", ...
  nlohmann::json input = nullptr;
  nlohmann::json output = nullptr;
  OpStatus status = OpStatus::kOk;
};

// A fault a nemesis injected while the history ran, in the operations' time unit. Not checked:
// it explains the history (the HTML timeline draws it).
struct FaultWindow {
  std::string name{};         // "reset-clients", "kill-function", ...
  std::string description{};  // what was done, in words
  int64_t start = 0;
  int64_t end = kNeverReturned;  // kNeverReturned: still active when the history ended
};

struct History {
  std::string model{};               // name of the sequential model the history is checked against
  nlohmann::json initial = nullptr;  // initial state of every entity (model-specific; null: empty)
  std::vector<Operation> operations{};
  std::vector<FaultWindow> faults{};

  // Appends `op` with the next id.
  Operation& AddOperation(Operation op);
};

// Parses the JSON history format. Every error names the offending operation and field; malformed
// input never crashes.
absl::StatusOr<History> ParseHistoryJson(std::string_view text);
absl::StatusOr<History> ReadHistoryFile(const std::string& path);

// The JSON form of a history, readable by ParseHistoryJson.
nlohmann::json HistoryToJson(const History& history);

}  // namespace cloudstate::model_checker
