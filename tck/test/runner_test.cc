#include "cloudstate/tck/runner.h"

#include <gtest/gtest.h>

#include "cloudstate/tck/discovery.h"
#include "cloudstate/tck/function_process.h"

namespace cloudstate::tck {
namespace {

namespace reports = ::cloudstate::reports;

TEST(RunnerTest, PatternsAreGlobsOrSubstrings) {
  EXPECT_TRUE(MatchesPattern("eventsourced.single_emitted_event", "eventsourced.*"));
  EXPECT_TRUE(MatchesPattern("eventsourced.single_emitted_event", "single"));
  EXPECT_FALSE(MatchesPattern("eventsourced.single_emitted_event", "action.*"));
  EXPECT_TRUE(MatchesPattern("action.unary_command_reply", "*.unary_?ommand_reply"));
}

TEST(RunnerTest, SelectionAppliesFiltersThenExcludes) {
  CaseSpec spec;
  spec.name = "action.unary_command_reply";
  EXPECT_TRUE(Selected(spec, {}, {}));
  EXPECT_TRUE(Selected(spec, {"action.*"}, {}));
  EXPECT_FALSE(Selected(spec, {"eventsourced.*"}, {}));
  EXPECT_TRUE(Selected(spec, {"eventsourced.*", "unary"}, {}));
  EXPECT_FALSE(Selected(spec, {"action.*"}, {"*reply"}));
}

TEST(RunnerTest, GatingSkipsCasesWhoseServicesAreNotDeclared) {
  cloudstate::EntitySpec spec;
  auto* e = spec.add_entities();
  e->set_service_name(kActionTckModel);
  e->set_entity_type(kActionProtocol);
  auto discovery = AnalyzeDiscovery(KitProxyInfo(), spec);
  CaseSpec needs_action;
  needs_action.services = {kActionTckModel};
  CaseSpec needs_both;
  needs_both.services = {kActionTckModel, kActionTwo};
  CaseSpec needs_nothing;
  EXPECT_EQ(GateReason(needs_action, *discovery), "");
  EXPECT_EQ(GateReason(needs_both, *discovery), kSkipNotImplemented);
  EXPECT_EQ(GateReason(needs_nothing, *discovery), "");
}

TEST(RunnerTest, EveryRegisteredCaseIsWellFormed) {
  EXPECT_TRUE(CaseRegistry::Global().Validate().empty());
  EXPECT_GT(CaseRegistry::Global().size(), 100u);
  for (const auto* c : CaseRegistry::Global().Sorted()) {
    EXPECT_FALSE(c->hint.empty()) << c->name;
    EXPECT_EQ(c->name.substr(0, c->name.find('.')), c->area) << c->name;
  }
}

reports::CaseResult Result(reports::Outcome o,
                           reports::CaseLevel level = reports::CaseLevel::kRequired) {
  reports::CaseResult r;
  r.outcome = o;
  r.level = level;
  return r;
}

TEST(RunnerTest, ClosingLineCountsPassedFailedSkipped) {
  reports::RunResults run;
  run.cases = {
      Result(reports::Outcome::kPassed),          Result(reports::Outcome::kPassed),
      Result(reports::Outcome::kFailed),          Result(reports::Outcome::kSkipped),
      Result(reports::Outcome::kExpectedFailure), Result(reports::Outcome::kUnexpectedPass)};
  EXPECT_EQ(ClosingLine(run), "2 passed, 2 failed, 1 skipped");
}

TEST(RunnerTest, VerdictFailsOnRequiredFailureOrUnexpectedPass) {
  reports::RunResults run;
  run.cases = {Result(reports::Outcome::kPassed), Result(reports::Outcome::kSkipped),
               Result(reports::Outcome::kExpectedFailure),
               Result(reports::Outcome::kFailed, reports::CaseLevel::kOptional)};
  EXPECT_EQ(VerdictExitCode(run), kExitPassed);
  run.cases.push_back(Result(reports::Outcome::kUnexpectedPass));
  EXPECT_EQ(VerdictExitCode(run), kExitFailed);
  run.cases.pop_back();
  run.cases.push_back(Result(reports::Outcome::kFailed));
  EXPECT_EQ(VerdictExitCode(run), kExitFailed);
}

TEST(FunctionConfigTest, ParsesEveryKey) {
  auto config = ParseFunctionConfig(R"(
function:
  command: /bin/fn
  args: ["--port", "${PORT}"]
  env: { A: "1" }
  working_dir: /tmp
  host: 127.0.0.1
  port: 8080
  startup_timeout: 5
  restart: false
  log_file: fn.log
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->command, "/bin/fn");
  EXPECT_EQ(config->args, (std::vector<std::string>{"--port", "${PORT}"}));
  EXPECT_EQ(config->env.at("A"), "1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_FALSE(config->restart);
  EXPECT_DOUBLE_EQ(config->startup_timeout_seconds, 5);
}

TEST(FunctionConfigTest, RejectsBadConfigs) {
  EXPECT_FALSE(ParseFunctionConfig("function: {}").ok());
  EXPECT_FALSE(ParseFunctionConfig("nothing: 1").ok());
  EXPECT_FALSE(ParseFunctionConfig("function: {command: x, bogus: 1}").ok());
  EXPECT_FALSE(ParseFunctionConfig("function: {command: x, port: 70000}").ok());
  EXPECT_FALSE(ParseFunctionConfig("function: [").ok());
}

TEST(FunctionProcessTest, ReportsExitOfAShortLivedProcess) {
  FunctionConfig config;
  config.command = "/bin/sh";
  config.args = {"-c", "exit 3"};
  config.port = 1;  // not used by the command
  FunctionProcess process(config, "");
  ASSERT_TRUE(process.Spawn().ok());
  std::optional<std::string> exit;
  for (int i = 0; i < 500 && !exit; ++i) {
    exit = process.ExitDescription();
    if (!exit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, "exited with status 3");
}

}  // namespace
}  // namespace cloudstate::tck
