#include "cloudstate/reference_function/faults.h"

#include <set>

#include "gtest/gtest.h"

namespace cloudstate::reference_function {
namespace {

TEST(FaultsTest, AtLeastTwentyFiveUniqueDescribedFaults) {
  std::vector<FaultInfo> faults = AllFaults();
  EXPECT_GE(faults.size(), 25u);
  std::set<std::string> names;
  for (const auto& info : faults) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_FALSE(info.area.empty()) << info.name;
    EXPECT_EQ(info.description.find('\n'), std::string::npos) << info.name;
  }
}

TEST(FaultsTest, FromNamesRejectsUnknownNames) {
  EXPECT_FALSE(Faults::FromNames({"no-such-fault"}).ok());
  auto faults = Faults::FromNames({"es-wrong-command-id"});
  ASSERT_TRUE(faults.ok());
  EXPECT_TRUE(faults->Has("es-wrong-command-id"));
  EXPECT_FALSE(faults->Has("ve-delete-ignored"));
}

TEST(FaultsTest, ListIsSortedTabSeparatedAndKnowsEveryFault) {
  std::string previous;
  for (const auto& info : AllFaults()) {
    EXPECT_LT(previous, info.name);
    previous = info.name;
    EXPECT_TRUE(IsKnownFault(info.name)) << info.name;
    EXPECT_NE(FormatFaultList().find(info.name + "\t" + info.area + "\t" + info.description + "\n"),
              std::string::npos);
  }
  EXPECT_FALSE(IsKnownFault("test-only-fault"));
}

}  // namespace
}  // namespace cloudstate::reference_function
