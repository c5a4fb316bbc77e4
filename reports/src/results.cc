// Names of the enums, and results.json (the lossless serialization of RunResults).
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using nlohmann::json;

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kExpectedFailure:
      return "xfail";
    case Outcome::kUnexpectedPass:
      return "xpass";
  }
  return "failed";
}

const char* CaseLevelName(CaseLevel level) {
  switch (level) {
    case CaseLevel::kRequired:
      return "required";
    case CaseLevel::kOptional:
      return "optional";
    case CaseLevel::kRobustness:
      return "robustness";
  }
  return "required";
}

const char* MetricUnitName(MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kCount:
      return "count";
    case MetricUnit::kSeconds:
      return "seconds";
    case MetricUnit::kBytes:
      return "bytes";
    case MetricUnit::kPerSecond:
      return "per_second";
    case MetricUnit::kRatio:
      return "ratio";
  }
  return "count";
}

std::optional<MetricUnit> ParseMetricUnitName(std::string_view name) {
  for (MetricUnit u : {MetricUnit::kCount, MetricUnit::kSeconds, MetricUnit::kBytes,
                       MetricUnit::kPerSecond, MetricUnit::kRatio}) {
    if (name == MetricUnitName(u)) {
      return u;
    }
  }
  return std::nullopt;
}

absl::StatusOr<Outcome> ParseOutcomeName(std::string_view name) {
  for (Outcome o : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped,
                    Outcome::kExpectedFailure, Outcome::kUnexpectedPass}) {
    if (name == OutcomeName(o)) {
      return o;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown outcome \"", std::string(name), "\""));
}

namespace {

constexpr int kResultsFormatVersion = 1;
constexpr const char* kResultsFormat = "cloudstate-tck-results";

// Non-throwing readers: a missing member keeps the default, a member of the wrong type is an error.
absl::Status GetString(const json& obj, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be a string"));
  }
  out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetDouble(const json& obj, const char* key, double& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_number()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be a number"));
  }
  out = it->get<double>();
  return absl::OkStatus();
}

absl::Status GetStrings(const json& obj, const char* key, std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be an array"));
  }
  out.clear();
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must hold strings"));
    }
    out.push_back(v.get<std::string>());
  }
  return absl::OkStatus();
}

#define CS_R(expr)                     \
  do {                                 \
    absl::Status cs_r_status = (expr); \
    if (!cs_r_status.ok()) {           \
      return cs_r_status;              \
    }                                  \
  } while (false)

// Members written only when set, so that the results of plain conformance runs stay as they were.
void PutReplay(json& j, const Replay& replay) {
  if (replay.empty()) {
    return;
  }
  json r = json::object();
  if (replay.seed) {
    r["seed"] = *replay.seed;
  }
  if (!replay.command.empty()) {
    r["command"] = replay.command;
  }
  j["replay"] = std::move(r);
}

absl::Status GetReplay(const json& obj, Replay& out) {
  auto it = obj.find("replay");
  if (it == obj.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_object()) {
    return absl::InvalidArgumentError("\"replay\" must be an object");
  }
  if (auto seed = it->find("seed"); seed != it->end() && !seed->is_null()) {
    if (!seed->is_number_unsigned()) {
      return absl::InvalidArgumentError("\"replay.seed\" must be an unsigned integer");
    }
    out.seed = seed->get<uint64_t>();
  }
  return GetString(*it, "command", out.command);
}

absl::Status GetMetrics(const json& obj, std::vector<Metric>& out) {
  auto it = obj.find("metrics");
  if (it == obj.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_array()) {
    return absl::InvalidArgumentError("\"metrics\" must be an array");
  }
  for (const auto& mj : *it) {
    if (!mj.is_object()) {
      return absl::InvalidArgumentError("a metric must be an object");
    }
    Metric m;
    CS_R(GetString(mj, "name", m.name));
    CS_R(GetDouble(mj, "value", m.value));
    std::string unit = "count";
    CS_R(GetString(mj, "unit", unit));
    std::optional<MetricUnit> parsed = ParseMetricUnitName(unit);
    if (!parsed) {
      return absl::InvalidArgumentError(absl::StrCat("unknown metric unit \"", unit, "\""));
    }
    m.unit = *parsed;
    if (m.name.empty()) {
      return absl::InvalidArgumentError("a metric has no name");
    }
    out.push_back(std::move(m));
  }
  return absl::OkStatus();
}

absl::Status ParseCase(const json& j, CaseResult& c) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("a case must be an object");
  }
  CS_R(GetString(j, "name", c.name));
  CS_R(GetString(j, "area", c.area));
  CS_R(GetStrings(j, "rule_ids", c.rule_ids));
  std::string level = "required";
  CS_R(GetString(j, "level", level));
  if (level == "required") {
    c.level = CaseLevel::kRequired;
  } else if (level == "optional") {
    c.level = CaseLevel::kOptional;
  } else if (level == "robustness") {
    c.level = CaseLevel::kRobustness;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown case level \"", level, "\""));
  }
  CS_R(GetString(j, "description", c.description));
  CS_R(GetString(j, "hint", c.hint));
  std::string outcome = "passed";
  CS_R(GetString(j, "outcome", outcome));
  absl::StatusOr<Outcome> parsed = ParseOutcomeName(outcome);
  if (!parsed.ok()) {
    return parsed.status();
  }
  c.outcome = *parsed;
  CS_R(GetString(j, "message", c.message));
  CS_R(GetString(j, "details", c.details));
  CS_R(GetDouble(j, "duration_seconds", c.duration_seconds));
  CS_R(GetMetrics(j, c.metrics));
  CS_R(GetReplay(j, c.replay));
  if (c.name.empty()) {
    return absl::InvalidArgumentError("a case has no name");
  }
  return absl::OkStatus();
}

}  // namespace

