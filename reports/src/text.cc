#include "text.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cloudstate::reports::internal {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at in[i], or 0 when it is invalid.
size_t ValidSequenceLength(std::string_view in, size_t i) {
  const auto b0 = static_cast<unsigned char>(in[i]);
  if (b0 < 0x80) {
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > in.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(in[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

bool IsXmlForbiddenControl(unsigned char c) {
  return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

// Shared XML/HTML escaper; `attr` additionally encodes whitespace controls and quotes.
std::string MarkupEscape(std::string_view raw, bool attr) {
  const std::string in = SanitizeUtf8(raw);
  std::string out;
  out.reserve(in.size() + 16);
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&#39;";
        continue;
      default:
        break;
    }
    if (IsXmlForbiddenControl(c) || c == 0x7F) {
      out += absl::StrFormat("\\x%02X", c);
      continue;
    }
    if (attr && (c == '\t' || c == '\n' || c == '\r')) {
      out += absl::StrFormat("&#%d;", c);
      continue;
    }
    // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters either.
    if (c == 0xEF && i + 2 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(in[i + 2]) == 0xBE ||
         static_cast<unsigned char>(in[i + 2]) == 0xBF)) {
      out += static_cast<unsigned char>(in[i + 2]) == 0xBE ? "\\uFFFE" : "\\uFFFF";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

std::string SanitizeUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    const size_t len = ValidSequenceLength(in, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(in.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string XmlEscapeText(std::string_view in) { return MarkupEscape(in, /*attr=*/false); }
std::string XmlEscapeAttr(std::string_view in) { return MarkupEscape(in, /*attr=*/true); }
std::string HtmlEscape(std::string_view in) { return MarkupEscape(in, /*attr=*/false); }

std::string OneLine(std::string_view in) {
  std::string out;
  bool pending_space = false;
  for (char ch : in) {
    if (ch == '\n' || ch == '\r' || ch == '\t') {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) {
      out += ' ';
    }
    pending_space = false;
    out += ch;
  }
  return out;
}

std::string MarkdownInline(std::string_view raw) {
  const std::string in = SanitizeUtf8(OneLine(raw));
  std::string out;
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
      case '~':
        out += '\\';
        out += ch;
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += absl::StrFormat("\\\\x%02X", c);
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    seconds = 0;
  }
  return absl::StrFormat("%.3f", seconds);
}

int64_t SecondsToMillis(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return 0;
  }
  return static_cast<int64_t>(std::llround(seconds * 1000.0));
}

int64_t Rfc3339ToEpochMillis(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) {
    t = absl::Now();
  }
  return absl::ToUnixMillis(t);
}

std::string JUnitTimestamp(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) {
    t = absl::Now();
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S", t, absl::UTCTimeZone());
}

std::string JoinRuleIds(const std::vector<std::string>& ids) { return absl::StrJoin(ids, ", "); }

std::vector<std::string> AreasInOrder(const RunResults& run) {
  static const std::vector<std::string> kSpecOrder = {"discovery",   "protocol",     "action",
                                                      "valueentity", "eventsourced", "crdt"};
  std::set<std::string> present;
  for (const auto& c : run.cases) {
    present.insert(c.area);
  }
  std::vector<std::string> out;
  for (const auto& a : kSpecOrder) {
    if (present.erase(a) > 0) {
      out.push_back(a);
    }
  }
  out.insert(out.end(), present.begin(), present.end());
  return out;
}

}  // namespace cloudstate::reports::internal
