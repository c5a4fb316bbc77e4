// The whole suite against the reference user function (label tck): every case must pass (or be
// listed in reference-function.known-failing), and the kit must survive the function dying mid-run.

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cloudstate/reports/writers.h"
#include "cloudstate/tck/runner.h"

#ifndef CS_REFERENCE_FUNCTION
#error "CS_REFERENCE_FUNCTION must name the cloudstate-reference-function binary"
#endif

namespace cloudstate::tck {
namespace {

namespace reports = ::cloudstate::reports;

const char* kKnownFailing = CS_SOURCE_DIR "/tck/test/reference-function.known-failing";

double TimeScale() {
  const char* s = std::getenv("CS_TIME_SCALE");
  return s != nullptr ? std::atof(s) : 1.0;
}

FunctionConfig ReferenceFunction() {
  FunctionConfig config;
  config.command = CS_REFERENCE_FUNCTION;
  config.args = {"--host", "127.0.0.1", "--port", "${PORT}"};
  config.startup_timeout_seconds = 30;
  return config;
}

std::string Failures(const reports::RunResults& run) {
  std::string out;
  for (const auto& c : run.cases) {
    if (c.outcome == reports::Outcome::kFailed || c.outcome == reports::Outcome::kUnexpectedPass) {
      out += c.name + ": " + c.message + "\n" + c.details + "\n";
    }
  }
  return out;
}

TEST(TckIntegrationTest, EveryCasePassesAgainstTheReferenceFunction) {
  RunOptions options;
  options.function = ReferenceFunction();
  options.jobs = 2;
  options.time_scale = TimeScale();
  options.known_failing_file = kKnownFailing;
  options.report_dir = CS_BINARY_DIR "/tck/integration-reports";
  std::ostringstream out;
  RunOutcome outcome = RunSuite(options, out);
  EXPECT_EQ(outcome.exit_code, kExitPassed) << Failures(outcome.results) << out.str();
  ASSERT_FALSE(outcome.results.cases.empty());
  int passed = 0;
  for (const auto& c : outcome.results.cases) {
    EXPECT_NE(c.outcome, reports::Outcome::kFailed) << c.name << ": " << c.message;
    EXPECT_NE(c.outcome, reports::Outcome::kUnexpectedPass) << c.name;
    if (c.outcome == reports::Outcome::kSkipped) {
      EXPECT_EQ(c.message, kSkipNotImplemented) << c.name;
    }
    passed += c.outcome == reports::Outcome::kPassed;
  }
  EXPECT_GT(passed, 100);
  EXPECT_NE(out.str().find(ClosingLine(outcome.results) + "\n"), std::string::npos);
  EXPECT_FALSE(outcome.results.sut.support_library_name.empty());
  std::ifstream junit(options.report_dir + "/junit.xml");
  EXPECT_TRUE(junit.good()) << "reports were not written";
}

// An ostream whose text can be read while another thread writes it.
class SharedBuffer : public std::stringbuf {
 public:
  std::string Snapshot() {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return str();
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return std::stringbuf::xsputn(s, n);
  }
  int_type overflow(int_type c) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return std::stringbuf::overflow(c);
  }

