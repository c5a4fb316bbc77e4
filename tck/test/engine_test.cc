// The engine's pipeline over a scripted target: selection, gating, known-failing classification,
// verdict and closing line are the same for every suite; and both registration styles make one
// kind of case.
#include "cloudstate/tck/engine.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gtest/gtest.h"

#include "cloudstate/tck/proxy_suite/proxy_suite.h"

namespace cloudstate::tck {
namespace {

using reports::Outcome;

// Fails the cases named in `failing`, skips those needing the interceptor, passes the rest;
// never runs a body.
class ScriptedTarget : public Target {
 public:
  explicit ScriptedTarget(std::set<std::string> failing) : failing_(std::move(failing)) {}
  void Configure(std::map<std::string, std::string>& configuration) const override {
    configuration["target"] = "scripted";
  }
  absl::Status Start(size_t selected, reports::RunResults& results, std::ostream& out) override {
    results.sut.address = "scripted";
    out << "scripted target; " << selected << " cases\n";
    return absl::OkStatus();
  }
  std::string Gate(const CaseSpec& spec) const override {
    return spec.Needs(kCapInterceptor) ? "needs the interceptor" : "";
  }
  std::optional<TargetDeath> Execute(const CaseSpec& spec, size_t /*index*/, reports::CaseResult& r,
                                     std::string& /*note*/) override {
    ++executed;
    r.outcome = failing_.count(spec.name) ? Outcome::kFailed : Outcome::kPassed;
    r.message = r.outcome == Outcome::kFailed ? "scripted failure" : "";
    return std::nullopt;
  }
  void Stop(reports::RunResults& /*results*/) override { stopped = true; }

  int executed = 0;
  bool stopped = false;

 private:
  std::set<std::string> failing_;
};

TEST(EngineTest, BothSuitesLiveInOneRegistry) {
  const auto& registry = CaseRegistry::Global();
  EXPECT_EQ(registry.size(), registry.size(Suite::kFunction) + registry.size(Suite::kProxy));
  EXPECT_GT(registry.size(Suite::kProxy), 0u);
  for (const CaseSpec* c : registry.Sorted(Suite::kProxy)) {
    EXPECT_EQ(c->area, "proxy") << c->name;
    EXPECT_TRUE(c->proxy_body) << c->name;
  }
  const CaseSpec* tapped = registry.Find("proxy.discovery_proxy_info");
  ASSERT_NE(tapped, nullptr);
  EXPECT_EQ(tapped->suite, Suite::kProxy);
  EXPECT_TRUE(tapped->Needs(kCapInterceptor));
}

TEST(EngineTest, FluentRegistrationOfAProxyCase) {
  CaseRegistry registry;  // not the global one: the suite stays as it is
  registry.Add("proxy.fluent")
      .Rules({"FE-001"})
      .Describe("registered with the fluent builder")
      .NeedsInterceptor()
      .NeedsHttp()
      .Run([](proxy_suite::ProxyCaseContext& /*ctx*/) {});
  ASSERT_EQ(registry.size(Suite::kProxy), 1u);
  const CaseSpec* c = registry.Find("proxy.fluent");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->suite, Suite::kProxy);
  EXPECT_TRUE(c->Needs(kCapInterceptor));
  EXPECT_TRUE(c->Needs(kCapHttp));
  EXPECT_TRUE(registry.Validate().empty());
}

TEST(EngineTest, PipelineSelectsGatesClassifiesAndReports) {
  const std::string client_case = "proxy.server_reflection";     // client-only
  const std::string tapped_case = "proxy.discovery_proxy_info";  // needs the interceptor
  const std::string listed_case = "proxy.shoppingcart_grpc";     // fails, listed as known failing
  const std::string dir = ::testing::TempDir() + "/engine_test";
  std::filesystem::create_directories(dir);
  const std::string known = dir + "/known-failing";
  std::ofstream(known) << listed_case << "  # scripted\n";

  ScriptedTarget target({listed_case});
  PipelineOptions options{.filters = {client_case, tapped_case, listed_case},
                          .known_failing_file = known,
                          .area_summary = false};
  std::ostringstream out;
  RunOutcome outcome = RunPipeline(Suite::kProxy, target, options, out);
  ASSERT_EQ(outcome.results.cases.size(), 3u) << out.str();
  EXPECT_EQ(target.executed, 2);
  EXPECT_TRUE(target.stopped);
  std::map<std::string, Outcome> by_name;
  for (const auto& c : outcome.results.cases) {
    by_name[c.name] = c.outcome;
  }
  EXPECT_EQ(by_name[client_case], Outcome::kPassed);
  EXPECT_EQ(by_name[tapped_case], Outcome::kSkipped);
  EXPECT_EQ(by_name[listed_case], Outcome::kExpectedFailure);
  EXPECT_EQ(outcome.results.configuration["target"], "scripted");
  EXPECT_EQ(outcome.exit_code, kExitPassed);
  EXPECT_NE(out.str().find("skipped 1: needs the interceptor"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1 passed, 0 failed, 1 skipped"), std::string::npos) << out.str();
}

TEST(EngineTest, AFailingRequiredCaseFailsTheVerdict) {
  const std::string name = "proxy.server_reflection";
  ScriptedTarget target({name});
  PipelineOptions options{.filters = {name}, .area_summary = false};
  std::ostringstream out;
  RunOutcome outcome = RunPipeline(Suite::kProxy, target, options, out);
  ASSERT_EQ(outcome.results.cases.size(), 1u);
  EXPECT_EQ(outcome.results.cases[0].outcome, Outcome::kFailed);
  EXPECT_EQ(outcome.exit_code, kExitFailed);
}

}  // namespace
}  // namespace cloudstate::tck
