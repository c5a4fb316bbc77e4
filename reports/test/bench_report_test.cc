// bench.json round trip, the bench CTRF and HTML pages, and --compare.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nlohmann/json.hpp"
#include <gtest/gtest.h>

#include "cloudstate/reports/bench.h"

namespace cloudstate::reports {
namespace {

using nlohmann::json;

BenchPoint Point(const std::string& mode, double p50, double p99, double throughput) {
  BenchPoint p;
  p.mode = mode;
  p.offered_rate = mode == "open" ? 500 : 0;
  p.concurrency = mode == "open" ? 0 : 8;
  p.requests = 1000;
  p.ok = 1000;
  p.duration_seconds = 2;
  p.throughput = throughput;
  p.latency_us = {{"p50", p50},         {"p90", p50 * 1.5}, {"p99", p99},
                  {"p99.9", p99 * 1.2}, {"max", p99 * 2},   {"mean", p50 * 1.1}};
  p.percentiles = {{0, p50 / 2}, {50, p50}, {90, p50 * 1.5}, {99, p99}, {100, p99 * 2}};
  return p;
}

BenchSeries Series(const std::string& target, double p50, double p99, double saturation) {
  BenchSeries s;
  s.target = target;
  s.address = "127.0.0.1:1";
  s.open_loop = Point("open", p50, p99, 499);
  s.sweep = {Point("closed", p50, p99, saturation / 2),
             Point("closed", p50 * 2, p99 * 2, saturation)};
  s.sweep[0].concurrency = 1;
  s.saturation_throughput = saturation;
  s.saturation_concurrency = 8;
  return s;
}

BenchRun SampleRun(double proxy_p99 = 900, double proxy_saturation = 2000) {
  BenchRun run;
  run.started_at = "2026-12-03T23:00:00Z";
  run.duration_seconds = 12.5;
  run.target_kind = "proxy";
  run.configuration = {{"rate", "500"}, {"proxy", "127.0.0.1:9000"}};
  BenchScenario s;
  s.name = "cart-add";
  s.distribution = "hot";
  s.description = "Shopping cart <AddItem> & more";
  s.series = {Series("echo", 100, 300, 10000), Series("proxy", 400, proxy_p99, proxy_saturation),
              Series("direct", 200, 450, 5000)};
  ComputeBenchRatios(s);
  run.scenarios.push_back(s);
  return run;
}

TEST(BenchRatiosTest, AreTheSubjectOverEachBaseline) {
  const BenchRun run = SampleRun();
  const auto& r = run.scenarios[0].ratios;
  EXPECT_DOUBLE_EQ(r.at("p50_vs_echo"), 4.0);
  EXPECT_DOUBLE_EQ(r.at("p99_vs_echo"), 3.0);
  EXPECT_DOUBLE_EQ(r.at("throughput_vs_echo"), 0.2);
  EXPECT_DOUBLE_EQ(r.at("p50_vs_direct"), 2.0);
  EXPECT_DOUBLE_EQ(r.at("p99_vs_direct"), 2.0);
  EXPECT_DOUBLE_EQ(r.at("throughput_vs_direct"), 0.4);
}

TEST(BenchRatiosTest, FunctionIsTheSubjectWithoutAProxy) {
  BenchScenario s;
  s.series = {Series("echo", 100, 200, 1000), Series("function", 150, 300, 800)};
  ComputeBenchRatios(s);
  EXPECT_DOUBLE_EQ(s.ratios.at("p50_vs_echo"), 1.5);
  EXPECT_FALSE(s.ratios.contains("p50_vs_direct"));
}

TEST(BenchRatiosTest, HttpSeriesIsComparedWithEchoAndTheGrpcApi) {
  BenchScenario s;
  s.series = {Series("echo", 100, 200, 1000), Series("proxy", 400, 800, 800),
              Series("proxy-http", 600, 1600, 500)};
  ComputeBenchRatios(s);
  EXPECT_DOUBLE_EQ(s.ratios.at("http_p50_vs_echo"), 6.0);
  EXPECT_DOUBLE_EQ(s.ratios.at("http_p99_vs_proxy"), 2.0);
  EXPECT_DOUBLE_EQ(s.ratios.at("p50_vs_echo"), 4.0);  // the gRPC API stays the subject
}

TEST(BenchJsonTest, RoundTrips) {
  const BenchRun run = SampleRun();
  auto parsed = ParseBenchJson(RenderBenchJson(run));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->target_kind, "proxy");
  EXPECT_EQ(parsed->started_at, run.started_at);
  EXPECT_EQ(parsed->configuration, run.configuration);
  ASSERT_EQ(parsed->scenarios.size(), 1u);
  const auto& s = parsed->scenarios[0];
  EXPECT_EQ(s.description, run.scenarios[0].description);
  EXPECT_EQ(s.ratios, run.scenarios[0].ratios);
  ASSERT_EQ(s.series.size(), 3u);
  EXPECT_EQ(s.series[1].open_loop.latency_us, run.scenarios[0].series[1].open_loop.latency_us);
  EXPECT_EQ(s.series[1].open_loop.percentiles, run.scenarios[0].series[1].open_loop.percentiles);
  EXPECT_EQ(s.series[1].sweep.size(), 2u);
  EXPECT_EQ(s.series[1].sweep[0].concurrency, 1);
  EXPECT_DOUBLE_EQ(s.series[1].saturation_throughput, 2000);
  // Rendering the parsed run gives the same text.
  EXPECT_EQ(RenderBenchJson(*parsed), RenderBenchJson(run));
}

TEST(BenchJsonTest, RejectsOtherDocumentsWithoutThrowing) {
  EXPECT_FALSE(ParseBenchJson("not json").ok());
  EXPECT_FALSE(ParseBenchJson("[]").ok());
  EXPECT_FALSE(ParseBenchJson(R"({"format":"something-else"})").ok());
  EXPECT_FALSE(ParseBenchJson(R"({"format":"cloudstate-bench","version":99})").ok());
  EXPECT_FALSE(ParseBenchJson(R"({"format":"cloudstate-bench","scenarios":[{"name":5}]})").ok());
}

// The bench in the results model: the conformance writers carry its figures as typed metrics.
TEST(BenchRunResultsTest, OneCasePerSeriesWithTypedMetrics) {
  BenchRun run = SampleRun();
  run.scenarios[0].series[1].open_loop.ok = 990;
  run.scenarios[0].series[1].open_loop.errors = {{"UNAVAILABLE", 10}};
  const RunResults results = BenchRunResults(run);
  ASSERT_EQ(results.cases.size(), 3u);
  EXPECT_EQ(results.cases[0].name, "bench.cart-add/hot/echo");
  EXPECT_EQ(results.cases[0].area, "bench");
  EXPECT_EQ(results.cases[0].outcome, Outcome::kPassed);
  EXPECT_EQ(results.cases[1].outcome, Outcome::kFailed);
  EXPECT_NE(results.cases[1].message.find("UNAVAILABLE x10"), std::string::npos);
  auto metric = [&](size_t i, const std::string& name) -> const Metric* {
    for (const Metric& m : results.cases[i].metrics) {
      if (m.name == name) {
        return &m;
      }
    }
    return nullptr;
  };
  const Metric* p99 = metric(1, "latency.p99");
  ASSERT_NE(p99, nullptr);
  EXPECT_DOUBLE_EQ(p99->value, 900e-6);
  EXPECT_EQ(p99->unit, MetricUnit::kSeconds);
  ASSERT_NE(metric(1, "throughput"), nullptr);
  EXPECT_EQ(metric(1, "throughput")->unit, MetricUnit::kPerSecond);
  ASSERT_NE(metric(0, "ratio.p50_vs_echo"), nullptr);
  EXPECT_DOUBLE_EQ(metric(0, "ratio.p50_vs_echo")->value, 4.0);
  EXPECT_EQ(metric(0, "ratio.p50_vs_echo")->unit, MetricUnit::kRatio);
}

TEST(BenchCtrfTest, OneTestPerScenarioWithFiguresInExtra) {
  BenchRun run = SampleRun();
  BenchScenario failing = run.scenarios[0];
  failing.distribution = "new";
  failing.series[1].open_loop.ok = 990;
  failing.series[1].open_loop.errors = {{"UNAVAILABLE", 10}};
  run.scenarios.push_back(failing);
  const json j = json::parse(RenderBenchCtrf(run));
  EXPECT_EQ(j["reportFormat"], "CTRF");
  const auto& results = j["results"];
  EXPECT_EQ(results["tool"]["name"], "cloudstate-tck bench");
  EXPECT_EQ(results["summary"]["tests"], 2);
  EXPECT_EQ(results["summary"]["passed"], 1);
  EXPECT_EQ(results["summary"]["failed"], 1);
  const auto& t = results["tests"][0];
  EXPECT_EQ(t["name"], "bench/cart-add/hot");
  EXPECT_EQ(t["status"], "passed");
  EXPECT_DOUBLE_EQ(t["extra"]["ratios"]["p50_vs_echo"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(t["extra"]["series"]["proxy"]["open_loop_latency_us"]["p99"].get<double>(), 900);
  EXPECT_EQ(results["tests"][1]["status"], "failed");
  EXPECT_NE(results["tests"][1]["message"].get<std::string>().find("10 request"),
            std::string::npos);
}

TEST(BenchHtmlTest, SelfContainedWithBothPlotsAndEscapedText) {
  const std::string html = RenderBenchHtml(SampleRun());
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("Latency by percentile"), std::string::npos);
  EXPECT_NE(html.find("p99 latency against throughput"), std::string::npos);
  EXPECT_EQ(std::count(html.begin(), html.end(), '\n') > 0, true);
  size_t svgs = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 2u);
  EXPECT_NE(html.find("&lt;AddItem&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(html.find("<AddItem>"), std::string::npos);
  // Nothing fetched from anywhere: no scripts, no external references.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(BenchHtmlTest, EmptyAndDegenerateRunsRender) {
  BenchRun run;
  EXPECT_NE(RenderBenchHtml(run).find("</html>"), std::string::npos);
  BenchScenario s;
  s.name = "x";
  BenchSeries empty;
  empty.target = "echo";
  s.series.push_back(empty);
  run.scenarios.push_back(s);
  EXPECT_NE(RenderBenchHtml(run).find("no data"), std::string::npos);
}

TEST(BenchCompareTest, FlagsRatiosWorseThanTheThreshold) {
  const BenchRun old_run = SampleRun(900, 2000);
  EXPECT_TRUE(CompareBench(old_run, old_run, 0.2).empty());
  // p99 ratio up 10%: within 20%.
  EXPECT_TRUE(CompareBench(old_run, SampleRun(990, 2000), 0.2).empty());
  // p99 up 50%: p99_vs_echo and p99_vs_direct regress.
  auto slower = CompareBench(old_run, SampleRun(1350, 2000), 0.2);
  ASSERT_EQ(slower.size(), 2u);
  EXPECT_EQ(slower[0].scenario, "cart-add/hot");
  EXPECT_EQ(slower[0].ratio, "p99_vs_direct");
  EXPECT_EQ(slower[1].ratio, "p99_vs_echo");
  // Throughput down 30%: both throughput ratios regress.
  auto weaker = CompareBench(old_run, SampleRun(900, 1400), 0.2);
  ASSERT_EQ(weaker.size(), 2u);
  EXPECT_EQ(weaker[0].ratio, "throughput_vs_direct");
  // Faster is never a regression.
  EXPECT_TRUE(CompareBench(old_run, SampleRun(300, 9000), 0.2).empty());
}

TEST(BenchCompareTest, ExitCodes) {
  const auto dir = std::filesystem::path(CS_BINARY_DIR) / "bench-compare-test";
  std::filesystem::create_directories(dir / "old");
  std::filesystem::create_directories(dir / "new");
  ASSERT_TRUE(WriteBenchReports(SampleRun(900, 2000), (dir / "old").string()).ok());
  ASSERT_TRUE(WriteBenchReports(SampleRun(2000, 2000), (dir / "new").string()).ok());
  std::ostringstream out;
  EXPECT_EQ(
      RunBenchCompare((dir / "old").string(), (dir / "old" / "bench.json").string(), 0.2, out), 0);
  EXPECT_NE(out.str().find("0 regression(s)"), std::string::npos);
  out.str("");
  EXPECT_EQ(RunBenchCompare((dir / "old").string(), (dir / "new").string(), 0.2, out), 1);
  EXPECT_NE(out.str().find("REGRESSION cart-add/hot p99_vs_echo"), std::string::npos);
  // A generous threshold lets the same change through.
  EXPECT_EQ(RunBenchCompare((dir / "old").string(), (dir / "new").string(), 5.0, out), 0);
  EXPECT_EQ(RunBenchCompare((dir / "missing").string(), (dir / "new").string(), 0.2, out), 2);
}

}  // namespace
}  // namespace cloudstate::reports
