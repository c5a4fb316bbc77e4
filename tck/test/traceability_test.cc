// Spec traceability: every case (SDK suite and proxy suite) names only rules that exist in
// spec/rules.tsv, and every MUST rule is checked by at least one case or is listed, with a reason,
// in spec/untested.tsv. The untested list may not name a rule that a case checks, so it shrinks as
// cases are added and can never go stale.
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"

#include "cloudstate/common/rule_registry.h"
#include "cloudstate/tck/case_registry.h"
#include "cloudstate/tck/proxy_suite/proxy_suite.h"

namespace cloudstate::tck {
namespace {

const std::string kSpecDir = std::string(CS_SOURCE_DIR) + "/spec";

// rule id -> reason, from spec/untested.tsv ("id<TAB>reason", '#' comments).
std::map<std::string, std::string> LoadUntested() {
  std::map<std::string, std::string> untested;
  std::ifstream in(kSpecDir + "/untested.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto tab = line.find('\t');
    untested[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return untested;
}

// Every rule id named by any case, with one case naming it (for messages).
std::map<std::string, std::string> CoveredRules() {
  std::map<std::string, std::string> covered;
  for (const CaseSpec* c : CaseRegistry::Global().Sorted()) {
    for (const auto& id : c->rule_ids) {
      covered.emplace(id, c->name);
    }
  }
  for (const auto& c : proxy_suite::ProxyCases()) {
    for (const auto& id : c.rule_ids) {
      covered.emplace(id, c.name);
    }
  }
  return covered;
}

TEST(Traceability, EveryCaseNamesKnownRules) {
  auto registry = LoadRuleRegistry(kSpecDir + "/rules.tsv");
  ASSERT_TRUE(registry.ok()) << registry.status();
  size_t cases = 0;
  for (const CaseSpec* c : CaseRegistry::Global().Sorted()) {
    ++cases;
    EXPECT_FALSE(c->rule_ids.empty()) << c->name << " names no rule";
    for (const auto& id : c->rule_ids) {
      EXPECT_NE(registry->Find(id), nullptr) << c->name << " names unknown rule " << id;
    }
  }
  for (const auto& c : proxy_suite::ProxyCases()) {
    ++cases;
    EXPECT_FALSE(c.rule_ids.empty()) << c.name << " names no rule";
    for (const auto& id : c.rule_ids) {
      EXPECT_NE(registry->Find(id), nullptr) << c.name << " names unknown rule " << id;
    }
  }
  EXPECT_GE(cases, 196u);
}

TEST(Traceability, EveryMustRuleHasACaseOrAnUntestedEntry) {
  auto registry = LoadRuleRegistry(kSpecDir + "/rules.tsv");
  ASSERT_TRUE(registry.ok()) << registry.status();
  const auto covered = CoveredRules();
  const auto untested = LoadUntested();
  for (const auto& rule : registry->rules()) {
    if (rule.level != "MUST") {
      continue;
    }
    const bool has_case = covered.count(rule.id) > 0;
    const bool listed = untested.count(rule.id) > 0;
    EXPECT_TRUE(has_case || listed)
        << rule.id << " (" << rule.title << ") is a MUST rule with no case; write one, or list it "
        << "in spec/untested.tsv with the reason";
    EXPECT_FALSE(has_case && listed)
        << rule.id << " is checked by " << (has_case ? covered.at(rule.id) : "")
        << "; remove it from spec/untested.tsv";
  }
  for (const auto& [id, reason] : untested) {
    EXPECT_NE(registry->Find(id), nullptr) << "spec/untested.tsv names unknown rule " << id;
    EXPECT_FALSE(reason.empty()) << "spec/untested.tsv gives no reason for " << id;
  }
}

// The robustness level (spec/protocol.md, PROT-034): a robustness case names only ROBUSTNESS rules,
// a ROBUSTNESS rule is checked only by robustness cases and by at least one, and no case names a
// RETIRED rule. So the required verdict never depends on an input no conforming proxy sends.
TEST(Traceability, RobustnessCasesAndRulesMatch) {
  auto registry = LoadRuleRegistry(kSpecDir + "/rules.tsv");
  ASSERT_TRUE(registry.ok()) << registry.status();
  std::map<std::string, int> robustness_rule_cases;
  for (const auto& rule : registry->rules()) {
    if (rule.level == "ROBUSTNESS") {
      robustness_rule_cases[rule.id] = 0;
    }
  }
  ASSERT_FALSE(robustness_rule_cases.empty());
  for (const CaseSpec* c : CaseRegistry::Global().Sorted()) {
    const bool robustness = c->level == CaseLevel::kRobustness;
    for (const auto& id : c->rule_ids) {
      const Rule* rule = registry->Find(id);
      if (rule == nullptr) {
        continue;  // EveryCaseNamesKnownRules reports it
      }
      EXPECT_NE(rule->level, "RETIRED") << c->name << " names retired rule " << id;
      EXPECT_EQ(rule->level == "ROBUSTNESS", robustness)
          << c->name << " (" << CaseLevelName(c->level) << ") names " << id << " (" << rule->level
          << "): robustness cases name ROBUSTNESS rules only, and only they do";
      if (robustness && rule->level == "ROBUSTNESS") {
        ++robustness_rule_cases[id];
      }
    }
  }
  for (const auto& c : proxy_suite::ProxyCases()) {
    for (const auto& id : c.rule_ids) {
      const Rule* rule = registry->Find(id);
      if (rule != nullptr) {
        EXPECT_NE(rule->level, "RETIRED") << c.name << " names retired rule " << id;
      }
    }
  }
  for (const auto& [id, n] : robustness_rule_cases) {
    EXPECT_GT(n, 0) << id << " is a ROBUSTNESS rule that no robustness case checks";
  }
}

}  // namespace
}  // namespace cloudstate::tck
