#pragma once
// The spec rule registry: rules of spec/*.md identified by stable IDs such as "ES-012", and the
// machine-readable copy in spec/rules.tsv. TCK cases and reports refer to rules through this
// registry.
//
//   CS_ASSIGN_OR_RETURN(RuleRegistry registry, LoadRuleRegistry(path_to_rules_tsv));
//   const Rule* rule = registry.Find("ES-012");

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cloudstate {

struct Rule {
  std::string id;     // "ES-012"
  std::string level;  // "MUST", "SHOULD", "MAY" or "RETIRED"
  std::string area;   // file stem of the spec file, e.g. "eventsourced"
  std::string title;  // short title from the heading

  friend bool operator==(const Rule&, const Rule&) = default;
};

class RuleRegistry {
 public:
  RuleRegistry() = default;

  // Builds a registry, rejecting malformed or duplicate IDs, unknown levels, empty titles and IDs
  // whose prefix does not belong to their (known) area.
  static absl::StatusOr<RuleRegistry> FromRules(std::vector<Rule> rules);

  // nullptr when no rule has this ID.
  const Rule* Find(std::string_view id) const;
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  std::map<std::string, size_t, std::less<>> index_;
};

// True for AREA-NNN: upper-case letters, a dash and exactly three digits.
bool IsValidRuleId(std::string_view id);
// True for MUST, SHOULD, MAY and RETIRED.
bool IsValidRuleLevel(std::string_view level);
// The ID prefix of a spec area ("eventsourced" -> "ES"), or "" for an unknown area.
std::string_view RuleAreaPrefix(std::string_view area);
// The spec areas in registry order.
const std::vector<std::string>& RuleAreas();

// Parses the text of rules.tsv (header "id\tlevel\tarea\ttitle", one rule per row).
absl::StatusOr<std::vector<Rule>> ParseRulesTsv(std::string_view tsv_text);

// Reads and parses rules.tsv and builds the registry.
absl::StatusOr<RuleRegistry> LoadRuleRegistry(const std::string& tsv_path);

// Extracts the rules of one spec Markdown file. Every "### " heading outside fenced code blocks
// must be a rule heading "### <ID> · <LEVEL> · <title>" followed by normative text. Errors name the
// offending line.
absl::StatusOr<std::vector<Rule>> ParseSpecMarkdown(const std::string& markdown_text,
                                                    const std::string& area);

}  // namespace cloudstate
