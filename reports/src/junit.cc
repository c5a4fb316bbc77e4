// junit.xml in the shape Jenkins, GitLab, GitHub test viewers and Sonobuoy read:
//   <testsuites name tests failures errors skipped time>
//     <testsuite name tests failures errors skipped time timestamp hostname>
//       <properties>...</properties>
//       <testcase name classname time> [<failure message type>diff</failure> | <skipped message/>]
//         <properties><property name="rule_id" value="ES-004"/></properties>
//
// Expected failures are written as <skipped> (the pytest xfail convention): the case did not
// pass, but it must not fail the CI job. Unexpected passes are passed cases with a note in
// <system-out>.
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using internal::FormatSeconds;
using internal::XmlEscapeAttr;
using internal::XmlEscapeText;

namespace {

struct SuiteTotals {
  int tests = 0;
  int failures = 0;
  int skipped = 0;
  double time = 0;
};

void AddTo(SuiteTotals& t, const CaseResult& c) {
  ++t.tests;
  t.time += c.duration_seconds > 0 ? c.duration_seconds : 0;
  if (c.outcome == Outcome::kFailed) {
    ++t.failures;
  } else if (c.outcome == Outcome::kSkipped || c.outcome == Outcome::kExpectedFailure) {
    ++t.skipped;
  }
}

void Property(std::string& out, const char* indent, std::string_view name, std::string_view value) {
  absl::StrAppend(&out, indent, "<property name=\"", XmlEscapeAttr(name), "\" value=\"",
                  XmlEscapeAttr(value), "\"/>\n");
}

void WriteCase(std::string& out, const CaseResult& c) {
  absl::StrAppend(&out, "    <testcase name=\"", XmlEscapeAttr(c.name), "\" classname=\"",
                  XmlEscapeAttr(c.area), "\" time=\"", FormatSeconds(c.duration_seconds), "\">\n");
  // Properties first, as pytest writes them; readers that do not know them skip them.
  absl::StrAppend(&out, "      <properties>\n");
  for (const std::string& id : c.rule_ids) {
    Property(out, "        ", "rule_id", id);
  }
  Property(out, "        ", "level", CaseLevelName(c.level));
  Property(out, "        ", "outcome", OutcomeName(c.outcome));
  if (!c.description.empty()) {
    Property(out, "        ", "description", c.description);
  }
  for (const Metric& m : c.metrics) {
    Property(out, "        ", absl::StrCat("metric.", m.name),
             absl::StrCat(m.value, " ", MetricUnitName(m.unit)));
  }
  if (c.replay.seed) {
    Property(out, "        ", "seed", absl::StrCat(*c.replay.seed));
  }
  if (!c.replay.command.empty()) {
    Property(out, "        ", "replay", c.replay.command);
  }
  absl::StrAppend(&out, "      </properties>\n");
  switch (c.outcome) {
    case Outcome::kFailed: {
      const std::string message = c.message.empty() ? "failed" : internal::OneLine(c.message);
      absl::StrAppend(&out, "      <failure message=\"", XmlEscapeAttr(message),
                      "\" type=\"ConformanceFailure\">",
                      XmlEscapeText(c.details.empty() ? c.message : c.details), "</failure>\n");
      break;
    }
    case Outcome::kSkipped:
      absl::StrAppend(&out, "      <skipped message=\"",
                      XmlEscapeAttr(c.message.empty() ? "skipped" : internal::OneLine(c.message)),
                      "\"/>\n");
      break;
    case Outcome::kExpectedFailure:
      absl::StrAppend(
          &out, "      <skipped message=\"",
          XmlEscapeAttr(absl::StrCat("expected failure (known-failing list)",
                                     c.message.empty() ? "" : ": ", internal::OneLine(c.message))),
          "\"/>\n");
      if (!c.details.empty()) {
        absl::StrAppend(&out, "      <system-out>", XmlEscapeText(c.details), "</system-out>\n");
      }
      break;
    case Outcome::kUnexpectedPass:
      absl::StrAppend(&out,
                      "      <system-out>unexpected pass: this case is listed as known-failing but "
                      "passed; remove it from the known-failing list</system-out>\n");
      break;
    case Outcome::kPassed:
      break;
  }
  absl::StrAppend(&out, "    </testcase>\n");
}

}  // namespace

std::string RenderJUnitXml(const RunResults& run, const std::vector<RuleInfo>& /*rules*/) {
  std::map<std::string, std::vector<const CaseResult*>> by_area;
  SuiteTotals all;
  for (const CaseResult& c : run.cases) {
    by_area[c.area].push_back(&c);
    AddTo(all, c);
  }
  const std::string timestamp = internal::JUnitTimestamp(run.started_at);
  const double total_time = run.duration_seconds > 0 ? run.duration_seconds : all.time;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<testsuites name=\"",
                  XmlEscapeAttr(absl::StrCat(run.kit_name, " (Cloudstate protocol ",
                                             run.protocol_version, ")")),
                  "\" tests=\"", all.tests, "\" failures=\"", all.failures,
                  "\" errors=\"0\" skipped=\"", all.skipped, "\" time=\"",
                  FormatSeconds(total_time), "\">\n");
  int id = 0;
  for (const std::string& area : internal::AreasInOrder(run)) {
    const auto& cases = by_area[area];
    SuiteTotals t;
    for (const CaseResult* c : cases) {
      AddTo(t, *c);
    }
    absl::StrAppend(&out, "  <testsuite name=\"", XmlEscapeAttr(area), "\" id=\"", id++,
                    "\" tests=\"", t.tests, "\" failures=\"", t.failures,
                    "\" errors=\"0\" skipped=\"", t.skipped, "\" time=\"", FormatSeconds(t.time),
                    "\" timestamp=\"", timestamp, "\" hostname=\"",
                    XmlEscapeAttr(run.host.empty() ? "localhost" : run.host), "\">\n");
    absl::StrAppend(&out, "    <properties>\n");
    Property(out, "      ", "kit_version", run.kit_version);
    Property(out, "      ", "protocol_version", run.protocol_version);
    Property(out, "      ", "sut_address", run.sut.address);
    Property(out, "      ", "sut_service",
             absl::StrCat(run.sut.service_name, " ", run.sut.service_version));
    Property(out, "      ", "sut_support_library",
             absl::StrCat(run.sut.support_library_name, " ", run.sut.support_library_version));
    if (run.replay.seed) {
      Property(out, "      ", "seed", absl::StrCat(*run.replay.seed));
    }
    if (!run.replay.command.empty()) {
      Property(out, "      ", "replay", run.replay.command);
    }
    absl::StrAppend(&out, "    </properties>\n");
    for (const CaseResult* c : cases) {
      WriteCase(out, *c);
    }
    absl::StrAppend(&out, "  </testsuite>\n");
  }
  absl::StrAppend(&out, "</testsuites>\n");
  return out;
}

}  // namespace cloudstate::reports