 private:
  std::recursive_mutex mu_;
};

TEST(TckIntegrationTest, KitRestartsAFunctionThatDiesMidRun) {
  const std::string pid_file = CS_BINARY_DIR "/tck/restart-test.pid";
  std::remove(pid_file.c_str());
  RunOptions options;
  options.function = ReferenceFunction();
  // The wrapper records the pid of the function so that the test can kill it mid-run.
  options.function->command = "/bin/sh";
  options.function->args = {"-c", "echo $$ > " + pid_file +
                                      "; exec " CS_REFERENCE_FUNCTION
                                      " --host 127.0.0.1 --port ${PORT}"};
  options.filters = {"valueentity.*", "eventsourced.*"};
  options.jobs = 1;
  options.time_scale = TimeScale();
  options.known_failing_file = kKnownFailing;
  SharedBuffer buffer;
  std::ostream out(&buffer);
  RunOutcome outcome;
  std::thread run([&] { outcome = RunSuite(options, out); });
  // Kill the function once a few cases have completed.
  bool killed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!killed && std::chrono::steady_clock::now() < deadline) {
    if (buffer.Snapshot().find("[ 5/") != std::string::npos) {
      std::ifstream in(pid_file);
      int pid = 0;
      in >> pid;
      ASSERT_GT(pid, 0);
      ::kill(pid, SIGKILL);
      killed = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  run.join();
  ASSERT_TRUE(killed) << buffer.Snapshot();
  EXPECT_EQ(outcome.results.configuration["function_restarts"], "1") << buffer.Snapshot();
  // The cases after the restart ran and passed.
  ASSERT_GT(outcome.results.cases.size(), 20u);
  int failed = 0;
  for (const auto& c : outcome.results.cases) {
    failed += c.outcome == reports::Outcome::kFailed;
  }
  EXPECT_LE(failed, 2) << Failures(outcome.results);
  EXPECT_EQ(outcome.results.cases.back().outcome, reports::Outcome::kPassed);
  EXPECT_NE(buffer.Snapshot().find("restarted"), std::string::npos) << buffer.Snapshot();
}

TEST(TckIntegrationTest, CliListsCasesAndRejectsMissingTarget) {
  FILE* p = ::popen(CS_TCK_BINARY " list", "r");
  ASSERT_NE(p, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    text.append(buf, n);
  }
  EXPECT_EQ(::pclose(p), 0);
  EXPECT_NE(text.find("eventsourced.single_emitted_event"), std::string::npos);
  EXPECT_NE(text.find(" cases\n"), std::string::npos);
  int rc = std::system(CS_TCK_BINARY " run > /dev/null 2>&1");
  EXPECT_EQ(WEXITSTATUS(rc), kExitError);
}

std::string Capture(const std::string& command, int* exit_code) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    *exit_code = -1;
    return "";
  }
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    text.append(buf, n);
  }
  *exit_code = WEXITSTATUS(::pclose(p));
  return text;
}

// `report --render` writes every report again from a saved results.json, linking rules to the
// spec text under --spec-url; `--version` names the kit version.
TEST(TckIntegrationTest, CliRendersASavedRunAndPrintsItsVersion) {
  const std::filesystem::path dir = CS_BINARY_DIR "/tck/render-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "saved");
  reports::RunResults run;
  run.kit_version = CS_KIT_VERSION;
  run.cases.push_back({.name = "discovery.answers",
                       .area = "discovery",
                       .rule_ids = {"DISC-001"},
                       .outcome = reports::Outcome::kPassed});
  {
    std::ofstream out(dir / "saved" / "results.json");
    out << reports::RenderResultsJson(run);
  }
  int rc = 0;
  const std::string text =
      Capture(std::string(CS_TCK_BINARY) + " report --render '" +
                  (dir / "saved" / "results.json").string() + "' --report-dir '" +
                  (dir / "again").string() + "' --spec-url https://example.org/kit/spec 2>&1",
              &rc);
  EXPECT_EQ(rc, 0) << text;
  auto again = reports::ReadResultsJson((dir / "again" / "results.json").string());
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->cases.size(), 1u);
  EXPECT_EQ(again->cases[0].name, "discovery.answers");
  std::ifstream html_in(dir / "again" / "report.html");
  std::stringstream html;
  html << html_in.rdbuf();
  EXPECT_NE(html.str().find("href=\"https://example.org/kit/spec/discovery.md#disc-001--must--"),
            std::string::npos);

  Capture(std::string(CS_TCK_BINARY) + " report > /dev/null 2>&1", &rc);
  EXPECT_EQ(rc, kExitError) << "report needs --compare or --render";
  EXPECT_EQ(Capture(std::string(CS_TCK_BINARY) + " --version", &rc),
            std::string("cloudstate-tck ") + CS_KIT_VERSION + "\n");
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace cloudstate::tck
