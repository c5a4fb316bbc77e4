#pragma once
// Report writers: every format is rendered from one RunResults, so the formats never disagree.
//
//   CS_RETURN_IF_ERROR(cloudstate::reports::WriteAllReports(run, rules, "out/reports"));
//
// Files written into the directory (see reports/README.md for the format choices):
//   junit.xml, ctrf.json, results.tap, report.html, report.md, badge.json, badge.svg,
//   summary.json, results.json

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "cloudstate/reports/results.h"

namespace cloudstate::reports {

// Creates `dir` if needed and writes every report file into it.
absl::Status WriteAllReports(const RunResults& run, const std::vector<RuleInfo>& rules,
                             const std::string& dir);

// The individual renderers, for callers that need one format (and for tests).
std::string RenderJUnitXml(const RunResults& run, const std::vector<RuleInfo>& rules);
std::string RenderCtrfJson(const RunResults& run);
std::string RenderTap(const RunResults& run);
std::string RenderHtml(const RunResults& run, const std::vector<RuleInfo>& rules);
std::string RenderMarkdown(const RunResults& run, const std::vector<RuleInfo>& rules);
std::string RenderBadgeJson(const RunResults& run, const std::vector<RuleInfo>& rules);
std::string RenderBadgeSvg(const RunResults& run, const std::vector<RuleInfo>& rules);
std::string RenderSummaryJson(const RunResults& run, const std::vector<RuleInfo>& rules);

// results.json: the whole RunResults, so reports can be re-rendered or compared later.
std::string RenderResultsJson(const RunResults& run);
absl::StatusOr<RunResults> ParseResultsJson(std::string_view text);
absl::StatusOr<RunResults> ReadResultsJson(const std::string& path);

// Outcome <-> name ("passed", "failed", "skipped", "xfail", "xpass").
absl::StatusOr<Outcome> ParseOutcomeName(std::string_view name);

}  // namespace cloudstate::reports
