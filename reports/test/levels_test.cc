#include "gtest/gtest.h"

#include "cloudstate/reports/verdict.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

using testing::AllPassRun;
using testing::SampleRules;

TEST(AreaOfEntityTypeTest, MapsProtocolEntityTypes) {
  EXPECT_EQ(AreaOfEntityType("cloudstate.eventsourced.EventSourced"), "eventsourced");
  EXPECT_EQ(AreaOfEntityType("cloudstate.crdt.Crdt"), "crdt");
  EXPECT_EQ(AreaOfEntityType("cloudstate.action.ActionProtocol"), "action");
  EXPECT_EQ(AreaOfEntityType("cloudstate.valueentity.ValueEntity"), "valueentity");
  EXPECT_EQ(AreaOfEntityType("EventSourced"), "eventsourced");
}

TEST(VerdictTest, AllPassIsFull) {
  const Verdict v = ComputeVerdict(AllPassRun(), SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kFull);
  EXPECT_EQ(v.counts.total, 3);
  EXPECT_EQ(v.counts.passed, 3);
  EXPECT_EQ(v.gating_areas, (std::vector<std::string>{"discovery", "eventsourced"}));
}

TEST(VerdictTest, ProxySuiteRunIsJudgedOnItsOwnCases) {
  RunResults run = AllPassRun();
  run.configuration["suite"] = "proxy";
  run.sut.declared_entity_types = {"cloudstate.crdt.Crdt"};  // no crdt case in this run
  const Verdict v = ComputeVerdict(run, SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kFull);
  EXPECT_EQ(v.areas.count("crdt"), 0u);
  run.configuration.erase("suite");
  EXPECT_EQ(ComputeVerdict(run, SampleRules()).level, ConformanceLevel::kNone);
}

TEST(VerdictTest, MustFailureIsNone) {
  RunResults run = AllPassRun();
  run.cases[1].outcome = Outcome::kFailed;
  const Verdict v = ComputeVerdict(run, SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kNone);
  EXPECT_EQ(v.areas.at("eventsourced").level, ConformanceLevel::kNone);
  EXPECT_EQ(v.areas.at("discovery").level, ConformanceLevel::kFull);
}

TEST(VerdictTest, ShouldOnlyFailureIsRequired) {
  RunResults run = AllPassRun();
  run.cases[2].outcome = Outcome::kFailed;
  const Verdict v = ComputeVerdict(run, SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kRequired);
}

TEST(VerdictTest, ExpectedFailureOfMustCaseIsNotPassed) {
  RunResults run = AllPassRun();
  run.cases[1].outcome = Outcome::kExpectedFailure;
  EXPECT_EQ(ComputeVerdict(run, SampleRules()).level, ConformanceLevel::kNone);
}

TEST(VerdictTest, UnexpectedPassCountsAsPassed) {
  RunResults run = AllPassRun();
  run.cases[2].outcome = Outcome::kUnexpectedPass;
  EXPECT_EQ(ComputeVerdict(run, SampleRules()).level, ConformanceLevel::kFull);
}

TEST(VerdictTest, OptionalCaseOnMustRuleIsRequired) {
  RunResults run = AllPassRun();
  run.cases[2].rule_ids = {"ES-004"};  // a MUST rule, although the case says optional
  run.cases[2].outcome = Outcome::kFailed;
  EXPECT_EQ(ComputeVerdict(run, SampleRules()).level, ConformanceLevel::kNone);
}

TEST(VerdictTest, UndeclaredAreaDoesNotGate) {
  RunResults run = AllPassRun();
  run.cases.push_back({.name = "required_CRDT-001_x",
                       .area = "crdt",
                       .rule_ids = {"CRDT-001"},
                       .outcome = Outcome::kFailed});
  const Verdict v = ComputeVerdict(run, SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kFull);
  EXPECT_FALSE(v.areas.at("crdt").gating);
  EXPECT_EQ(v.areas.at("crdt").level, ConformanceLevel::kNone);
}

TEST(VerdictTest, DeclaredAreaWithoutCasesIsNone) {
  RunResults run = AllPassRun();
  run.sut.declared_entity_types.push_back("cloudstate.crdt.Crdt");
  const Verdict v = ComputeVerdict(run, SampleRules());
  EXPECT_EQ(v.level, ConformanceLevel::kNone);
  EXPECT_TRUE(v.areas.at("crdt").gating);
}

TEST(VerdictTest, EmptyRunIsNone) {
  EXPECT_EQ(ComputeVerdict(RunResults{}, {}).level, ConformanceLevel::kNone);
}

}  // namespace
}  // namespace cloudstate::reports
