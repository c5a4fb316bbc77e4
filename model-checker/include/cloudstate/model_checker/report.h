#pragma once
// Results of the model checker as a cloudstate::reports run, so that CI reads them like the TCK's
// (JUnit and CTRF): one case per checked entity (or per property run).
//
//   reports::RunResults run = CheckRunResults(history, result, seconds);
//   CS_RETURN_IF_ERROR(WriteCiReports(run, "out"));   // out/junit.xml, out/ctrf.json

#include <string>

#include "absl/status/status.h"

#include "cloudstate/model_checker/history.h"
#include "cloudstate/model_checker/linearizability.h"
#include "cloudstate/reports/results.h"

namespace cloudstate::model_checker {

inline constexpr char kKitName[] = "cloudstate-model-checker";

// A run with one case "linearizable[<entity>]" in area "linearizability" per entity.
reports::RunResults CheckRunResults(const History& history, const CheckResult& result,
                                    double duration_seconds);

// Writes junit.xml and ctrf.json into `dir` (created if needed).
absl::Status WriteCiReports(const reports::RunResults& run, const std::string& dir);

// Writes `text` to `path`.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace cloudstate::model_checker
