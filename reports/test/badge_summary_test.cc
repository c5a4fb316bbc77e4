#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/writers.h"
#include "test_data.h"
#include "xml_dom.h"

namespace cloudstate::reports {
namespace {

using nlohmann::json;

struct LevelCase {
  const char* title;
  void (*mutate)(RunResults&);
  const char* level;
  const char* message;
  const char* color;
};

const LevelCase kLevelCases[] = {
    {"all_pass", [](RunResults&) {}, "full", "3/3 \xC2\xB7 full", "brightgreen"},
    {"must_failure", [](RunResults& r) { r.cases[1].outcome = Outcome::kFailed; }, "none",
     "2/3 \xC2\xB7 none", "red"},
    {"should_only_failure", [](RunResults& r) { r.cases[2].outcome = Outcome::kFailed; },
     "required", "2/3 \xC2\xB7 required", "yellow"},
};

void PrintTo(const LevelCase& c, std::ostream* os) { *os << c.title; }

class LevelTest : public ::testing::TestWithParam<LevelCase> {};

TEST_P(LevelTest, BadgeJsonFollowsShieldsEndpointSchema) {
  RunResults run = testing::AllPassRun();
  GetParam().mutate(run);
  const json badge = json::parse(RenderBadgeJson(run, testing::SampleRules()));
  EXPECT_EQ(badge.at("schemaVersion"), 1);
  EXPECT_EQ(badge.at("label"), "cloudstate 0.2");
  EXPECT_EQ(badge.at("message"), GetParam().message);
  EXPECT_EQ(badge.at("color"), GetParam().color);
}

TEST_P(LevelTest, SummaryStatesTheLevel) {
  RunResults run = testing::AllPassRun();
  GetParam().mutate(run);
  const json s = json::parse(RenderSummaryJson(run, testing::SampleRules()));
  EXPECT_EQ(s.at("level"), GetParam().level);
  EXPECT_EQ(s.at("kit").at("version"), "0.1.0");
  EXPECT_EQ(s.at("protocol_version"), "0.2");
  EXPECT_EQ(s.at("sut").at("service_version"), "1.2.3");
  EXPECT_EQ(s.at("counts").at("total"), 3);
  EXPECT_EQ(s.at("areas").at("eventsourced").at("counts").at("total"), 2);
  EXPECT_EQ(s.at("areas").at("discovery").at("level"), "full");
  EXPECT_EQ(s.at("case_levels").at("required").at("total"), 2);
  EXPECT_EQ(s.at("case_levels").at("optional").at("total"), 1);
  EXPECT_EQ(s.at("badge"), GetParam().message);
}

TEST_P(LevelTest, BadgeSvgIsWellFormedAndStatesTheMessage) {
  RunResults run = testing::AllPassRun();
  GetParam().mutate(run);
  const std::string svg = RenderBadgeSvg(run, testing::SampleRules());
  EXPECT_TRUE(absl::StrContains(svg, GetParam().message));
  EXPECT_TRUE(absl::StrContains(svg, "cloudstate 0.2"));
  EXPECT_FALSE(absl::StrContains(svg, "http://") && !absl::StrContains(svg, "http://www.w3.org"));
  if (!testing::HaveXmlParser()) {
    GTEST_SKIP() << "expat not installed";
  }
  std::string error;
  auto root = testing::ParseXml(svg, &error);
  ASSERT_NE(root, nullptr) << error;
  EXPECT_EQ(root->name, "svg");
  const int width = std::stoi(root->Attr("width"));
  // Width grows with the text: at least ~5px per character of label and message.
  EXPECT_GT(width, 5 * static_cast<int>(std::string("cloudstate 0.2").size() +
                                        std::string(GetParam().message).size() - 1));
}

INSTANTIATE_TEST_SUITE_P(Levels, LevelTest, ::testing::ValuesIn(kLevelCases),
                         [](const auto& info) { return std::string(info.param.title); });

TEST(SummaryTest, MixedRun) {
  const json s = json::parse(RenderSummaryJson(testing::MixedRun(), testing::SampleRules()));
  EXPECT_EQ(s.at("level"), "none");
  EXPECT_EQ(s.at("counts").at("failed"), 2);
  EXPECT_EQ(s.at("counts").at("expected_failures"), 1);
  EXPECT_EQ(s.at("counts").at("unexpected_passes"), 1);
  EXPECT_EQ(s.at("gating_areas"),
            (std::vector<std::string>{"discovery", "eventsourced", "valueentity"}));
}

}  // namespace
}  // namespace cloudstate::reports
