// results.tap checked by a real TAP consumer: Perl's TAP::Parser (the parser behind `prove`).
// TAP 14 is a superset of TAP 13; a TAP::Parser that predates 14 (Debian 12 ships 3.44) reports
// only "we don't know about versions later than 13". In that case the test checks that this is
// the sole complaint, then re-parses with the header lowered to 13 and requires zero errors.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

constexpr const char* kParserScript = R"PL(
use strict; use warnings; use TAP::Parser;
my $p = TAP::Parser->new({ source => $ARGV[0] });
my ($yaml_blocks, $yaml_ok) = (0, 0);
while (my $r = $p->next) {
  if ($r->is_yaml) { $yaml_blocks++; $yaml_ok++ if ref($r->data) eq 'HASH' && defined $r->data->{message}; }
}
print "version=", $p->version, "\n";
print "plan=", $p->plan, "\n";
print "tests_run=", $p->tests_run, "\n";
print "passed=", scalar($p->passed), "\n";
print "failed=", scalar($p->failed), "\n";
print "actual_passed=", scalar($p->actual_passed), "\n";
print "actual_failed=", scalar($p->actual_failed), "\n";
print "todo=", scalar($p->todo), "\n";
print "todo_passed=", scalar($p->todo_passed), "\n";
print "skipped=", scalar($p->skipped), "\n";
print "yaml_blocks=$yaml_blocks\n";
print "yaml_ok=$yaml_ok\n";
print "parse_error=$_\n" for $p->parse_errors;
)PL";

std::map<std::string, std::string> ParseWithPerl(const std::string& dir, const std::string& tap,
                                                 std::vector<std::string>* errors) {
  const std::string script = dir + "/parse.pl";
  std::ofstream(script) << kParserScript;
  std::string out;
  const int rc = testing::RunShell("perl '" + script + "' '" + tap + "'", &out);
  EXPECT_EQ(rc, 0) << out;
  std::map<std::string, std::string> kv;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> p = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (p.first == "parse_error") {
      errors->push_back(p.second);
    } else {
      kv[p.first] = p.second;
    }
  }
  return kv;
}

TEST(TapTest, RealTapParserAcceptsItWithTheRightCounts) {
  std::string ignored;
  if (testing::RunShell("perl -MTAP::Parser -e 1", &ignored) != 0) {
    GTEST_SKIP() << "perl with TAP::Parser is not installed: " << ignored;
  }
  const std::string dir = testing::FreshDir("tap");
  const RunResults run = testing::MixedRun();
  const std::string tap = RenderTap(run);
  const std::string path = dir + "/results.tap";
  std::ofstream(path) << tap;

  std::vector<std::string> errors;
  auto kv = ParseWithPerl(dir, path, &errors);
  if (!errors.empty()) {
    ASSERT_EQ(errors.size(), 1u) << errors[0];
    ASSERT_TRUE(absl::StrContains(errors[0], "later than 13")) << errors[0];
    std::string as13 = tap;
    as13.replace(0, std::string("TAP version 14").size(), "TAP version 13");
    std::ofstream(path) << as13;
    errors.clear();
    kv = ParseWithPerl(dir, path, &errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  EXPECT_EQ(kv["plan"], "1..7");
  EXPECT_EQ(kv["tests_run"], "7");
  // TAP's own view: failures are the two real failures; the TODO (xfail) and SKIP count as
  // passing test points; one TODO test passed (our xpass).
  EXPECT_EQ(kv["failed"], "2");
  EXPECT_EQ(kv["passed"], "5");
  EXPECT_EQ(kv["todo"], "2");
  EXPECT_EQ(kv["todo_passed"], "1");
  EXPECT_EQ(kv["skipped"], "1");
  EXPECT_EQ(kv["yaml_blocks"], "3");  // two failures + one expected failure
  EXPECT_EQ(kv["yaml_ok"], "3");
}

TEST(TapTest, ProveRunsTheFile) {
  std::string ignored;
  if (testing::RunShell("command -v prove", &ignored) != 0) {
    GTEST_SKIP() << "prove is not installed";
  }
  const std::string dir = testing::FreshDir("prove");
  std::string tap = RenderTap(testing::AllPassRun());
  tap.replace(0, 14, "TAP version 13");  // see the file comment
  std::ofstream(dir + "/results.tap") << tap;
  std::string out;
  const int rc = testing::RunShell("cd '" + dir + "' && prove --ext .tap -e cat results.tap", &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "Result: PASS")) << out;
}

TEST(TapTest, Format) {
  const std::string tap = RenderTap(testing::MixedRun());
  std::vector<std::string> lines = absl::StrSplit(tap, '\n');
  EXPECT_EQ(lines[0], "TAP version 14");
  EXPECT_EQ(lines[1], "1..7");
  EXPECT_EQ(lines[2], "ok 1 - required_DISC-001_discover_answers");
  EXPECT_EQ(lines[3], "not ok 2 - required_ES-004_single_emitted_event");
  EXPECT_EQ(lines[4], "  ---");
  EXPECT_TRUE(absl::StrContains(
      tap,
      "ok 4 - required_ES-020_<script>alert('x')</script> \\# not a directive # SKIP not "
      "implemented by the function\n"));
  EXPECT_TRUE(absl::StrContains(
      tap, "not ok 5 - required_VE-002_update_state # TODO expected failure: known bug #42\n"));
  EXPECT_TRUE(absl::StrContains(tap, "ok 6 - optional_VE-009_delete_twice # TODO unexpected pass"));
  EXPECT_TRUE(absl::StrContains(tap, "not ok 7 - optional_VE-010_bad name newline\n"));
  for (const std::string& line : lines) {
    for (char ch : line) {
      EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20) << line;
    }
  }
}

}  // namespace
}  // namespace cloudstate::reports
