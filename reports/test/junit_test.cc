// junit.xml against what Jenkins (junit plugin), GitLab, GitHub test viewers and Sonobuoy read:
// a well-formed XML 1.0 document, <testsuites> root with totals, <testsuite> per area with the
// counts of its <testcase> children, <failure>/<skipped> children.
#include <set>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"
#include "xml_dom.h"

namespace cloudstate::reports {
namespace {

using testing::ParseXml;
using testing::XmlNode;

int IntAttr(const XmlNode& n, const std::string& key) {
  int v = -1;
  EXPECT_TRUE(absl::SimpleAtoi(n.Attr(key), &v)) << n.name << "@" << key << "=" << n.Attr(key);
  return v;
}

double DoubleAttr(const XmlNode& n, const std::string& key) {
  double v = -1;
  EXPECT_TRUE(absl::SimpleAtod(n.Attr(key), &v)) << n.name << "@" << key << "=" << n.Attr(key);
  return v;
}

class JUnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveXmlParser()) {
      GTEST_SKIP() << "expat (libexpat1-dev) is not installed; cannot parse junit.xml";
    }
    run_ = testing::MixedRun();
    xml_ = RenderJUnitXml(run_, testing::SampleRules());
    std::string error;
    root_ = ParseXml(xml_, &error);
    ASSERT_NE(root_, nullptr) << error << "\n" << xml_;
  }

  RunResults run_;
  std::string xml_;
  std::unique_ptr<XmlNode> root_;
};

TEST_F(JUnitTest, RootHasTotals) {
  EXPECT_EQ(root_->name, "testsuites");
  EXPECT_EQ(IntAttr(*root_, "tests"), 7);
  EXPECT_EQ(IntAttr(*root_, "failures"), 2);
  EXPECT_EQ(IntAttr(*root_, "errors"), 0);
  EXPECT_EQ(IntAttr(*root_, "skipped"), 2);  // one skip + one expected failure
  EXPECT_GE(DoubleAttr(*root_, "time"), 0.0);
}

TEST_F(JUnitTest, SuitesPerAreaWithConsistentCounts) {
  const auto suites = root_->Children("testsuite");
  ASSERT_EQ(suites.size(), 3u);
  std::set<std::string> names;
  int tests = 0;
  int failures = 0;
  int skipped = 0;
  for (const XmlNode* s : suites) {
    names.insert(s->Attr("name"));
    for (const char* attr :
         {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"}) {
      EXPECT_TRUE(s->attrs.contains(attr)) << "testsuite lacks " << attr;
    }
    EXPECT_EQ(s->Attr("timestamp"), "2024-05-01T12:00:00");
    EXPECT_EQ(s->Attr("hostname"), "ci-runner-1");
    const auto cases = s->Children("testcase");
    EXPECT_EQ(IntAttr(*s, "tests"), static_cast<int>(cases.size()));
    int f = 0;
    int sk = 0;
    double time = 0;
    for (const XmlNode* c : cases) {
      EXPECT_EQ(c->Attr("classname"), s->Attr("name"));
      time += DoubleAttr(*c, "time");
      f += c->Child("failure") != nullptr ? 1 : 0;
      sk += c->Child("skipped") != nullptr ? 1 : 0;
      EXPECT_FALSE(c->Child("failure") && c->Child("skipped"));
    }
    EXPECT_EQ(IntAttr(*s, "failures"), f);
    EXPECT_EQ(IntAttr(*s, "skipped"), sk);
    EXPECT_NEAR(DoubleAttr(*s, "time"), time, 0.01);
    tests += IntAttr(*s, "tests");
    failures += f;
    skipped += sk;
  }
  EXPECT_EQ(names, (std::set<std::string>{"discovery", "eventsourced", "valueentity"}));
  EXPECT_EQ(tests, IntAttr(*root_, "tests"));
  EXPECT_EQ(failures, IntAttr(*root_, "failures"));
  EXPECT_EQ(skipped, IntAttr(*root_, "skipped"));
}

TEST_F(JUnitTest, EveryCasePresentWithItsOutcome) {
  std::map<std::string, const XmlNode*> by_name;
  for (const XmlNode* s : root_->Children("testsuite")) {
    for (const XmlNode* c : s->Children("testcase")) {
      by_name[c->Attr("name")] = c;
    }
  }
  ASSERT_EQ(by_name.size(), run_.cases.size());
  // Names survive the round trip, except for the control character, which XML cannot carry.
  const XmlNode* failed = by_name.at("required_ES-004_single_emitted_event");
  ASSERT_NE(failed->Child("failure"), nullptr);
  EXPECT_EQ(failed->Child("failure")->Attr("message"), "expected 1 event, got 0 & <none>");
  EXPECT_EQ(failed->Child("failure")->Attr("type"), "ConformanceFailure");
  EXPECT_NE(failed->Child("failure")->text.find("+++ actual"), std::string::npos);
  EXPECT_NE(failed->Child("failure")->text.find("\\x01"), std::string::npos);

  const XmlNode* skipped =
      by_name.at("required_ES-020_<script>alert('x')</script> # not a directive");
  ASSERT_NE(skipped->Child("skipped"), nullptr);
  EXPECT_EQ(skipped->Child("skipped")->Attr("message"), "not implemented by the function");
  // Rule ids as properties.
  std::vector<std::string> rule_ids;
  ASSERT_NE(skipped->Child("properties"), nullptr);
  for (const XmlNode* p : skipped->Child("properties")->Children("property")) {
    if (p->Attr("name") == "rule_id") {
      rule_ids.push_back(p->Attr("value"));
    }
  }
  EXPECT_EQ(rule_ids, (std::vector<std::string>{"ES-020", "ES-021"}));

  const XmlNode* xfail = by_name.at("required_VE-002_update_state");
  ASSERT_NE(xfail->Child("skipped"), nullptr);
  EXPECT_NE(xfail->Child("skipped")->Attr("message").find("expected failure"), std::string::npos);

  const XmlNode* xpass = by_name.at("optional_VE-009_delete_twice");
  EXPECT_EQ(xpass->Child("failure"), nullptr);
  EXPECT_EQ(xpass->Child("skipped"), nullptr);
  ASSERT_NE(xpass->Child("system-out"), nullptr);
  EXPECT_NE(xpass->Child("system-out")->text.find("unexpected pass"), std::string::npos);

  // The name with a control character and a newline: the control is made visible, the newline
  // kept as a character reference.
  EXPECT_TRUE(by_name.contains("optional_VE-010_bad\\x02name\nnewline"));
}

TEST(JUnitEscapeTest, NoForbiddenCharactersInOutput) {
  RunResults run = testing::MixedRun();
  const std::string xml = RenderJUnitXml(run, {});
  for (char ch : xml) {
    const auto c = static_cast<unsigned char>(ch);
    EXPECT_FALSE(c < 0x20 && c != '\n' && c != '\t' && c != '\r') << "control char " << int(c);
  }
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  EXPECT_EQ(xml.find("\xff"), std::string::npos);
}

TEST(JUnitEmptyTest, EmptyRunIsValid) {
  if (!testing::HaveXmlParser()) {
    GTEST_SKIP() << "expat not installed";
  }
  std::string error;
  auto root = ParseXml(RenderJUnitXml(RunResults{}, {}), &error);
  ASSERT_NE(root, nullptr) << error;
  EXPECT_EQ(root->Attr("tests"), "0");
}

}  // namespace
}  // namespace cloudstate::reports
