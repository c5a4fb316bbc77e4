// Checks that the rule registry spec/rules.tsv and the rule headings of spec/*.md agree exactly, so
// that TCK cases and reports can rely on the registry as the single list of rule IDs.

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "cloudstate/common/rule_registry.h"

namespace cloudstate {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMinimumRuleCount = 150;

fs::path SpecDir() { return fs::path(CS_SOURCE_DIR) / "spec"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rules of every spec/*.md except README.md, keyed by area (the file stem).
class SpecRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = LoadRuleRegistry((SpecDir() / "rules.tsv").string());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);

    for (const auto& entry : fs::directory_iterator(SpecDir())) {
      const fs::path& path = entry.path();
      if (!entry.is_regular_file() || path.extension() != ".md" || path.filename() == "README.md" ||
          path.filename() == "traceability-original-tck.md") {
        continue;
      }
      const std::string area = path.stem().string();
      auto rules = ParseSpecMarkdown(ReadFile(path), area);
      ASSERT_TRUE(rules.ok()) << path << ": " << rules.status();
      markdown_[area] = *std::move(rules);
    }
  }

  RuleRegistry registry_;
  std::map<std::string, std::vector<Rule>> markdown_;
};

TEST_F(SpecRegistryTest, EveryKnownAreaHasAFileWithRules) {
  for (const auto& area : RuleAreas()) {
    auto it = markdown_.find(area);
    ASSERT_NE(it, markdown_.end()) << "missing spec/" << area << ".md";
    EXPECT_FALSE(it->second.empty()) << "spec/" << area << ".md has no rules";
  }
  for (const auto& [area, rules] : markdown_) {
    EXPECT_FALSE(RuleAreaPrefix(area).empty()) << "spec/" << area << ".md is not a known area";
  }
}

TEST_F(SpecRegistryTest, EveryMarkdownRuleIsRegisteredIdentically) {
  for (const auto& [area, rules] : markdown_) {
    for (const Rule& rule : rules) {
      const Rule* registered = registry_.Find(rule.id);
      ASSERT_NE(registered, nullptr) << rule.id << " (" << area << ".md) is missing from rules.tsv";
      EXPECT_EQ(registered->level, rule.level) << rule.id << ": level differs from rules.tsv";
      EXPECT_EQ(registered->area, rule.area) << rule.id << ": area differs from rules.tsv";
      EXPECT_EQ(registered->title, rule.title) << rule.id << ": title differs from rules.tsv";
    }
  }
}

TEST_F(SpecRegistryTest, EveryRegisteredRuleIsInItsMarkdownFile) {
  std::map<std::string, const Rule*> by_id;
  for (const auto& [area, rules] : markdown_) {
    for (const Rule& rule : rules) {
      by_id[rule.id] = &rule;
    }
  }
  for (const Rule& rule : registry_.rules()) {
    auto it = by_id.find(rule.id);
    ASSERT_NE(it, by_id.end()) << rule.id << " is in rules.tsv but in no spec/*.md";
    EXPECT_EQ(it->second->area, rule.area) << rule.id << ": registered under another area";
  }
}

TEST_F(SpecRegistryTest, RegistryOrderFollowsTheMarkdown) {
  std::vector<std::string> expected;
  for (const auto& area : RuleAreas()) {
    auto it = markdown_.find(area);
    if (it == markdown_.end()) {
      continue;
    }
    for (const Rule& rule : it->second) {
      expected.push_back(rule.id);
    }
  }
  std::vector<std::string> actual;
  for (const Rule& rule : registry_.rules()) {
    actual.push_back(rule.id);
  }
  EXPECT_EQ(actual, expected);
}

TEST_F(SpecRegistryTest, IdsAreUniqueWellFormedAndUseTheAreaPrefix) {
  std::set<std::string> seen;
  for (const auto& [area, rules] : markdown_) {
    const std::string prefix = std::string(RuleAreaPrefix(area)) + "-";
    for (const Rule& rule : rules) {
      EXPECT_TRUE(IsValidRuleId(rule.id)) << rule.id;
      EXPECT_TRUE(IsValidRuleLevel(rule.level)) << rule.id << " " << rule.level;
      EXPECT_EQ(rule.id.rfind(prefix, 0), 0u) << rule.id << " in " << area << ".md";
      EXPECT_TRUE(seen.insert(rule.id).second) << "duplicate id " << rule.id;
    }
  }
  for (const Rule& rule : registry_.rules()) {
    EXPECT_TRUE(IsValidRuleId(rule.id)) << rule.id;
  }
}

TEST_F(SpecRegistryTest, HasEnoughRules) {
  EXPECT_GE(registry_.rules().size(), kMinimumRuleCount);
  size_t markdown_count = 0;
  for (const auto& [area, rules] : markdown_) {
    markdown_count += rules.size();
  }
  EXPECT_EQ(markdown_count, registry_.rules().size());
}

}  // namespace
}  // namespace cloudstate
