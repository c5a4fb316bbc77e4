#pragma once
// Private text helpers shared by the writers: UTF-8 repair, escaping per target language,
// number and time formatting.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/reports/results.h"

namespace cloudstate::reports::internal {

// Replaces every invalid UTF-8 sequence with U+FFFD, so that strict consumers (XML parsers,
// JSON dumpers) never reject a report because a peer sent odd bytes.
std::string SanitizeUtf8(std::string_view in);

// XML 1.0 text/attribute escaping. Characters XML 1.0 forbids (C0 controls except tab, LF, CR;
// U+FFFE, U+FFFF) become the visible text "\xNN" / "\uFFFE". In attributes, tab/LF/CR are written
// as character references so that attribute normalisation does not eat them.
std::string XmlEscapeText(std::string_view in);
std::string XmlEscapeAttr(std::string_view in);

// HTML escaping (text and attribute values), with the same control character replacement.
std::string HtmlEscape(std::string_view in);

// A Markdown table cell / inline text: one line, Markdown and HTML metacharacters neutralised.
std::string MarkdownInline(std::string_view in);

// Collapses CR/LF/tab runs into single spaces (for one-line fields).
std::string OneLine(std::string_view in);

// "0.004" style seconds with millisecond precision.
std::string FormatSeconds(double seconds);
int64_t SecondsToMillis(double seconds);

// Epoch milliseconds of an RFC 3339 time; `fallback_now` when it does not parse.
int64_t Rfc3339ToEpochMillis(const std::string& rfc3339);
// "YYYY-MM-DDTHH:MM:SS" in UTC (the JUnit timestamp form, no zone), from RFC 3339.
std::string JUnitTimestamp(const std::string& rfc3339);

std::string JoinRuleIds(const std::vector<std::string>& ids);

// Orders areas as the spec does (discovery first), unknown areas alphabetically after.
std::vector<std::string> AreasInOrder(const RunResults& run);

}  // namespace cloudstate::reports::internal
