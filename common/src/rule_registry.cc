#include "cloudstate/common/rule_registry.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"

namespace cloudstate {
namespace {

constexpr std::string_view kTsvHeader = "id\tlevel\tarea\ttitle";
// The separator between heading parts: space, U+00B7 MIDDLE DOT in UTF-8, space.
constexpr std::string_view kSeparator = " \xC2\xB7 ";
constexpr std::string_view kHeadingMarker = "### ";

struct AreaInfo {
  std::string_view area;
  std::string_view prefix;
};

constexpr AreaInfo kAreas[] = {
    {"discovery", "DISC"}, {"protocol", "PROT"}, {"eventsourced", "ES"},
    {"valueentity", "VE"}, {"crdt", "CRDT"},     {"action", "ACT"},
    {"eventing", "EVT"},   {"frontend", "FE"},   {"durability", "DUR"},
};

// The system abseil has its own string_view type, so this file sticks to std string helpers.

std::string_view Piece(std::string_view s) { return s; }
std::string Piece(size_t n) { return std::to_string(n); }

// Concatenates pieces into one message string.
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (out.append(Piece(parts)), ...);
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Splits text into lines, dropping a trailing '\r' so files with CRLF endings parse the same.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines = Split(text, '\n');
  for (auto& line : lines) {
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
  }
  return lines;
}

absl::Status CheckRule(const Rule& rule, std::string_view where) {
  if (!IsValidRuleId(rule.id)) {
    return absl::InvalidArgumentError(
        Cat(where, ": malformed rule id '", rule.id, "' (expected AREA-NNN)"));
  }
  if (!IsValidRuleLevel(rule.level)) {
    return absl::InvalidArgumentError(Cat(where, ": rule ", rule.id, " has unknown level '",
                                          rule.level,
                                          "' (expected MUST, SHOULD, MAY, ROBUSTNESS or RETIRED)"));
  }
  if (rule.title.empty() || IsBlank(rule.title.substr(0, 1)) ||
      IsBlank(rule.title.substr(rule.title.size() - 1))) {
    return absl::InvalidArgumentError(
        Cat(where, ": rule ", rule.id, " has an empty or padded title"));
  }
  if (rule.title.find('\t') != std::string::npos) {
    return absl::InvalidArgumentError(Cat(where, ": rule ", rule.id, " has a tab in its title"));
  }
  const std::string_view prefix = RuleAreaPrefix(rule.area);
  if (!prefix.empty() && !rule.id.starts_with(Cat(prefix, "-"))) {
    return absl::InvalidArgumentError(
        Cat(where, ": rule ", rule.id, " in area ", rule.area, " must use prefix ", prefix, "-"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidRuleId(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || id.size() != dash + 4) {
    return false;
  }
  for (size_t i = 0; i < dash; ++i) {
    if (id[i] < 'A' || id[i] > 'Z') {
      return false;
    }
  }
  for (size_t i = dash + 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9') {
      return false;
    }
  }
  return true;
}

bool IsValidRuleLevel(std::string_view level) {
  return level == "MUST" || level == "SHOULD" || level == "MAY" || level == "ROBUSTNESS" ||
         level == "RETIRED";
}

std::string_view RuleAreaPrefix(std::string_view area) {
  for (const auto& info : kAreas) {
    if (info.area == area) {
      return info.prefix;
    }
  }
  return {};
}

const std::vector<std::string>& RuleAreas() {
  static const auto* const areas = [] {
    auto* out = new std::vector<std::string>();
    for (const auto& info : kAreas) {
      out->emplace_back(info.area);
    }
    return out;
  }();
  return *areas;
}

absl::StatusOr<RuleRegistry> RuleRegistry::FromRules(std::vector<Rule> rules) {
  RuleRegistry registry;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    absl::Status status = CheckRule(rule, Cat("rule #", i + 1));
    if (!status.ok()) {
      return status;
    }
    if (!registry.index_.emplace(rule.id, i).second) {
      return absl::InvalidArgumentError(Cat("duplicate rule id ", rule.id));
    }
  }
  registry.rules_ = std::move(rules);
  return registry;
}

const Rule* RuleRegistry::Find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &rules_[it->second];
}

absl::StatusOr<std::vector<Rule>> ParseRulesTsv(std::string_view tsv_text) {
  std::vector<std::string_view> lines = Lines(tsv_text);
  // A final newline leaves one empty element behind; blank lines elsewhere are errors.
  while (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  if (lines.empty() || lines[0] != kTsvHeader) {
    return absl::InvalidArgumentError(
        "rules.tsv: first line must be the header 'id<TAB>level<TAB>area<TAB>title'");
  }
  std::vector<Rule> rules;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string where = Cat("rules.tsv line ", i + 1);
    const std::vector<std::string_view> fields = Split(lines[i], '\t');
    if (fields.size() != 4) {
      return absl::InvalidArgumentError(
          Cat(where, ": expected 4 tab-separated fields, got ", fields.size()));
    }
    Rule rule{std::string(fields[0]), std::string(fields[1]), std::string(fields[2]),
              std::string(fields[3])};
    if (RuleAreaPrefix(rule.area).empty()) {
      return absl::InvalidArgumentError(Cat(where, ": unknown area '", rule.area, "'"));
    }
    absl::Status status = CheckRule(rule, where);
    if (!status.ok()) {
      return status;
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

absl::StatusOr<RuleRegistry> LoadRuleRegistry(const std::string& tsv_path) {
  std::ifstream in(tsv_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(Cat("cannot open rule registry ", tsv_path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto rules = ParseRulesTsv(text.str());
  if (!rules.ok()) {
    const auto message = rules.status().message();
    return absl::Status(rules.status().code(),
                        Cat(tsv_path, ": ", std::string_view(message.data(), message.size())));
  }
  return RuleRegistry::FromRules(*std::move(rules));
}

absl::StatusOr<std::vector<Rule>> ParseSpecMarkdown(const std::string& markdown_text,
                                                    const std::string& area) {
  const std::vector<std::string_view> lines = Lines(markdown_text);
  std::vector<Rule> rules;
  std::map<std::string, size_t, std::less<>> seen;  // id -> line number of first heading
  bool in_code_block = false;
  bool awaiting_text = false;  // last rule heading has no normative text yet
  size_t last_heading_line = 0;

  auto missing_text = [&]() {
    return absl::InvalidArgumentError(Cat(area, ".md line ", last_heading_line, ": rule ",
                                          rules.back().id, " has no normative text"));
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const size_t line_no = i + 1;
    if (line.starts_with("```")) {
      in_code_block = !in_code_block;
      continue;
    }
    if (in_code_block) {
      continue;
    }
    if (line.starts_with('#')) {
      // Any heading ends the previous rule's body.
      if (awaiting_text) {
        return missing_text();
      }
      if (!line.starts_with(kHeadingMarker)) {
        continue;  // '#' and '##' headings only group rules
      }
      const std::string where = Cat(area, ".md line ", line_no);
      // ID and level never contain the separator; the title may.
      const std::string_view rest = line.substr(kHeadingMarker.size());
      const size_t first = rest.find(kSeparator);
      const size_t second = first == std::string_view::npos
                                ? std::string_view::npos
                                : rest.find(kSeparator, first + kSeparator.size());
      if (second == std::string_view::npos) {
        return absl::InvalidArgumentError(
            Cat(where,
                ": rule heading must be '### <ID> \xC2\xB7 <LEVEL> \xC2\xB7 "
                "<title>', got '",
                line, "'"));
      }
      Rule rule{
          std::string(rest.substr(0, first)),
          std::string(rest.substr(first + kSeparator.size(), second - first - kSeparator.size())),
          area, std::string(rest.substr(second + kSeparator.size()))};
      absl::Status status = CheckRule(rule, where);
      if (!status.ok()) {
        return status;
      }
      auto [it, inserted] = seen.emplace(rule.id, line_no);
      if (!inserted) {
        return absl::InvalidArgumentError(
            Cat(where, ": duplicate rule id ", rule.id, " (first at line ", it->second, ")"));
      }
      rules.push_back(std::move(rule));
      awaiting_text = true;
      last_heading_line = line_no;
      continue;
    }
    if (awaiting_text && !IsBlank(line)) {
      if (line.starts_with("Rationale:")) {
        return missing_text();
      }
      awaiting_text = false;
    }
  }
  if (in_code_block) {
    return absl::InvalidArgumentError(Cat(area, ".md: unterminated code block"));
  }
  if (awaiting_text) {
    return missing_text();
  }
  return rules;
}

}  // namespace cloudstate
