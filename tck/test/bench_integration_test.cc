// `bench` end to end, briefly: the asynchronous clients against the kit's own echo server, and
// every scenario against the reference user function (the kit in the proxy's seat). Nothing here
// asserts on a timing: only that requests complete, answers are right and reports are written.
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>

#include "cloudstate/reports/bench.h"
#include "cloudstate/tck/bench/bench.h"
#include "cloudstate/tck/bench/grpc_load.h"
#include "cloudstate/tck/function_process.h"

namespace cloudstate::tck::bench {
namespace {

double TimeScale() {
  const char* s = std::getenv("CS_TIME_SCALE");
  return s != nullptr ? std::atof(s) : 1.0;
}

class BenchEchoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo = EchoServer::Start();
    ASSERT_TRUE(echo.ok()) << echo.status();
    echo_ = std::move(*echo);
    channels_ = MakeChannels(echo_->address(), 2);
    ASSERT_TRUE(WaitConnected(channels_, 30 * TimeScale()));
  }
  std::unique_ptr<EchoServer> echo_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
};

TEST_F(BenchEchoTest, UnaryOpenAndClosedLoopsComplete) {
  UnaryIssuer issuer(
      channels_, "/any.Service/Method",
      [](uint64_t seq) { return "payload-" + std::to_string(seq); },
      [](const std::string& response) { return response.rfind("payload-", 0) == 0 ? 0 : 13; },
      30 * TimeScale());
  SteadyClock clock;
  PhaseStats open = RunOpenLoop(issuer, clock, {.rate_per_second = 500, .duration_seconds = 0.2});
  EXPECT_EQ(open.requests, 100u);
  EXPECT_EQ(open.ok, 100u);
  PhaseStats closed = RunClosedLoop(issuer, clock, 8, 0.2);
  EXPECT_GT(closed.requests, 0u);
  EXPECT_EQ(closed.ok, closed.requests);
  std::cout << "echo unary: open p50 " << open.latency_ns.ValueAtPercentile(50) / 1000
            << "us; closed(8) " << closed.Throughput() << "/s\n";
}

TEST_F(BenchEchoTest, EntityStreamsMatchEchoedCommandsInOrder) {
  for (const char* distribution : {"hot", "uniform-5", "new"}) {
    auto keys = ParseDistribution(distribution);
    ASSERT_TRUE(keys.ok());
    keys->prefix = "echo-";
    StreamProtocol protocol;
    protocol.method = "/any.Entity/handle";
    protocol.command = [](const std::string& key, uint64_t seq, int64_t id) {
      return key + "/" + std::to_string(id);
    };
    protocol.classify = [](const std::string& reply) { return reply.empty() ? 13 : 0; };
    EntityStreamIssuer issuer(channels_, protocol, *keys, 60 * TimeScale());
    SteadyClock clock;
    PhaseStats open = RunOpenLoop(issuer, clock, {.rate_per_second = 400, .duration_seconds = 0.1});
    EXPECT_EQ(open.ok, 40u) << distribution;
    PhaseStats closed = RunClosedLoop(issuer, clock, 4, 0.1, 1000);
    EXPECT_EQ(closed.ok, closed.requests) << distribution;
    issuer.CloseAll(10 * TimeScale());
  }
}

TEST(BenchReferenceFunctionTest, EveryScenarioRunsAndWritesReports) {
  FunctionConfig config;
  config.command = CS_REFERENCE_FUNCTION;
  config.args = {"--host", "127.0.0.1", "--port", "${PORT}"};
  FunctionProcess function(config, "");
  ASSERT_TRUE(function.Spawn().ok());

  BenchOptions options;
  options.function_address = function.address();
  options.target_pid = function.pid();
  options.scenarios.clear();
  for (const auto& s : Scenarios()) {
    options.scenarios.push_back(s.name);
  }
  options.distributions = {"hot", "uniform-10", "new"};
  options.rate = 200;
  options.duration_seconds = 0.2;
  options.warmup_seconds = 0;
  options.concurrency = {1, 4};
  options.ready_timeout_seconds = 60 * TimeScale();
  options.request_deadline_seconds = 30 * TimeScale();
  options.echo_executable = CS_TCK_BINARY;  // the echo baseline as a child process
  std::ostringstream log;
  auto run = RunBench(options, log);
  ASSERT_TRUE(run.ok()) << run.status() << "\n" << log.str();
  std::cout << log.str();

  // Keyed scenarios once per distribution, the actions once.
  size_t expected = 0;
  for (const auto& s : Scenarios()) {
    expected += s.keyed ? 3 : 1;
  }
  EXPECT_EQ(run->scenarios.size(), expected);
  EXPECT_EQ(run->configuration.at("echo"), "child process");
  for (const auto& s : run->scenarios) {
    ASSERT_EQ(s.series.size(), 2u) << s.name;
    EXPECT_EQ(s.series[0].target, "echo");
    EXPECT_EQ(s.series[1].target, "function");
    for (const auto& x : s.series) {
      EXPECT_EQ(x.open_loop.requests, 40u) << s.name << "/" << s.distribution << " " << x.target;
      EXPECT_EQ(x.open_loop.ok, x.open_loop.requests)
          << s.name << "/" << s.distribution << " " << x.target;
      ASSERT_EQ(x.sweep.size(), 2u);
      for (const auto& p : x.sweep) {
        EXPECT_EQ(p.ok, p.requests) << s.name << "/" << s.distribution << " " << x.target;
      }
    }
    EXPECT_TRUE(s.ratios.contains("p50_vs_echo")) << s.name;
    EXPECT_TRUE(s.ratios.contains("throughput_vs_echo")) << s.name;
    // The echo child's and the function's CPU were read from /proc.
    EXPECT_GE(s.series[0].open_loop.target_cpu_ms_per_1000, 0) << s.name;
    EXPECT_GE(s.series[1].open_loop.target_cpu_ms_per_1000, 0) << s.name;
  }

  const auto dir = std::filesystem::path(CS_BINARY_DIR) / "bench-integration-reports";
  ASSERT_TRUE(reports::WriteBenchReports(*run, dir.string()).ok());
  for (const char* file : {"bench.json", "ctrf.json", "bench.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  }
  auto read_back = reports::ReadBenchJson(dir.string());
  ASSERT_TRUE(read_back.ok()) << read_back.status();
  EXPECT_EQ(read_back->scenarios.size(), run->scenarios.size());
  function.Stop(std::chrono::seconds(5));
}

}  // namespace
}  // namespace cloudstate::tck::bench
