#include <filesystem>

#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

void ExpectSameRun(const RunResults& a, const RunResults& b) {
  EXPECT_EQ(a.kit_name, b.kit_name);
  EXPECT_EQ(a.kit_version, b.kit_version);
  EXPECT_EQ(a.protocol_version, b.protocol_version);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.configuration, b.configuration);
  EXPECT_DOUBLE_EQ(a.duration_seconds, b.duration_seconds);
  EXPECT_EQ(a.sut.address, b.sut.address);
  EXPECT_EQ(a.sut.service_runtime, b.sut.service_runtime);
  EXPECT_EQ(a.sut.declared_entity_types, b.sut.declared_entity_types);
  EXPECT_EQ(a.sut.declared_services, b.sut.declared_services);
  ASSERT_EQ(a.cases.size(), b.cases.size());
  for (size_t i = 0; i < a.cases.size(); ++i) {
    EXPECT_EQ(a.cases[i].name, b.cases[i].name);
    EXPECT_EQ(a.cases[i].area, b.cases[i].area);
    EXPECT_EQ(a.cases[i].rule_ids, b.cases[i].rule_ids);
    EXPECT_EQ(a.cases[i].level, b.cases[i].level);
    EXPECT_EQ(a.cases[i].outcome, b.cases[i].outcome);
    EXPECT_EQ(a.cases[i].message, b.cases[i].message);
    EXPECT_EQ(a.cases[i].hint, b.cases[i].hint);
    EXPECT_EQ(a.cases[i].description, b.cases[i].description);
    EXPECT_DOUBLE_EQ(a.cases[i].duration_seconds, b.cases[i].duration_seconds);
  }
}

TEST(ResultsJsonTest, RoundTripsThroughWriteAllReports) {
  const std::string dir = testing::FreshDir("roundtrip") + "/nested/out";
  RunResults run = testing::MixedRun();
  run.cases[1].details = "plain diff\n-a\n+b";  // valid UTF-8, so it must survive exactly
  ASSERT_TRUE(WriteAllReports(run, testing::SampleRules(), dir).ok());
  for (const char* f : {"junit.xml", "ctrf.json", "results.tap", "report.html", "report.md",
                        "badge.json", "badge.svg", "summary.json", "results.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
    EXPECT_FALSE(std::filesystem::exists(dir + "/" + f + ".tmp")) << f;
  }
  auto back = ReadResultsJson(dir + "/results.json");
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameRun(run, *back);
  EXPECT_EQ(back->cases[1].details, run.cases[1].details);
}

TEST(ResultsJsonTest, InvalidUtf8IsReplaced) {
  auto back = ParseResultsJson(RenderResultsJson(testing::MixedRun()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_NE(back->cases[1].details.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(ResultsJsonTest, RejectsBadInput) {
  EXPECT_FALSE(ParseResultsJson("not json").ok());
  EXPECT_FALSE(ParseResultsJson("[]").ok());
  EXPECT_FALSE(ParseResultsJson(R"({"format":"other","format_version":1})").ok());
  EXPECT_FALSE(ParseResultsJson(R"({"format":"cloudstate-tck-results","format_version":99})").ok());
  EXPECT_FALSE(
      ParseResultsJson(
          R"({"format":"cloudstate-tck-results","format_version":1,"cases":[{"name":"a","outcome":"weird"}]})")
          .ok());
  EXPECT_FALSE(ParseResultsJson(
                   R"({"format":"cloudstate-tck-results","format_version":1,"cases":[{"name":7}]})")
                   .ok());
  EXPECT_EQ(ReadResultsJson("/nonexistent/results.json").status().code(),
            absl::StatusCode::kNotFound);
}

// Bench scenarios and model-checker histories carry typed metrics and how to replay them; plain
// conformance results carry neither and their results.json has no such members.
TEST(ResultsJsonTest, MetricsAndReplayRoundTrip) {
  RunResults run = testing::MixedRun();
  run.replay = {.seed = 42, .command = "cloudstate-model-checker --seed 42"};
  run.cases[0].metrics = {{.name = "latency.p99", .value = 0.0125, .unit = MetricUnit::kSeconds},
                          {.name = "operations", .value = 300, .unit = MetricUnit::kCount}};
  run.cases[0].replay = {.seed = 7};
  auto back = ParseResultsJson(RenderResultsJson(run));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->replay.seed, std::optional<uint64_t>(42));
  EXPECT_EQ(back->replay.command, run.replay.command);
  ASSERT_EQ(back->cases[0].metrics.size(), 2u);
  EXPECT_EQ(back->cases[0].metrics[0].name, "latency.p99");
  EXPECT_DOUBLE_EQ(back->cases[0].metrics[0].value, 0.0125);
  EXPECT_EQ(back->cases[0].metrics[0].unit, MetricUnit::kSeconds);
  EXPECT_EQ(back->cases[0].metrics[1].unit, MetricUnit::kCount);
  EXPECT_EQ(back->cases[0].replay.seed, std::optional<uint64_t>(7));
  EXPECT_TRUE(back->cases[1].metrics.empty());
  EXPECT_TRUE(back->cases[1].replay.empty());

  const std::string plain = RenderResultsJson(testing::MixedRun());
  EXPECT_EQ(plain.find("\"metrics\""), std::string::npos);
  EXPECT_EQ(plain.find("\"replay\""), std::string::npos);

  const std::string junit = RenderJUnitXml(run, {});
  EXPECT_NE(junit.find("<property name=\"metric.latency.p99\" value=\"0.0125 seconds\"/>"),
            std::string::npos);
  EXPECT_NE(junit.find("<property name=\"seed\" value=\"7\"/>"), std::string::npos);
  EXPECT_NE(junit.find("<property name=\"replay\" value=\"cloudstate-model-checker --seed 42\"/>"),
            std::string::npos);
}

TEST(ResultsJsonTest, RejectsBadMetrics) {
  EXPECT_FALSE(
      ParseResultsJson(
          R"({"format":"cloudstate-tck-results","format_version":1,"cases":[{"name":"a","metrics":[{"name":"x","value":1,"unit":"furlongs"}]}]})")
          .ok());
  EXPECT_FALSE(ParseResultsJson(
                   R"({"format":"cloudstate-tck-results","format_version":1,"replay":{"seed":-1}})")
                   .ok());
}

TEST(ResultsJsonTest, OutcomeNames) {
  for (Outcome o : {Outcome::kPassed, Outcome::kFailed, Outcome::kSkipped,
                    Outcome::kExpectedFailure, Outcome::kUnexpectedPass}) {
    auto parsed = ParseOutcomeName(OutcomeName(o));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, o);
  }
  EXPECT_STREQ(CaseLevelName(CaseLevel::kOptional), "optional");
}

}  // namespace
}  // namespace cloudstate::reports