std::string RenderResultsJson(const RunResults& run) {
  json j;
  j["format"] = kResultsFormat;
  j["format_version"] = kResultsFormatVersion;
  j["kit_name"] = run.kit_name;
  j["kit_version"] = run.kit_version;
  j["protocol_version"] = run.protocol_version;
  j["started_at"] = run.started_at;
  j["host"] = run.host;
  j["duration_seconds"] = run.duration_seconds;
  j["configuration"] = json::object();
  for (const auto& [k, v] : run.configuration) {
    j["configuration"][k] = v;
  }
  const SystemUnderTest& s = run.sut;
  j["sut"] = {{"address", s.address},
              {"service_name", s.service_name},
              {"service_version", s.service_version},
              {"service_runtime", s.service_runtime},
              {"support_library_name", s.support_library_name},
              {"support_library_version", s.support_library_version},
              {"protocol_version", s.protocol_version},
              {"declared_entity_types", s.declared_entity_types},
              {"declared_services", s.declared_services}};
  j["cases"] = json::array();
  for (const CaseResult& c : run.cases) {
    j["cases"].push_back({{"name", c.name},
                          {"area", c.area},
                          {"rule_ids", c.rule_ids},
                          {"level", CaseLevelName(c.level)},
                          {"description", c.description},
                          {"hint", c.hint},
                          {"outcome", OutcomeName(c.outcome)},
                          {"message", c.message},
                          {"details", c.details},
                          {"duration_seconds", c.duration_seconds}});
    json& cj = j["cases"].back();
    if (!c.metrics.empty()) {
      cj["metrics"] = json::array();
      for (const Metric& m : c.metrics) {
        cj["metrics"].push_back(
            {{"name", m.name}, {"value", m.value}, {"unit", MetricUnitName(m.unit)}});
      }
    }
    PutReplay(cj, c.replay);
  }
  PutReplay(j, run.replay);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<RunResults> ParseResultsJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("results.json is not a JSON object");
  }
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != kResultsFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat("results.json: \"format\" must be \"", kResultsFormat, "\""));
  }
  auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer() ||
      version->get<int64_t>() > kResultsFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("results.json: unsupported \"format_version\" (this kit reads up to ",
                     kResultsFormatVersion, ")"));
  }
  RunResults run;
  CS_R(GetString(j, "kit_name", run.kit_name));
  CS_R(GetString(j, "kit_version", run.kit_version));
  CS_R(GetString(j, "protocol_version", run.protocol_version));
  CS_R(GetString(j, "started_at", run.started_at));
  CS_R(GetString(j, "host", run.host));
  CS_R(GetDouble(j, "duration_seconds", run.duration_seconds));
  CS_R(GetReplay(j, run.replay));
  if (auto it = j.find("configuration"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return absl::InvalidArgumentError("\"configuration\" must be an object");
    }
    for (auto kv = it->begin(); kv != it->end(); ++kv) {
      if (!kv.value().is_string()) {
        return absl::InvalidArgumentError("\"configuration\" values must be strings");
      }
      run.configuration[kv.key()] = kv.value().get<std::string>();
    }
  }
  if (auto it = j.find("sut"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return absl::InvalidArgumentError("\"sut\" must be an object");
    }
    SystemUnderTest& s = run.sut;
    CS_R(GetString(*it, "address", s.address));
    CS_R(GetString(*it, "service_name", s.service_name));
    CS_R(GetString(*it, "service_version", s.service_version));
    CS_R(GetString(*it, "service_runtime", s.service_runtime));
    CS_R(GetString(*it, "support_library_name", s.support_library_name));
    CS_R(GetString(*it, "support_library_version", s.support_library_version));
    CS_R(GetString(*it, "protocol_version", s.protocol_version));
    CS_R(GetStrings(*it, "declared_entity_types", s.declared_entity_types));
    CS_R(GetStrings(*it, "declared_services", s.declared_services));
  }
  if (auto it = j.find("cases"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      return absl::InvalidArgumentError("\"cases\" must be an array");
    }
    for (const auto& cj : *it) {
      CaseResult c;
      absl::Status st = ParseCase(cj, c);
      if (!st.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("case #", run.cases.size() + 1, ": ", st.message()));
      }
      run.cases.push_back(std::move(c));
    }
  }
  return run;
}

absl::StatusOr<RunResults> ReadResultsJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  absl::StatusOr<RunResults> run = ParseResultsJson(buf.str());
  if (!run.ok()) {
    return absl::Status(run.status().code(), absl::StrCat(path, ": ", run.status().message()));
  }
  return run;
}

}  // namespace cloudstate::reports
