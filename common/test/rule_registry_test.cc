#include "cloudstate/common/rule_registry.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cloudstate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The heading separator (space, U+00B7, space) spelled out so the test source stays ASCII.
const std::string kSep = " \xC2\xB7 ";

std::string Heading(const std::string& id, const std::string& level, const std::string& title) {
  return "### " + id + kSep + level + kSep + title + "\n";
}

TEST(RuleIdTest, AcceptsAreaDashThreeDigits) {
  EXPECT_TRUE(IsValidRuleId("ES-012"));
  EXPECT_TRUE(IsValidRuleId("CRDT-071"));
  EXPECT_FALSE(IsValidRuleId("ES-12"));
  EXPECT_FALSE(IsValidRuleId("ES-0123"));
  EXPECT_FALSE(IsValidRuleId("es-012"));
  EXPECT_FALSE(IsValidRuleId("-012"));
  EXPECT_FALSE(IsValidRuleId("ES012"));
  EXPECT_FALSE(IsValidRuleId("ES-01a"));
}

TEST(RuleLevelTest, KnowsTheFourLevels) {
  for (const char* level : {"MUST", "SHOULD", "MAY", "RETIRED"}) {
    EXPECT_TRUE(IsValidRuleLevel(level)) << level;
  }
  EXPECT_FALSE(IsValidRuleLevel("must"));
  EXPECT_FALSE(IsValidRuleLevel("SHALL"));
  EXPECT_FALSE(IsValidRuleLevel(""));
}

TEST(RuleAreaTest, PrefixesOfAllAreas) {
  EXPECT_EQ(RuleAreaPrefix("eventsourced"), "ES");
  EXPECT_EQ(RuleAreaPrefix("discovery"), "DISC");
  EXPECT_EQ(RuleAreaPrefix("nonsense"), "");
  EXPECT_EQ(RuleAreas().size(), 9u);
  for (const auto& area : RuleAreas()) {
    EXPECT_FALSE(RuleAreaPrefix(area).empty()) << area;
  }
}

TEST(ParseSpecMarkdownTest, ExtractsRulesInOrder) {
  const std::string md =
      "# Event sourcing\n\nIntro text.\n\n## Section\n\n" +
      Heading("ES-001", "MUST", "First rule") + "The proxy MUST do one thing.\n\n" +
      Heading("ES-007", "SHOULD", "Second rule") +
      "The user function SHOULD do another thing.\n"
      "Rationale: because.\n\n" +
      Heading("ES-003", "RETIRED", "Old rule \xC2\xB7 with a dot") + "Replaced by ES-007.\n";
  auto rules = ParseSpecMarkdown(md, "eventsourced");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_THAT(*rules, ElementsAre(Rule{"ES-001", "MUST", "eventsourced", "First rule"},
                                  Rule{"ES-007", "SHOULD", "eventsourced", "Second rule"},
                                  Rule{"ES-003", "RETIRED", "eventsourced",
                                       "Old rule \xC2\xB7 with a dot"}));
}

TEST(ParseSpecMarkdownTest, IgnoresHeadingsInCodeBlocksAndHandlesCrlf) {
  const std::string md =
      "```\n### not a rule\n```\r\n" + Heading("VE-001", "MAY", "T") + "Text.\r\n";
  auto rules = ParseSpecMarkdown(md, "valueentity");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].title, "T");
}

TEST(ParseSpecMarkdownTest, EmptyFileHasNoRules) {
  auto rules = ParseSpecMarkdown("", "action");
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(rules->empty());
}

TEST(ParseSpecMarkdownTest, RejectsBadHeadings) {
  const std::string body = "Text.\n";
  const std::vector<std::string> bad = {
      "### ES-001 - MUST - dash separators\n" + body,
      "### ES-001" + kSep + "MUST\n" + body,
      "### ES-001" + kSep + "MUST" + kSep + "\n" + body,
      "### ES-1" + kSep + "MUST" + kSep + "Short id\n" + body,
      "### Overview\n" + body,
  };
  for (const auto& md : bad) {
    auto rules = ParseSpecMarkdown(md, "eventsourced");
    EXPECT_FALSE(rules.ok()) << md;
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument) << md;
  }
}

TEST(ParseSpecMarkdownTest, RejectsBadLevel) {
  auto rules = ParseSpecMarkdown(Heading("ES-001", "SHALL", "Title") + "Text.\n", "eventsourced");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("unknown level 'SHALL'"));
  EXPECT_FALSE(ParseSpecMarkdown(Heading("ES-001", "must", "T") + "x\n", "eventsourced").ok());
}

