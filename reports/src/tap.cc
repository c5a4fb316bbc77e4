// results.tap: TAP version 14.
//   passed   -> "ok N - name"
//   failed   -> "not ok N - name" + YAML diagnostics (message, area, rules, details)
//   skipped  -> "ok N - name # SKIP reason"
//   xfail    -> "not ok N - name # TODO expected failure: reason" (+ diagnostics)
//   xpass    -> "ok N - name # TODO unexpected pass ..." (TAP's own notion of a bonus pass)
// Descriptions escape '\' and '#' as TAP 14 asks; the YAML uses only the subset older TAP
// parsers (Perl's TAP::Parser::YAMLish) read: "double quoted" scalars and `|` literal blocks.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

#include "cloudstate/reports/writers.h"
#include "text.h"

namespace cloudstate::reports {
namespace {

std::string TapDescription(std::string_view raw) {
  std::string out;
  for (char ch : internal::SanitizeUtf8(internal::OneLine(raw))) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == '#') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// Directive reasons run to the end of the line; only line breaks and controls need care.
std::string TapReason(std::string_view raw) {
  std::string out;
  for (char ch : internal::SanitizeUtf8(internal::OneLine(raw))) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7F) ? ' ' : ch;
  }
  return out;
}

std::string YamlQuoted(std::string_view raw) {
  std::string out = "\"";
  for (char ch : internal::SanitizeUtf8(raw)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\x%02X", c);
        } else {
          out += ch;
        }
    }
  }
  out += "\"";
  return out;
}

void YamlBlock(std::string& out, const CaseResult& c) {
  absl::StrAppend(&out, "  ---\n");
  absl::StrAppend(&out, "  message: ", YamlQuoted(c.message.empty() ? "failed" : c.message), "\n");
  absl::StrAppend(&out, "  severity: ", c.outcome == Outcome::kFailed ? "fail" : "todo", "\n");
  absl::StrAppend(&out, "  area: ", YamlQuoted(c.area), "\n");
  absl::StrAppend(&out, "  level: ", CaseLevelName(c.level), "\n");
  if (c.rule_ids.empty()) {
    absl::StrAppend(&out, "  rules: []\n");
  } else {
    absl::StrAppend(&out, "  rules:\n");
    for (const std::string& id : c.rule_ids) {
      absl::StrAppend(&out, "    - ", YamlQuoted(id), "\n");
    }
  }
  absl::StrAppend(&out, "  duration_ms: ", internal::SecondsToMillis(c.duration_seconds), "\n");
  if (!c.hint.empty()) {
    absl::StrAppend(&out, "  hint: ", YamlQuoted(c.hint), "\n");
  }
  if (!c.details.empty()) {
    absl::StrAppend(&out, "  details: |\n");
    // Literal block lines: tabs and controls are not allowed in YAML scalars' indentation, and
    // control characters nowhere; make them visible instead.
    for (absl::string_view line : absl::StrSplit(c.details, '\n')) {
      std::string clean;
      for (char ch : internal::SanitizeUtf8(std::string_view(line.data(), line.size()))) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '\t') {
          clean += "  ";
        } else if (u < 0x20 || u == 0x7F) {
          clean += absl::StrFormat("\\x%02X", u);
        } else {
          clean += ch;
        }
      }
      absl::StrAppend(&out, "    ", clean, "\n");
    }
  }
  absl::StrAppend(&out, "  ...\n");
}

}  // namespace

std::string RenderTap(const RunResults& run) {
  std::string out = "TAP version 14\n";
  absl::StrAppend(&out, "1..", run.cases.size(), "\n");
  int n = 0;
  for (const CaseResult& c : run.cases) {
    ++n;
    const std::string desc = TapDescription(c.name);
    switch (c.outcome) {
      case Outcome::kPassed:
        absl::StrAppend(&out, "ok ", n, " - ", desc, "\n");
        break;
      case Outcome::kFailed:
        absl::StrAppend(&out, "not ok ", n, " - ", desc, "\n");
        YamlBlock(out, c);
        break;
      case Outcome::kSkipped:
        absl::StrAppend(&out, "ok ", n, " - ", desc, " # SKIP ",
                        TapReason(c.message.empty() ? "skipped" : c.message), "\n");
        break;
      case Outcome::kExpectedFailure:
        absl::StrAppend(&out, "not ok ", n, " - ", desc, " # TODO expected failure",
                        c.message.empty() ? "" : ": ", TapReason(c.message), "\n");
        YamlBlock(out, c);
        break;
      case Outcome::kUnexpectedPass:
        absl::StrAppend(&out, "ok ", n, " - ", desc,
                        " # TODO unexpected pass: listed as known-failing, remove it from the "
                        "list\n");
        break;
    }
  }
  return out;
}

}  // namespace cloudstate::reports
