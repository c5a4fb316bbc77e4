// report.md: a short summary for a pull-request comment.
#include "absl/strings/str_cat.h"

#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using internal::MarkdownInline;

namespace {

const char* StatusEmoji(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
      return "\xE2\x9C\x85";  // check mark
    case Outcome::kFailed:
      return "\xE2\x9D\x8C";  // cross
    case Outcome::kSkipped:
      return "\xE2\x8F\xAD\xEF\xB8\x8F";  // next track
    case Outcome::kExpectedFailure:
      return "\xE2\x9A\xA0\xEF\xB8\x8F";  // warning
    case Outcome::kUnexpectedPass:
      return "\xE2\x9D\x97";  // exclamation
  }
  return "";
}

}  // namespace

std::string RenderMarkdown(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const Verdict v = ComputeVerdict(run, rules);
  const SystemUnderTest& s = run.sut;
  std::string out;
  absl::StrAppend(&out, "## Cloudstate ", MarkdownInline(run.protocol_version), " conformance: **",
                  ConformanceLevelName(v.level), "**\n\n");
  absl::StrAppend(&out, "**", v.counts.Succeeded(), "/", v.counts.total, "** passed \xC2\xB7 ",
                  v.counts.failed, " failed \xC2\xB7 ", v.counts.skipped, " skipped \xC2\xB7 ",
                  v.counts.expected_failures, " expected failures \xC2\xB7 ",
                  v.counts.unexpected_passes, " unexpected passes\n\n");
  if (v.robustness_counts.total > 0) {
    // Inputs no conforming proxy sends: judged apart, never part of the conformance level.
    const Counts& r = v.robustness_counts;
    absl::StrAppend(&out,
                    "Robustness (inputs no conforming proxy sends; not part of the level): **",
                    RobustnessLevelName(v.robustness), "** \xC2\xB7 ", r.Succeeded(), "/", r.total,
                    " passed \xC2\xB7 ", r.failed, " failed \xC2\xB7 ", r.expected_failures,
                    " expected failures\n\n");
  }
  absl::StrAppend(
      &out, "System under test: `", MarkdownInline(s.service_name), " ",
      MarkdownInline(s.service_version), "` (", MarkdownInline(s.support_library_name), " ",
      MarkdownInline(s.support_library_version), ", protocol ", MarkdownInline(s.protocol_version),
      ") at `", MarkdownInline(s.address), "` \xC2\xB7 kit ", MarkdownInline(run.kit_name), " ",
      MarkdownInline(run.kit_version), " \xC2\xB7 ", MarkdownInline(run.started_at), "\n\n");
  absl::StrAppend(&out, "| Area | Passed | Failed | Skipped | XFail | XPass | Level |\n");
  absl::StrAppend(&out, "|---|---:|---:|---:|---:|---:|---|\n");
  for (const auto& [name, a] : v.areas) {
    absl::StrAppend(&out, "| ", MarkdownInline(name), a.gating ? "" : " (not declared)", " | ",
                    a.counts.passed, " | ", a.counts.failed, " | ", a.counts.skipped, " | ",
                    a.counts.expected_failures, " | ", a.counts.unexpected_passes, " | ",
                    ConformanceLevelName(a.level), " |\n");
  }
  std::string failing;
  for (const CaseResult& c : run.cases) {
    if (c.outcome == Outcome::kFailed || c.outcome == Outcome::kUnexpectedPass) {
      absl::StrAppend(&failing, "- ", StatusEmoji(c.outcome), " **", MarkdownInline(c.name), "** (",
                      MarkdownInline(internal::JoinRuleIds(c.rule_ids)), "): ",
                      MarkdownInline(c.outcome == Outcome::kUnexpectedPass
                                         ? "unexpected pass: remove from the known-failing list"
                                         : c.message),
                      "\n");
    }
  }
  if (!failing.empty()) {
    absl::StrAppend(&out, "\n### Failing cases\n\n", failing);
  }
  absl::StrAppend(
      &out, "\n<details><summary>All ", run.cases.size(),
      " cases</summary>\n\n| | Case | Area | Rules | Outcome |\n|---|---|---|---|---|\n");
  for (const CaseResult& c : run.cases) {
    absl::StrAppend(&out, "| ", StatusEmoji(c.outcome), " | ", MarkdownInline(c.name), " | ",
                    MarkdownInline(c.area), " | ",
                    MarkdownInline(internal::JoinRuleIds(c.rule_ids)), " | ",
                    OutcomeName(c.outcome), " |\n");
  }
  absl::StrAppend(&out, "\n</details>\n");
  return out;
}

}  // namespace cloudstate::reports