TEST(ParseSpecMarkdownTest, RejectsDuplicateIds) {
  const std::string md = Heading("ES-001", "MUST", "A") + "Text.\n" +
                         Heading("ES-002", "MUST", "B") + "Text.\n" +
                         Heading("ES-001", "MAY", "C") + "Text.\n";
  auto rules = ParseSpecMarkdown(md, "eventsourced");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("duplicate rule id ES-001"));
  EXPECT_THAT(rules.status().message(), HasSubstr("line 5"));
}

TEST(ParseSpecMarkdownTest, RejectsForeignPrefix) {
  auto rules = ParseSpecMarkdown(Heading("VE-001", "MUST", "A") + "Text.\n", "eventsourced");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr("must use prefix ES-"));
}

TEST(ParseSpecMarkdownTest, RejectsRuleWithoutText) {
  EXPECT_FALSE(ParseSpecMarkdown(Heading("ES-001", "MUST", "A"), "eventsourced").ok());
  EXPECT_FALSE(ParseSpecMarkdown(Heading("ES-001", "MUST", "A") + "\n" +
                                     Heading("ES-002", "MUST", "B") + "Text.\n",
                                 "eventsourced")
                   .ok());
  EXPECT_FALSE(
      ParseSpecMarkdown(Heading("ES-001", "MUST", "A") + "Rationale: only.\n", "eventsourced")
          .ok());
}

TEST(ParseSpecMarkdownTest, RejectsUnterminatedCodeBlock) {
  EXPECT_FALSE(ParseSpecMarkdown("```\n" + Heading("ES-001", "MUST", "A"), "eventsourced").ok());
}

TEST(ParseRulesTsvTest, ParsesRows) {
  auto rules = ParseRulesTsv(
      "id\tlevel\tarea\ttitle\nES-001\tMUST\teventsourced\tOne\nFE-002\tMAY\tfrontend\tTwo\n");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_THAT(*rules, ElementsAre(Rule{"ES-001", "MUST", "eventsourced", "One"},
                                  Rule{"FE-002", "MAY", "frontend", "Two"}));
}

TEST(ParseRulesTsvTest, RejectsBadInput) {
  const std::string header = "id\tlevel\tarea\ttitle\n";
  EXPECT_FALSE(ParseRulesTsv("").ok());
  EXPECT_FALSE(ParseRulesTsv("id\tlevel\ttitle\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "ES-001\tMUST\teventsourced\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "ES-001\tMUST\teventsourced\tA\tB\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "ES-001\tOPTIONAL\teventsourced\tA\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "ES-01\tMUST\teventsourced\tA\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "ES-001\tMUST\tnowhere\tA\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "VE-001\tMUST\teventsourced\tA\n").ok());
  EXPECT_FALSE(ParseRulesTsv(header + "\nES-001\tMUST\teventsourced\tA\n").ok());
}

TEST(RuleRegistryTest, FindsRulesAndRejectsDuplicates) {
  auto registry = RuleRegistry::FromRules(
      {{"ES-001", "MUST", "eventsourced", "One"}, {"DUR-004", "SHOULD", "durability", "Two"}});
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_NE(registry->Find("DUR-004"), nullptr);
  EXPECT_EQ(registry->Find("DUR-004")->title, "Two");
  EXPECT_EQ(registry->Find("ES-002"), nullptr);
  EXPECT_EQ(registry->rules().size(), 2u);

  auto dup = RuleRegistry::FromRules(
      {{"ES-001", "MUST", "eventsourced", "One"}, {"ES-001", "MAY", "eventsourced", "Again"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("duplicate rule id ES-001"));
}

TEST(LoadRuleRegistryTest, ReadsFileAndReportsMissingFile) {
  const std::string path = ::testing::TempDir() + "/rule_registry_test_rules.tsv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "id\tlevel\tarea\ttitle\nACT-001\tMUST\taction\tUnary\n";
  }
  auto registry = LoadRuleRegistry(path);
  ASSERT_TRUE(registry.ok()) << registry.status();
  ASSERT_NE(registry->Find("ACT-001"), nullptr);
  std::remove(path.c_str());

  auto missing = LoadRuleRegistry(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadRuleRegistryTest, RepositoryRegistryLoads) {
  auto registry = LoadRuleRegistry(std::string(CS_SOURCE_DIR) + "/spec/rules.tsv");
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_GE(registry->rules().size(), 150u);
}

}  // namespace
}  // namespace cloudstate
