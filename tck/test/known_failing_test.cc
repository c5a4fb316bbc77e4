#include "cloudstate/tck/known_failing.h"

#include <gtest/gtest.h>

namespace cloudstate::tck {
namespace {

TEST(KnownFailingTest, ParsesNamesCommentsAndReasons) {
  auto parsed = ParseKnownFailing(
      "# header comment\n"
      "\n"
      "eventsourced.large_payload_1mib  # PROT-009: server caps at 512 KiB\n"
      "  action.unknown_command_name\n"
      "valueentity.x#no space before hash\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ(parsed->at("eventsourced.large_payload_1mib"), "PROT-009: server caps at 512 KiB");
  EXPECT_EQ(parsed->at("action.unknown_command_name"), "");
  EXPECT_EQ(parsed->at("valueentity.x"), "no space before hash");
}

TEST(KnownFailingTest, EmptyTextIsAnEmptyList) {
  auto parsed = ParseKnownFailing("");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

TEST(KnownFailingTest, RejectsTwoNamesOnALine) {
  auto parsed = ParseKnownFailing("a.b c.d\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(std::string(parsed.status().message()).find("line 1"), std::string::npos);
}

TEST(KnownFailingTest, RejectsNamesWithoutArea) {
  EXPECT_FALSE(ParseKnownFailing("justaname\n").ok());
}

TEST(KnownFailingTest, RejectsDuplicates) {
  auto parsed = ParseKnownFailing("a.b\n# x\na.b # again\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(std::string(parsed.status().message()).find("line 3"), std::string::npos);
}

TEST(KnownFailingTest, MissingFileIsAnError) {
  EXPECT_FALSE(LoadKnownFailing("/nonexistent/known-failing.txt").ok());
}

}  // namespace
}  // namespace cloudstate::tck
