#include "cloudstate/model_checker/report.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

#include "cloudstate/reports/writers.h"

namespace cloudstate::model_checker {

reports::RunResults CheckRunResults(const History& history, const CheckResult& result,
                                    double duration_seconds) {
  reports::RunResults run;
  run.kit_name = kKitName;
  run.kit_version = CS_KIT_VERSION;
  run.configuration["model"] = result.model;
  run.duration_seconds = duration_seconds;
  for (const EntityResult& er : result.entities) {
    reports::CaseResult c;
    c.name = absl::StrCat("linearizable[", er.entity, "]");
    c.area = "linearizability";
    c.description =
        absl::StrCat(er.operations, " operations on entity \"", er.entity,
                     "\" are linearizable with respect to the ", result.model, " model");
    c.metrics.push_back({.name = "history.operations",
                         .value = static_cast<double>(er.operations),
                         .unit = reports::MetricUnit::kCount});
    c.outcome = er.verdict == Verdict::kLinearizable ? reports::Outcome::kPassed
                                                     : reports::Outcome::kFailed;
    c.message = er.verdict == Verdict::kLinearizable ? "" : er.message;
    if (er.verdict == Verdict::kNotLinearizable) {
      CheckResult one = result;
      one.entities = {er};
      c.details = DescribeResult(history, one);
      c.hint = "open the HTML counterexample (--html) to see the operations on a timeline";
    }
    run.cases.push_back(std::move(c));
  }
  return run;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

absl::Status WriteCiReports(const reports::RunResults& run, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  absl::Status status = WriteTextFile(dir + "/junit.xml", reports::RenderJUnitXml(run, {}));
  if (!status.ok()) {
    return status;
  }
  return WriteTextFile(dir + "/ctrf.json", reports::RenderCtrfJson(run));
}

}  // namespace cloudstate::model_checker
