// The robustness level: cases feeding inputs no conforming proxy sends are counted, judged and
// badged apart, and never change the conformance level (verdict.h).

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

using nlohmann::json;
using testing::AllPassRun;
using testing::SampleRules;

// AllPassRun plus two robustness cases: one in an area of their own, one among eventsourced.
RunResults WithRobustness(Outcome first, Outcome second) {
  RunResults run = AllPassRun();
  run.cases.push_back({.name = "eventsourced.command_before_init",
                       .area = "eventsourced",
                       .rule_ids = {"PROT-034"},
                       .level = CaseLevel::kRobustness,
                       .outcome = first,
                       .message = first == Outcome::kFailed
                                      ? "the function process exited with status 2 during this case"
                                      : ""});
  run.cases.push_back({.name = "robust.only_area",
                       .area = "robust",
                       .rule_ids = {"PROT-034"},
                       .level = CaseLevel::kRobustness,
                       .outcome = second});
  return run;
}

std::vector<RuleInfo> RulesWithRobustness() {
  std::vector<RuleInfo> rules = SampleRules();
  rules.push_back({.id = "PROT-034",
                   .level = "ROBUSTNESS",
                   .area = "protocol",
                   .title = "Undefined input gets an orderly reaction"});
  return rules;
}

TEST(RobustnessLevelTest, FailuresNeverLowerTheConformanceLevel) {
  const Verdict v =
      ComputeVerdict(WithRobustness(Outcome::kFailed, Outcome::kPassed), RulesWithRobustness());
  EXPECT_EQ(v.level, ConformanceLevel::kFull);
  EXPECT_EQ(v.counts.total, 3);  // the required and optional cases only
  EXPECT_EQ(v.robustness_counts.total, 2);
  EXPECT_EQ(v.robustness_counts.failed, 1);
  EXPECT_EQ(v.robustness, RobustnessLevel::kFailed);
  EXPECT_EQ(v.areas.at("eventsourced").level, ConformanceLevel::kFull);
  // An area holding only robustness cases does not gate the level.
  EXPECT_EQ(v.gating_areas, (std::vector<std::string>{"discovery", "eventsourced"}));
  EXPECT_FALSE(ChecksMustRule(WithRobustness(Outcome::kPassed, Outcome::kPassed).cases[3],
                              RulesWithRobustness()));
}

TEST(RobustnessLevelTest, VerdictIsPassedNotRunOrFailed) {
  EXPECT_EQ(ComputeVerdict(AllPassRun(), SampleRules()).robustness, RobustnessLevel::kNotRun);
  EXPECT_EQ(
      ComputeVerdict(WithRobustness(Outcome::kPassed, Outcome::kSkipped), RulesWithRobustness())
          .robustness,
      RobustnessLevel::kPassed);
  // A known failure is still a failure of the robustness verdict.
  EXPECT_EQ(ComputeVerdict(WithRobustness(Outcome::kExpectedFailure, Outcome::kPassed),
                           RulesWithRobustness())
                .robustness,
            RobustnessLevel::kFailed);
  EXPECT_STREQ(RobustnessLevelName(RobustnessLevel::kFailed), "failed");
}

TEST(RobustnessLevelTest, EveryFormatShowsTheLevel) {
  const RunResults run = WithRobustness(Outcome::kFailed, Outcome::kPassed);
  const auto rules = RulesWithRobustness();
  const json badge = json::parse(RenderBadgeJson(run, rules));
  EXPECT_EQ(badge.at("message"), "3/3 \xC2\xB7 full \xC2\xB7 robustness 1/2");
  EXPECT_EQ(badge.at("color"), "brightgreen");
  EXPECT_TRUE(absl::StrContains(RenderBadgeSvg(run, rules), "robustness 1/2"));
  const json summary = json::parse(RenderSummaryJson(run, rules));
  EXPECT_EQ(summary.at("level"), "full");
  EXPECT_EQ(summary.at("robustness").at("verdict"), "failed");
  EXPECT_EQ(summary.at("robustness").at("counts").at("failed"), 1);
  EXPECT_EQ(summary.at("case_levels").at("robustness").at("total"), 2);
  EXPECT_EQ(summary.at("counts").at("total"), 3);
  EXPECT_TRUE(absl::StrContains(RenderMarkdown(run, rules), "Robustness"));
  EXPECT_TRUE(absl::StrContains(RenderHtml(run, rules), "id=\"robustness\""));
  EXPECT_TRUE(absl::StrContains(RenderJUnitXml(run, rules), "robustness"));
  EXPECT_TRUE(absl::StrContains(RenderCtrfJson(run), "\"robustness\""));
  EXPECT_TRUE(absl::StrContains(RenderTap(run), "level: robustness"));
}

TEST(RobustnessLevelTest, ResultsJsonKeepsTheLevel) {
  const RunResults run = WithRobustness(Outcome::kFailed, Outcome::kPassed);
  auto back = ParseResultsJson(RenderResultsJson(run));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->cases[3].level, CaseLevel::kRobustness);
  EXPECT_STREQ(CaseLevelName(CaseLevel::kRobustness), "robustness");
}

}  // namespace
}  // namespace cloudstate::reports
