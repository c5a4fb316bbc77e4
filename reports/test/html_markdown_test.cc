#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "cloudstate/reports/writers.h"
#include "test_data.h"

namespace cloudstate::reports {
namespace {

using absl::StrContains;

int Count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

class HtmlTest : public ::testing::Test {
 protected:
  RunResults run_ = testing::MixedRun();
  std::string html_ = RenderHtml(run_, testing::SampleRules());
};

TEST_F(HtmlTest, HasEverySection) {
  for (const char* id :
       {"summary", "areas", "cases", "failures", "traceability", "configuration"}) {
    EXPECT_TRUE(StrContains(html_, absl::StrCat("<section id=\"", id, "\""))) << id;
  }
  EXPECT_TRUE(absl::StartsWith(html_, "<!DOCTYPE html>"));
}

TEST_F(HtmlTest, ListsEveryCaseInTheTable) {
  EXPECT_EQ(Count(html_, "<tr id=\"case-"), 7);
  EXPECT_TRUE(StrContains(html_, "required_DISC-001_discover_answers"));
  EXPECT_TRUE(StrContains(html_, "optional_VE-009_delete_twice"));
}

TEST_F(HtmlTest, EscapesEverything) {
  // The only <script> is our own inline one.
  EXPECT_EQ(Count(html_, "<script>"), 1);
  EXPECT_TRUE(StrContains(html_, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_TRUE(StrContains(html_, "&lt;b&gt;bold&lt;/b&gt;"));
  EXPECT_FALSE(StrContains(html_, "<b>bold</b>"));
  EXPECT_TRUE(StrContains(html_, "expected 1 event, got 0 &amp; &lt;none&gt;"));
  EXPECT_TRUE(StrContains(html_, "escape &lt;things&gt;"));
  EXPECT_FALSE(StrContains(html_, "\x01"));
  EXPECT_FALSE(StrContains(html_, "\xff"));
}

TEST_F(HtmlTest, IsSelfContained) {
  for (const char* needle : {"http://", "https://", "<link", "src=", "@import", "url(http"}) {
    EXPECT_FALSE(StrContains(html_, needle)) << needle;
  }
}

TEST_F(HtmlTest, ShowsSutIdentityAndConfiguration) {
  for (const char* s : {"shopping-cart", "1.2.3", "cloudstate-cpp-support", "C++20 (gcc 12)",
                        "127.0.0.1:8080", "ci-runner-1", "timeout_scale", "2024-05-01T12:00:00Z"}) {
    EXPECT_TRUE(StrContains(html_, s)) << s;
  }
}

TEST_F(HtmlTest, FailureDetailsInPre) {
  EXPECT_TRUE(StrContains(html_, "<pre>--- expected\n+++ actual"));
  EXPECT_TRUE(StrContains(html_, "check that emit() is called before the reply"));
}

TEST_F(HtmlTest, TraceabilityIncludesUntestedAndOmitsRetired) {
  const size_t section = html_.find("<section id=\"traceability\"");
  ASSERT_NE(section, std::string::npos);
  const std::string trace = html_.substr(section, html_.find("</section>", section) - section);
  EXPECT_TRUE(StrContains(trace, "ES-099"));
  EXPECT_TRUE(StrContains(trace, "<span class=\"pill untested\">untested</span>"));
  EXPECT_TRUE(StrContains(trace, "1 not checked by any case"));
  EXPECT_FALSE(StrContains(trace, "OLD-001"));
  EXPECT_EQ(Count(trace, "<tr id=\"rule-"), 9);
}

// Rule ids in the case table link to their traceability row; that row links to the rule's heading
// in spec/<area>.md under the run's spec_url (GitHub's heading anchor).
TEST(HtmlLinksTest, RulesLinkToTraceabilityAndSpecText) {
  RunResults run = testing::MixedRun();
  run.configuration["spec_url"] = "https://example.org/kit/blob/v1/spec/";
  const std::string html = RenderHtml(run, testing::SampleRules());
  EXPECT_TRUE(StrContains(html, "<a href=\"#rule-ES-020\">ES-020</a>, <a href=\"#rule-ES-021\">"));
  EXPECT_TRUE(StrContains(html, "<tr id=\"rule-ES-020\">"));
  EXPECT_TRUE(StrContains(html,
                          "<a href=\"https://example.org/kit/blob/v1/spec/eventsourced.md"
                          "#es-020--must--escape-things\" title=\"the rule in the spec\">"
                          "<code>ES-020</code></a>"));
  // Without a spec_url the ids are plain text.
  const std::string plain = RenderHtml(testing::MixedRun(), testing::SampleRules());
  EXPECT_FALSE(StrContains(plain, ".md#"));
}

TEST(MarkdownTest, SummaryTableFailuresAndEveryCase) {
  const RunResults run = testing::MixedRun();
  const std::string md = RenderMarkdown(run, testing::SampleRules());
  EXPECT_TRUE(StrContains(md, "conformance: **none**"));
  EXPECT_TRUE(StrContains(md, "**3/7** passed"));
  EXPECT_TRUE(StrContains(md, "| Area | Passed | Failed |"));
  EXPECT_TRUE(StrContains(md, "| eventsourced | 1 | 1 | 1 | 0 | 0 | none |"));
  EXPECT_TRUE(StrContains(md, "### Failing cases"));
  EXPECT_TRUE(StrContains(md, "expected 1 event, got 0 &amp; &lt;none&gt;"));
  EXPECT_TRUE(StrContains(md, "<details><summary>All 7 cases</summary>"));
  // Every case in the collapsed list, escaped.
  EXPECT_TRUE(StrContains(md, "required\\_DISC-001\\_discover\\_answers"));
  EXPECT_TRUE(StrContains(md, "&lt;script&gt;alert('x')&lt;/script&gt; \\# not a directive"));
  EXPECT_FALSE(StrContains(md, "<script>"));
  EXPECT_EQ(Count(md, "\n| "), 4 + 7 + 1);  // area rows + header, case rows, case header
}

}  // namespace
}  // namespace cloudstate::reports
