#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudstate/model_checker/html.h"
#include "cloudstate/model_checker/linearizability.h"
#include "cloudstate/model_checker/report.h"
#include "cloudstate/reports/writers.h"

namespace cloudstate::model_checker {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

History StaleRead() {
  History h;
  h.model = "kv-register";
  h.AddOperation(
      {.process = "writer", .entity = "k<1>", .call = 0, .ret = 10, .f = "write", .input = "<b>"});
  h.AddOperation({.process = "reader", .entity = "k<1>", .call = 20, .ret = 30, .f = "read"});
  h.AddOperation({.process = "other", .entity = "fine", .call = 0, .ret = 1, .f = "read"});
  h.AddOperation({.process = "lost",
                  .entity = "fine",
                  .call = 2,
                  .f = "write",
                  .input = 1,
                  .status = OpStatus::kInfo});
  return h;
}

TEST(HistoryHtml, MarksTheOperationsThatCannotBeLinearized) {
  const History h = StaleRead();
  auto result = CheckHistory(h);
  ASSERT_TRUE(result.ok());
  const std::string html = RenderHistoryHtml(h, *result);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  // One lane per client of the failing entity; the read is the culprit, the write is numbered.
  EXPECT_THAT(html, HasSubstr(">client writer</text>"));
  EXPECT_THAT(html, HasSubstr(">client reader</text>"));
  EXPECT_THAT(html, HasSubstr("<g class=\"op culprit\"><title>#1 client reader: read"));
  EXPECT_THAT(html, HasSubstr("<g class=\"op linearized\"><title>#0 client writer: write"));
  EXPECT_THAT(html, HasSubstr(">1. write &quot;&lt;b&gt;&quot;</text>"));
  // Names are escaped; the linearizable entity is left out by default.
  EXPECT_THAT(html, HasSubstr("Entity \"k&lt;1&gt;\""));
  EXPECT_THAT(html, Not(HasSubstr("k<1>")));
  EXPECT_THAT(html, Not(HasSubstr("client lost")));

  const std::string all = RenderHistoryHtml(h, *result, {.include_linearizable = true});
  EXPECT_THAT(all, HasSubstr(">client lost</text>"));
  EXPECT_THAT(all, HasSubstr("class=\"op unknown\""));
}

TEST(HistoryHtml, SaysSoWhenEverythingIsLinearizable) {
  History h = StaleRead();
  h.operations[1].output = "<b>";
  auto result = CheckHistory(h);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->verdict, Verdict::kLinearizable);
  EXPECT_THAT(RenderHistoryHtml(h, *result), HasSubstr("Every entity is linearizable."));
}

TEST(HistoryHtml, DrawsTheFaultsWhereTheyHappened) {
  History h = StaleRead();
  h.faults.push_back({.name = "hold-<clients>", .description = "held", .start = 12, .end = 18});
  h.faults.push_back({.name = "far-later", .description = "outside", .start = 500, .end = 600});
  auto result = CheckHistory(h);
  ASSERT_TRUE(result.ok());
  const std::string html = RenderHistoryHtml(h, *result);
  EXPECT_THAT(html, HasSubstr("2 faults injected"));
  EXPECT_THAT(html, HasSubstr("<g class=\"fault\"><title>hold-&lt;clients&gt;: held"));
  // A fault outside every operation shown is listed but not drawn.
  EXPECT_THAT(html, Not(HasSubstr("<title>far-later")));
}

TEST(HistoryHtml, DrawsAtMostTheConfiguredNumberOfOperations) {
  History h;
  h.model = "kv-register";
  for (int i = 0; i < 50; ++i) {
    h.AddOperation({.process = "p", .call = 2 * i, .ret = 2 * i + 1, .f = "write", .input = i});
  }
  h.AddOperation({.process = "q", .call = 200, .ret = 201, .f = "read", .output = 3});
  auto result = CheckHistory(h);
  ASSERT_TRUE(result.ok());
  const std::string html = RenderHistoryHtml(h, *result, {.max_operations_per_entity = 10});
  EXPECT_THAT(html, HasSubstr("Showing the last 10 of 51 operations."));
  EXPECT_THAT(html, HasSubstr("op culprit"));
}

TEST(CheckReports, OneCasePerEntityInJUnitAndCtrf) {
  const History h = StaleRead();
  auto result = CheckHistory(h);
  ASSERT_TRUE(result.ok());
  reports::RunResults run = CheckRunResults(h, *result, 0.5);
  EXPECT_EQ(run.kit_name, "cloudstate-model-checker");
  ASSERT_EQ(run.cases.size(), 2u);
  EXPECT_EQ(run.cases[0].name, "linearizable[fine]");
  EXPECT_EQ(run.cases[0].outcome, reports::Outcome::kPassed);
  EXPECT_EQ(run.cases[1].name, "linearizable[k<1>]");
  EXPECT_EQ(run.cases[1].outcome, reports::Outcome::kFailed);
  EXPECT_THAT(run.cases[1].message, HasSubstr("#1 cannot be linearized"));
  EXPECT_THAT(run.cases[1].details, HasSubstr("minimal non-linearizable prefix"));
  EXPECT_THAT(reports::RenderJUnitXml(run, {}), HasSubstr("linearizable[k&lt;1&gt;]"));
  EXPECT_THAT(reports::RenderCtrfJson(run), HasSubstr("\"failed\": 1"));
}

}  // namespace
}  // namespace cloudstate::model_checker
