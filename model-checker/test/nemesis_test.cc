#include "cloudstate/model_checker/nemesis.h"

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cloudstate::model_checker {
namespace {

using ::testing::HasSubstr;

TEST(Nemesis, SubstituteFillsEveryPlaceholder) {
  EXPECT_EQ(
      Substitute("p --port {port} --fn {function} {port}", {{"port", "81"}, {"function", "h:1"}}),
      "p --port 81 --fn h:1 81");
  EXPECT_EQ(Substitute("no placeholders", {{"port", "1"}}), "no placeholders");
}

TEST(Nemesis, PickFreePortGivesALoopbackPort) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
}

TEST(Nemesis, ValidationNamesWhatIsMissing) {
  SystemOptions only_address{.proxy_address = "127.0.0.1:9000"};
  EXPECT_TRUE(ValidateNemeses({"reset-clients", "hold-clients"}, only_address).ok());
  absl::Status unknown = ValidateNemeses({"flood"}, only_address);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("known: reset-clients"));
  EXPECT_THAT(std::string(ValidateNemeses({"kill-function"}, only_address).message()),
              HasSubstr("--function-command"));
  EXPECT_THAT(std::string(ValidateNemeses({"pause-proxy"}, only_address).message()),
              HasSubstr("--proxy-command"));
  SystemOptions owned{.function_command = "f", .proxy_command = "p"};
  for (const auto& [name, description] : KnownNemeses()) {
    EXPECT_TRUE(ValidateNemeses({name}, owned).ok()) << name;
    EXPECT_FALSE(description.empty()) << name;
  }
}

TEST(Nemesis, AFunctionCommandNeedsAProxyCommand) {
  SystemUnderTest sut;
  EXPECT_EQ(sut.Start({.function_command = "true", .proxy_address = "127.0.0.1:1"}).code(),
            absl::StatusCode::kInvalidArgument);
  SystemUnderTest nothing;
  EXPECT_EQ(nothing.Start({}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChildProcess, PausesResumesAndKills) {
  auto child = ChildProcess::Spawn("sleep 600", ::testing::TempDir() + "/child.log");
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE((*child)->Running());
  (*child)->Signal(SIGSTOP);
  (*child)->Signal(SIGCONT);
  EXPECT_TRUE((*child)->Running());
  (*child)->Kill();  // reaps it: SIGKILL reaches even a stopped process
  EXPECT_FALSE((*child)->Running());
}

TEST(ChildProcess, TerminateEndsAProcessThatHandlesSigterm) {
  auto child = ChildProcess::Spawn("sleep 600", ::testing::TempDir() + "/child.log");
  ASSERT_TRUE(child.ok()) << child.status();
  (*child)->Terminate(std::chrono::seconds(30));
  EXPECT_FALSE((*child)->Running());
}

TEST(ChildProcess, AMissingProgramExitsWithItsLogSayingWhy) {
  const std::string log = ::testing::TempDir() + "/missing.log";
  auto child = ChildProcess::Spawn("/nonexistent/program", log);
  ASSERT_TRUE(child.ok());
  (*child)->Terminate(std::chrono::seconds(30));
  EXPECT_FALSE((*child)->Running());
  EXPECT_EQ(ChildProcess::Spawn("x", "/nonexistent/dir/log").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cloudstate::model_checker
