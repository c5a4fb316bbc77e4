// ctrf.json: Common Test Report Format (schema at github.com/ctrf-io/ctrf, specVersion 0.0.0).
// Status mapping: passed/xpass -> "passed", failed -> "failed", skipped -> "skipped",
// xfail -> "other" (it is neither a pass nor a failure of the run); the kit's own outcome is
// kept in `rawStatus`. The schema forbids unknown members, so everything of ours is in `extra`.
#include "nlohmann/json.hpp"

#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using nlohmann::json;

namespace {

const char* CtrfStatus(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
    case Outcome::kUnexpectedPass:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kExpectedFailure:
      return "other";
  }
  return "other";
}

}  // namespace

std::string RenderCtrfJson(const RunResults& run) {
  const int64_t start = internal::Rfc3339ToEpochMillis(run.started_at);
  double sum = 0;
  json tests = json::array();
  json summary = {{"tests", 0},   {"passed", 0},  {"failed", 0},
                  {"pending", 0}, {"skipped", 0}, {"other", 0}};
  for (const CaseResult& c : run.cases) {
    sum += c.duration_seconds > 0 ? c.duration_seconds : 0;
    const std::string status = CtrfStatus(c.outcome);
    summary["tests"] = summary["tests"].get<int>() + 1;
    summary[status] = summary[status].get<int>() + 1;
    json t = {{"name", c.name},
              {"status", status},
              {"rawStatus", OutcomeName(c.outcome)},
              {"duration", internal::SecondsToMillis(c.duration_seconds)},
              {"suite", json::array({c.area})},
              {"tags", c.rule_ids},
              {"extra",
               {{"rule_ids", c.rule_ids},
                {"level", CaseLevelName(c.level)},
                {"area", c.area},
                {"outcome", OutcomeName(c.outcome)},
                {"description", c.description},
                {"hint", c.hint}}}};
    if (!c.message.empty()) {
      t["message"] = c.message;
    }
    if (!c.details.empty()) {
      t["trace"] = c.details;
    }
    for (const Metric& m : c.metrics) {
      t["extra"]["metrics"].push_back(
          {{"name", m.name}, {"value", m.value}, {"unit", MetricUnitName(m.unit)}});
    }
    if (c.replay.seed) {
      t["extra"]["seed"] = *c.replay.seed;
    }
    if (!c.replay.command.empty()) {
      t["extra"]["replay"] = c.replay.command;
    }
    tests.push_back(std::move(t));
  }
  const double total = run.duration_seconds > 0 ? run.duration_seconds : sum;
  summary["start"] = start;
  summary["stop"] = start + internal::SecondsToMillis(total);
  summary["duration"] = internal::SecondsToMillis(total);
  summary["suites"] = internal::AreasInOrder(run).size();

  const SystemUnderTest& s = run.sut;
  json config = json::object();
  for (const auto& [k, v] : run.configuration) {
    config[k] = v;
  }
  json environment = {{"reportName", "Cloudstate " + run.protocol_version + " conformance"},
                      {"appName", s.service_name},
                      {"appVersion", s.service_version},
                      {"osPlatform", "linux"},
                      {"extra",
                       {{"sut_address", s.address},
                        {"service_runtime", s.service_runtime},
                        {"support_library_name", s.support_library_name},
                        {"support_library_version", s.support_library_version},
                        {"sut_protocol_version", s.protocol_version},
                        {"declared_entity_types", s.declared_entity_types},
                        {"declared_services", s.declared_services},
                        {"kit_host", run.host},
                        {"configuration", config}}}};
  json doc = {{"reportFormat", "CTRF"},
              {"specVersion", "0.0.0"},
              {"generatedBy", run.kit_name},
              {"results",
               {{"tool", {{"name", run.kit_name}, {"version", run.kit_version}}},
                {"summary", summary},
                {"tests", tests},
                {"environment", environment},
                {"extra", {{"protocol_version", run.protocol_version}}}}}};
  if (!run.started_at.empty()) {
    doc["timestamp"] = run.started_at;
  }
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace cloudstate::reports
