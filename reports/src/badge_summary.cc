// badge.json (shields.io endpoint), badge.svg (self-contained badge) and summary.json.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"

#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {

using nlohmann::json;

namespace {

struct BadgeText {
  std::string label;
  std::string message;
  std::string color_name;  // shields.io named colour
  std::string color_hex;   // the same colour for our SVG
};

BadgeText MakeBadge(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const Verdict v = ComputeVerdict(run, rules);
  BadgeText b;
  b.label = absl::StrCat("cloudstate ", run.protocol_version);
  b.message = absl::StrCat(v.counts.Succeeded(), "/", v.counts.total, " \xC2\xB7 ",
                           ConformanceLevelName(v.level));
  // Robustness cases are badged apart from the conformance level: "robustness 20/25".
  if (v.robustness != RobustnessLevel::kNotRun) {
    absl::StrAppend(&b.message, " \xC2\xB7 robustness ", v.robustness_counts.Succeeded(), "/",
                    v.robustness_counts.total - v.robustness_counts.skipped);
  }
  switch (v.level) {
    case ConformanceLevel::kFull:
      b.color_name = "brightgreen";
      b.color_hex = "#4c1";
      break;
    case ConformanceLevel::kRequired:
      b.color_name = "yellow";
      b.color_hex = "#dfb317";
      break;
    case ConformanceLevel::kNone:
      b.color_name = "red";
      b.color_hex = "#e05d44";
      break;
  }
  return b;
}

// Approximate advance widths of 11px Verdana (the usual badge font), in pixels. Exactness does
// not matter: the SVG also sets textLength, so the text is fitted to the box we computed.
double CharWidth(unsigned char c) {
  if (c >= 0x80) {
    return 3.5;  // one byte of a multi-byte character; "·" is two bytes, ~7px
  }
  switch (c) {
    case ' ':
      return 3.9;
    case '.':
    case ',':
    case ':':
    case ';':
    case '|':
    case 'i':
    case 'l':
    case 'j':
    case '\'':
      return 3.4;
    case 'f':
    case 't':
    case 'r':
    case 'I':
    case '(':
    case ')':
    case '/':
      return 5.0;
    case 'm':
    case 'w':
      return 10.7;
    case 'M':
    case 'W':
      return 11.5;
    default:
      break;
  }
  if (c >= 'A' && c <= 'Z') {
    return 7.7;
  }
  if (c >= '0' && c <= '9') {
    return 7.0;
  }
  return 6.8;
}

double TextWidth(std::string_view s) {
  double w = 0;
  for (char ch : s) {
    w += CharWidth(static_cast<unsigned char>(ch));
  }
  return w;
}

}  // namespace

std::string RenderBadgeJson(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const BadgeText b = MakeBadge(run, rules);
  json j = {
      {"schemaVersion", 1}, {"label", b.label}, {"message", b.message}, {"color", b.color_name}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string RenderBadgeSvg(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const BadgeText b = MakeBadge(run, rules);
  constexpr int kPad = 6;
  const int label_text = static_cast<int>(std::ceil(TextWidth(b.label)));
  const int message_text = static_cast<int>(std::ceil(TextWidth(b.message)));
  const int lw = label_text + 2 * kPad;
  const int mw = message_text + 2 * kPad;
  const int w = lw + mw;
  const std::string label = internal::XmlEscapeText(b.label);
  const std::string message = internal::XmlEscapeText(b.message);
  const std::string title = internal::XmlEscapeAttr(absl::StrCat(b.label, ": ", b.message));
  std::string out;
  absl::StrAppendFormat(
      &out,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" role=\"img\" "
      "aria-label=\"%s\">\n"
      "  <title>%s</title>\n"
      "  <linearGradient id=\"s\" x2=\"0\" y2=\"100%%\">\n"
      "    <stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/>\n"
      "    <stop offset=\"1\" stop-opacity=\".1\"/>\n"
      "  </linearGradient>\n"
      "  <clipPath id=\"r\"><rect width=\"%d\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\n"
      "  <g clip-path=\"url(#r)\">\n"
      "    <rect width=\"%d\" height=\"20\" fill=\"#555\"/>\n"
      "    <rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\"/>\n"
      "    <rect width=\"%d\" height=\"20\" fill=\"url(#s)\"/>\n"
      "  </g>\n"
      "  <g fill=\"#fff\" text-anchor=\"middle\" "
      "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\n"
      "    <text x=\"%d\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\" "
      "textLength=\"%d\">%s</text>\n"
      "    <text x=\"%d\" y=\"14\" textLength=\"%d\">%s</text>\n"
      "    <text x=\"%d\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\" "
      "textLength=\"%d\">%s</text>\n"
      "    <text x=\"%d\" y=\"14\" textLength=\"%d\">%s</text>\n"
      "  </g>\n"
      "</svg>\n",
      w, title, title, w, lw, lw, mw, b.color_hex, w, lw / 2, label_text, label, lw / 2, label_text,
      label, lw + mw / 2, message_text, message, lw + mw / 2, message_text, message);
  return out;
}

namespace {

json CountsJson(const Counts& c) {
  return {{"total", c.total},
          {"passed", c.passed},
          {"failed", c.failed},
          {"skipped", c.skipped},
          {"expected_failures", c.expected_failures},
          {"unexpected_passes", c.unexpected_passes}};
}

}  // namespace

std::string RenderSummaryJson(const RunResults& run, const std::vector<RuleInfo>& rules) {
  const Verdict v = ComputeVerdict(run, rules);
  json areas = json::object();
  for (const auto& [name, a] : v.areas) {
    areas[name] = {{"counts", CountsJson(a.counts)},
                   {"required_counts", CountsJson(a.required_counts)},
                   {"level", ConformanceLevelName(a.level)},
                   {"gating", a.gating}};
  }
  json by_level = json::object();
  for (const auto& [name, c] : v.by_case_level) {
    by_level[name] = CountsJson(c);
  }
  const SystemUnderTest& s = run.sut;
  json j = {{"kit", {{"name", run.kit_name}, {"version", run.kit_version}}},
            {"protocol_version", run.protocol_version},
            {"started_at", run.started_at},
            {"duration_seconds", run.duration_seconds},
            {"host", run.host},
            {"sut",
             {{"address", s.address},
              {"service_name", s.service_name},
              {"service_version", s.service_version},
              {"service_runtime", s.service_runtime},
              {"support_library_name", s.support_library_name},
              {"support_library_version", s.support_library_version},
              {"protocol_version", s.protocol_version},
              {"declared_entity_types", s.declared_entity_types}}},
            {"counts", CountsJson(v.counts)},
            {"areas", areas},
            {"case_levels", by_level},
            {"gating_areas", v.gating_areas},
            {"level", ConformanceLevelName(v.level)},
            {"robustness",
             {{"counts", CountsJson(v.robustness_counts)},
              {"verdict", RobustnessLevelName(v.robustness)}}},
            {"badge", MakeBadge(run, rules).message}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace cloudstate::reports
