// Registration checks of the CRDT cases (crdt_cases.cc, crdt_new_cases.cc) and of the CRDT case
// helpers: every original case C1-C82 is ported exactly once, every rule id exists in
// spec/rules.tsv, and the expected-message builders produce the wire shapes the original compared.

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

#include "../src/cases/crdt_helpers.h"
#include "cloudstate/tck/case_registry.h"

namespace cloudstate::tck::crdt_cases {
namespace {

// spec/rules.tsv of the source tree: searched upwards from the test binary (build trees live
// inside the source tree) and from the working directory.
std::set<std::string> KnownRuleIds() {
  std::set<std::string> ids;
  for (std::filesystem::path start :
       {std::filesystem::read_symlink("/proc/self/exe"), std::filesystem::current_path()}) {
    for (auto dir = start; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      std::ifstream in(dir / "spec" / "rules.tsv");
      if (!in) {
        continue;
      }
      std::string line;
      while (std::getline(in, line)) {
        ids.insert(line.substr(0, line.find('\t')));
      }
      return ids;
    }
  }
  return ids;
}

TEST(CrdtCasesTest, EveryOriginalCaseIsPortedOnce) {
  std::set<std::string> originals;
  int crdt_cases = 0;
  for (const CaseSpec* spec : CaseRegistry::Global().Sorted()) {
    if (spec->area != "crdt") {
      continue;
    }
    ++crdt_cases;
    if (!spec->original_id.empty()) {
      EXPECT_TRUE(originals.insert(spec->original_id).second) << spec->original_id;
    }
  }
  for (int i = 1; i <= 82; ++i) {
    EXPECT_EQ(originals.count("C" + std::to_string(i)), 1u) << "C" << i;
  }
  EXPECT_EQ(originals.size(), 82u);
  EXPECT_GE(crdt_cases - 82, 12) << "at least 12 new CRDT cases";
}

TEST(CrdtCasesTest, CasesAreCompleteAndNameKnownRules) {
  const std::set<std::string> rules = KnownRuleIds();
  ASSERT_GT(rules.size(), 100u) << "spec/rules.tsv not found";
  for (const CaseSpec* spec : CaseRegistry::Global().Sorted()) {
    if (spec->area != "crdt") {
      continue;
    }
    EXPECT_EQ(spec->name.rfind("crdt.", 0), 0u) << spec->name;
    EXPECT_FALSE(spec->description.empty()) << spec->name;
    EXPECT_FALSE(spec->hint.empty()) << spec->name;
    EXPECT_TRUE(static_cast<bool>(spec->body)) << spec->name;
    EXPECT_FALSE(spec->services.empty()) << spec->name;
    ASSERT_FALSE(spec->rule_ids.empty()) << spec->name;
    for (const auto& id : spec->rule_ids) {
      EXPECT_EQ(rules.count(id), 1u) << spec->name << " names unknown rule " << id;
    }
  }
}

TEST(CrdtHelpersTest, ElementsArePrimitiveStrings) {
  pc::CrdtDelta d = GSetD({"", "a"});
  ASSERT_EQ(d.gset().added_size(), 2);
  EXPECT_EQ(d.gset().added(0).type_url(), "p.cloudstate.io/string");
  EXPECT_EQ(d.gset().added(0).value(), "");  // empty string -> empty bytes
  EXPECT_EQ(d.gset().added(1).value(), std::string("\x0a\x01"
                                                   "a",
                                                   3));
}

TEST(CrdtHelpersTest, EmptyDeltasArePresent) {
  // The original expects e.g. ORSet-1 -> ORSetDelta{} and PNCounter-1 -> PNCounterDelta{change 0}
  // as present (empty) sub-messages.
  EXPECT_TRUE(ORSetD(false, {}, {}).has_orset());
  EXPECT_TRUE(PNCounterD(0).has_pncounter());
  EXPECT_TRUE(VoteD(false).has_vote());
}

TEST(CrdtHelpersTest, SortedComparisonIgnoresOrderOfMapEntriesAndNestedElements) {
  crdt::Out expected = ReplyDelta(
      1, ORMapS({}), ORMapD({.added = {{"A-1", GSetD({"x", "y"})}, {"B-1", PNCounterD(1)}}}));
  crdt::Out actual = ReplyDelta(
      1, ORMapS({}), ORMapD({.added = {{"B-1", PNCounterD(1)}, {"A-1", GSetD({"y", "x"})}}}));
  EXPECT_FALSE(CompareMessages(expected, actual).equal);
  EXPECT_TRUE(CompareMessages(expected, actual, SortedCrdtDeltas()).equal);
}

TEST(CrdtHelpersTest, MapUpdateWrapsEachActionAsEntryUpdate) {
  Actions actions = MapUpdate("ORSet-1", Cat({ORSetRemove({"b"}), ORSetAdd({"d"})}));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].update().ormap().update().key(), "ORSet-1");
  EXPECT_EQ(actions[0].update().ormap().update().update().orset().remove(), "b");
  EXPECT_EQ(actions[1].update().ormap().update().update().orset().add(), "d");
}

}  // namespace
}  // namespace cloudstate::tck::crdt_cases
