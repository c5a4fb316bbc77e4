#include "cloudstate/reports/compare.h"

#include <sstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

std::vector<std::string> Names(const std::vector<CaseChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    out.push_back(c.name);
  }
  return out;
}

RunResults OldRun() {
  RunResults run = testing::AllPassRun();
  run.cases[2].outcome = Outcome::kFailed;  // ES-010 failed before
  run.cases.push_back({.name = "gone", .area = "discovery", .outcome = Outcome::kPassed});
  run.cases.push_back({.name = "to_skip", .area = "discovery", .outcome = Outcome::kPassed});
  return run;
}

RunResults NewRun() {
  RunResults run = testing::AllPassRun();
  run.cases[1].outcome = Outcome::kFailed;  // ES-004 regressed
  run.cases[1].message = "boom";
  run.cases.push_back({.name = "to_skip", .area = "discovery", .outcome = Outcome::kSkipped});
  run.cases.push_back({.name = "brand_new", .area = "crdt", .outcome = Outcome::kPassed});
  return run;
}

TEST(CompareTest, ClassifiesChanges) {
  auto cmp = CompareRuns(OldRun(), NewRun());
  ASSERT_TRUE(cmp.ok()) << cmp.status();
  EXPECT_EQ(Names(cmp->regressions),
            std::vector<std::string>{"required_ES-004_single_emitted_event"});
  EXPECT_EQ(cmp->regressions[0].message, "boom");
  EXPECT_EQ(Names(cmp->fixes), std::vector<std::string>{"optional_ES-010_snapshot_every"});
  EXPECT_EQ(Names(cmp->new_cases), std::vector<std::string>{"brand_new"});
  EXPECT_EQ(Names(cmp->removed_cases), std::vector<std::string>{"gone"});
  EXPECT_EQ(Names(cmp->other_changes), std::vector<std::string>{"to_skip"});
  EXPECT_EQ(cmp->unchanged, 1);
  EXPECT_TRUE(HasRegressions(*cmp));
  const std::string text = RenderComparisonText(*cmp);
  EXPECT_TRUE(absl::StrContains(text, "Regressions (1):"));
  EXPECT_TRUE(absl::StrContains(text,
                                "required_ES-004_single_emitted_event [eventsourced] "
                                "passed -> failed: boom"));
  EXPECT_TRUE(absl::StrContains(text, "1 regressions, 1 fixes, 1 new, 1 removed"));
}

TEST(CompareTest, ExpectedFailureAfterPassIsARegression) {
  RunResults a = testing::AllPassRun();
  RunResults b = a;
  b.cases[0].outcome = Outcome::kExpectedFailure;
  auto cmp = CompareRuns(a, b);
  ASSERT_TRUE(cmp.ok());
  EXPECT_TRUE(HasRegressions(*cmp));
}

TEST(CompareTest, IdenticalRunsHaveNoRegressions) {
  auto cmp = CompareRuns(testing::MixedRun(), testing::MixedRun());
  ASSERT_TRUE(cmp.ok());
  EXPECT_FALSE(HasRegressions(*cmp));
  EXPECT_EQ(cmp->unchanged, 7);
}

TEST(CompareTest, DuplicateNamesAreAnError) {
  RunResults a = testing::AllPassRun();
  a.cases.push_back(a.cases[0]);
  EXPECT_EQ(CompareRuns(a, testing::AllPassRun()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CompareCommandTest, ExitCodes) {
  const std::string base = testing::FreshDir("compare");
  const auto rules = testing::SampleRules();
  ASSERT_TRUE(WriteAllReports(OldRun(), rules, base + "/old").ok());
  ASSERT_TRUE(WriteAllReports(NewRun(), rules, base + "/new").ok());

  std::ostringstream out;
  EXPECT_EQ(RunCompareCommand(base + "/old", base + "/new", out), kCompareExitRegressions);
  EXPECT_TRUE(absl::StrContains(out.str(), "Regressions (1):")) << out.str();

  std::ostringstream same;
  EXPECT_EQ(RunCompareCommand(base + "/old", base + "/old", same), kCompareExitOk) << same.str();
  EXPECT_TRUE(absl::StrContains(same.str(), "0 regressions")) << same.str();

  std::ostringstream missing;
  EXPECT_EQ(RunCompareCommand(base + "/old", base + "/nope", missing), kCompareExitError);
  EXPECT_TRUE(absl::StrContains(missing.str(), "error:"));
}

}  // namespace
}  // namespace cloudstate::reports
