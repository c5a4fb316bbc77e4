#include "cloudstate/model_checker/history.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

#include "json_util.h"

namespace cloudstate::model_checker {
namespace {

using nlohmann::json;

// process and entity may be written as strings or integers.
absl::StatusOr<std::string> IdField(const json& op, const char* field, size_t index,
                                    bool required) {
  auto it = op.find(field);
  if (it == op.end() || it->is_null()) {
    if (required) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation ", index, ": missing field \"", field, "\""));
    }
    return std::string();
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_number_integer()) {
    return it->dump();
  }
  return absl::InvalidArgumentError(absl::StrCat("operation ", index, ": field \"", field,
                                                 "\" must be a string or an integer, not ",
                                                 it->type_name()));
}

absl::StatusOr<int64_t> TimeField(const json& value, const char* field, size_t index) {
  if (!value.is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index, ": field \"", field,
                                                   "\" must be an integer, not ",
                                                   value.type_name()));
  }
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() >= static_cast<uint64_t>(kNeverReturned)) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation ", index, ": field \"", field, "\" is out of range"));
  }
  int64_t time = value.get<int64_t>();
  if (time < 0 || time == kNeverReturned) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation ", index, ": field \"", field, "\" must be >= 0"));
  }
  return time;
}

absl::StatusOr<Operation> ParseOperation(const json& j, size_t index) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation ", index, ": must be an object, not ", j.type_name()));
  }
  static const char* const kKnown[] = {"process", "entity", "call",   "return",
                                       "f",       "input",  "output", "status"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKnown) {
      known = known || key == k;
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation ", index, ": unknown field \"", key, "\""));
    }
  }
  Operation op;
  auto process = IdField(j, "process", index, /*required=*/true);
  if (!process.ok()) {
    return process.status();
  }
  op.process = *process;
  auto entity = IdField(j, "entity", index, /*required=*/false);
  if (!entity.ok()) {
    return entity.status();
  }
  op.entity = *entity;

  auto f = j.find("f");
  if (f == j.end() || !f->is_string() || f->get<std::string>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index,
                                                   ": field \"f\" (the operation name) must be a "
                                                   "non-empty string"));
  }
  op.f = f->get<std::string>();

  auto status = j.find("status");  // absent: ok
  if (status != j.end() && !status->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index,
                                                   ": field \"status\" must be \"ok\", \"fail\" or "
                                                   "\"info\""));
  }
  if (status == j.end() || *status == "ok") {
    op.status = OpStatus::kOk;
  } else if (*status == "fail") {
    op.status = OpStatus::kFail;
  } else if (*status == "info") {
    op.status = OpStatus::kInfo;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("operation ", index, ": unknown status \"",
                                                   status->get<std::string>(),
                                                   "\" (expected ok, fail or info)"));
  }

  auto call = j.find("call");
  if (call == j.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation ", index, ": missing field \"call\""));
  }
  auto call_time = TimeField(*call, "call", index);
  if (!call_time.ok()) {
    return call_time.status();
  }
  op.call = *call_time;

  auto ret = j.find("return");
  if (ret == j.end() || ret->is_null()) {
    if (op.status == OpStatus::kOk) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation ", index,
                       ": an ok operation needs a \"return\" time (use status info for "
                       "operations that never returned)"));
    }
    op.ret = kNeverReturned;
  } else {
    auto ret_time = TimeField(*ret, "return", index);
    if (!ret_time.ok()) {
      return ret_time.status();
    }
    op.ret = *ret_time;
    if (op.ret < op.call) {
      return absl::InvalidArgumentError(absl::StrCat("operation ", index, ": returns (", op.ret,
                                                     ") before its call (", op.call, ")"));
    }
  }
  if (auto it = j.find("input"); it != j.end()) {
    op.input = *it;
  }
  if (auto it = j.find("output"); it != j.end()) {
    op.output = *it;
  }
  return op;
}

