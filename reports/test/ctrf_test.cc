// ctrf.json against the CTRF schema's required members, types and enumerations
// (reportFormat "CTRF", semver specVersion, results.tool/summary/tests, test status enum,
// integer millisecond durations and epoch-ms start/stop, suite as an array of strings) and
// its additionalProperties=false objects (only known members outside `extra`).
#include <regex>
#include <set>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

using nlohmann::json;

void ExpectOnlyKeys(const json& obj, const std::set<std::string>& allowed, const char* where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    EXPECT_TRUE(allowed.contains(it.key())) << where << " has unknown member " << it.key();
  }
}

TEST(CtrfTest, RequiredFieldsTypesAndValues) {
  const RunResults run = testing::MixedRun();
  const json doc = json::parse(RenderCtrfJson(run));
  ASSERT_TRUE(doc.is_object());
  ExpectOnlyKeys(doc,
                 {"reportFormat", "specVersion", "reportId", "timestamp", "generatedBy", "extra",
                  "results", "insights", "baseline"},
                 "root");
  EXPECT_EQ(doc.at("reportFormat"), "CTRF");
  ASSERT_TRUE(doc.at("specVersion").is_string());
  EXPECT_TRUE(std::regex_match(doc.at("specVersion").get<std::string>(),
                               std::regex("^[0-9]+\\.[0-9]+\\.[0-9]+$")));
  const json& results = doc.at("results");
  ExpectOnlyKeys(results, {"tool", "summary", "tests", "environment", "extra"}, "results");

  const json& tool = results.at("tool");
  ExpectOnlyKeys(tool, {"name", "version", "extra"}, "tool");
  ASSERT_TRUE(tool.at("name").is_string());
  EXPECT_FALSE(tool.at("name").get<std::string>().empty());
  EXPECT_EQ(tool.at("version"), "0.1.0");

  const json& summary = results.at("summary");
  ExpectOnlyKeys(summary,
                 {"tests", "passed", "failed", "skipped", "pending", "other", "flaky", "suites",
                  "start", "stop", "duration", "extra"},
                 "summary");
  for (const char* key :
       {"tests", "passed", "failed", "skipped", "pending", "other", "start", "stop"}) {
    ASSERT_TRUE(summary.contains(key)) << key;
    EXPECT_TRUE(summary.at(key).is_number_integer()) << key;
  }
  EXPECT_EQ(summary.at("tests"), 7);
  EXPECT_EQ(summary.at("passed"), 3);  // 2 passed + 1 xpass
  EXPECT_EQ(summary.at("failed"), 2);
  EXPECT_EQ(summary.at("skipped"), 1);
  EXPECT_EQ(summary.at("other"), 1);  // xfail
  EXPECT_EQ(summary.at("pending"), 0);
  EXPECT_EQ(summary.at("start"), 1714564800000);  // 2024-05-01T12:00:00Z
  EXPECT_EQ(summary.at("stop"), 1714564800000 + 1250);

  const json& tests = results.at("tests");
  ASSERT_TRUE(tests.is_array());
  ASSERT_EQ(tests.size(), run.cases.size());
  const std::set<std::string> statuses = {"passed", "failed", "skipped", "pending", "other"};
  for (size_t i = 0; i < tests.size(); ++i) {
    const json& t = tests[i];
    ExpectOnlyKeys(t, {"id",         "name",        "status",     "duration",      "start",
                       "stop",       "suite",       "message",    "trace",         "snippet",
                       "ai",         "line",        "rawStatus",  "tags",          "labels",
                       "type",       "filePath",    "retries",    "retryAttempts", "flaky",
                       "stdout",     "stderr",      "threadId",   "browser",       "device",
                       "screenshot", "attachments", "parameters", "steps",         "insights",
                       "extra"},
                   "test");
    ASSERT_TRUE(t.at("name").is_string());
    EXPECT_FALSE(t.at("name").get<std::string>().empty());
    ASSERT_TRUE(t.at("status").is_string());
    EXPECT_TRUE(statuses.contains(t.at("status").get<std::string>()));
    EXPECT_TRUE(t.at("duration").is_number_integer());
    ASSERT_TRUE(t.at("suite").is_array());
    EXPECT_EQ(t.at("suite").size(), 1u);
    EXPECT_EQ(t.at("suite")[0], run.cases[i].area);
    const json& extra = t.at("extra");
    EXPECT_EQ(extra.at("rule_ids"), run.cases[i].rule_ids);
    EXPECT_EQ(extra.at("area"), run.cases[i].area);
    EXPECT_EQ(extra.at("level"), CaseLevelName(run.cases[i].level));
    if (t.contains("message")) {
      EXPECT_TRUE(t.at("message").is_string());
    }
    if (t.contains("trace")) {
      EXPECT_TRUE(t.at("trace").is_string());
    }
  }
  EXPECT_EQ(tests[1].at("status"), "failed");
  EXPECT_EQ(tests[1].at("duration"), 4);
  EXPECT_EQ(tests[1].at("message"), "expected 1 event, got 0 & <none>");
  EXPECT_NE(tests[1].at("trace").get<std::string>().find("+++ actual"), std::string::npos);
  EXPECT_EQ(tests[4].at("status"), "other");
  EXPECT_EQ(tests[4].at("rawStatus"), "xfail");

  const json& env = results.at("environment");
  ExpectOnlyKeys(env,
                 {"reportName", "appName", "appVersion", "buildId", "buildName", "buildNumber",
                  "buildUrl", "repositoryName", "repositoryUrl", "commit", "branchName",
                  "osPlatform", "osRelease", "osVersion", "testEnvironment", "healthy", "extra"},
                 "environment");
  EXPECT_EQ(env.at("appName"), "shopping-cart");
  EXPECT_EQ(env.at("appVersion"), "1.2.3");
  EXPECT_EQ(env.at("extra").at("sut_address"), "127.0.0.1:8080");
  EXPECT_EQ(env.at("extra").at("support_library_name"), "cloudstate-cpp-support");
}

TEST(CtrfTest, InvalidUtf8IsReplacedNotFatal) {
  RunResults run = testing::MixedRun();
  run.cases[0].name = "bad\xc3(";
  const std::string text = RenderCtrfJson(run);
  const json doc = json::parse(text, nullptr, false);
  EXPECT_FALSE(doc.is_discarded());
}

}  // namespace
}  // namespace cloudstate::reports