absl::StatusOr<std::vector<FaultWindow>> ParseFaults(const json& j) {
  if (!j.is_array()) {
    return absl::InvalidArgumentError("history: \"faults\" must be an array");
  }
  std::vector<FaultWindow> faults;
  for (size_t i = 0; i < j.size(); ++i) {
    const json& f = j[i];
    const std::string where = absl::StrCat("fault ", i, ": ");
    if (!f.is_object()) {
      return absl::InvalidArgumentError(where + "must be an object");
    }
    FaultWindow window;
    for (const auto& [key, value] : f.items()) {
      if (key == "name" || key == "description") {
        if (!value.is_string()) {
          return absl::InvalidArgumentError(where + "\"" + key + "\" must be a string");
        }
        (key == "name" ? window.name : window.description) = value.get<std::string>();
      } else if (key == "start" || key == "end") {
        if (key == "end" && value.is_null()) {
          continue;
        }
        if (!value.is_number_integer() || value.get<int64_t>() < 0) {
          return absl::InvalidArgumentError(where + "\"" + key + "\" must be an integer >= 0");
        }
        (key == "start" ? window.start : window.end) = value.get<int64_t>();
      } else {
        return absl::InvalidArgumentError(where + "unknown field \"" + key + "\"");
      }
    }
    if (window.name.empty()) {
      return absl::InvalidArgumentError(where + "missing field \"name\"");
    }
    if (window.end < window.start) {
      return absl::InvalidArgumentError(where + "ends before it starts");
    }
    faults.push_back(std::move(window));
  }
  return faults;
}

}  // namespace

const char* OpStatusName(OpStatus status) {
  switch (status) {
    case OpStatus::kOk:
      return "ok";
    case OpStatus::kFail:
      return "fail";
    case OpStatus::kInfo:
      return "info";
  }
  return "?";
}

Operation& History::AddOperation(Operation op) {
  op.id = static_cast<int>(operations.size());
  operations.push_back(std::move(op));
  return operations.back();
}

absl::StatusOr<History> ParseHistoryJson(std::string_view text) {
  auto parsed = ParseJsonLimited(text, "history");
  if (!parsed.ok()) {
    return parsed.status();
  }
  const json& root = *parsed;
  History history;
  const json* ops = nullptr;
  if (root.is_array()) {
    ops = &root;
  } else if (root.is_object()) {
    for (const auto& [key, value] : root.items()) {
      if (key != "model" && key != "initial" && key != "operations" && key != "faults") {
        return absl::InvalidArgumentError(absl::StrCat("history: unknown field \"", key, "\""));
      }
    }
    if (auto it = root.find("model"); it != root.end()) {
      if (!it->is_string()) {
        return absl::InvalidArgumentError("history: \"model\" must be a string");
      }
      history.model = it->get<std::string>();
    }
    if (auto it = root.find("initial"); it != root.end()) {
      history.initial = *it;
    }
    if (auto faults = root.find("faults"); faults != root.end()) {
      auto parsed_faults = ParseFaults(*faults);
      if (!parsed_faults.ok()) {
        return parsed_faults.status();
      }
      history.faults = *std::move(parsed_faults);
    }
    auto it = root.find("operations");
    if (it == root.end() || !it->is_array()) {
      return absl::InvalidArgumentError("history: \"operations\" must be an array");
    }
    ops = &*it;
  } else {
    return absl::InvalidArgumentError(
        "history must be an object with \"operations\" or an array of operations");
  }
  history.operations.reserve(ops->size());
  for (size_t i = 0; i < ops->size(); ++i) {
    auto op = ParseOperation((*ops)[i], i);
    if (!op.ok()) {
      return op.status();
    }
    history.AddOperation(*std::move(op));
  }
  return history;
}

absl::StatusOr<History> ReadHistoryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read history file ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto history = ParseHistoryJson(text.str());
  if (!history.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", history.status().message()));
  }
  return history;
}

json HistoryToJson(const History& history) {
  json ops = json::array();
  for (const Operation& op : history.operations) {
    json j = {{"process", op.process},
              {"entity", op.entity},
              {"call", op.call},
              {"f", op.f},
              {"input", op.input},
              {"output", op.output},
              {"status", OpStatusName(op.status)}};
    j["return"] = op.ret == kNeverReturned ? json(nullptr) : json(op.ret);
    ops.push_back(std::move(j));
  }
  json root = {{"model", history.model}, {"operations", std::move(ops)}};
  if (!history.initial.is_null()) {
    root["initial"] = history.initial;
  }
  if (!history.faults.empty()) {
    json faults = json::array();
    for (const FaultWindow& fault : history.faults) {
      faults.push_back({{"name", fault.name},
                        {"description", fault.description},
                        {"start", fault.start},
                        {"end", fault.end == kNeverReturned ? json(nullptr) : json(fault.end)}});
    }
    root["faults"] = std::move(faults);
  }
  return root;
}

}  // namespace cloudstate::model_checker
