#include "cloudstate/reports/verdict.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace cloudstate::reports {

const char* ConformanceLevelName(ConformanceLevel level) {
  switch (level) {
    case ConformanceLevel::kFull:
      return "full";
    case ConformanceLevel::kRequired:
      return "required";
    case ConformanceLevel::kNone:
      return "none";
  }
  return "none";
}

const char* RobustnessLevelName(RobustnessLevel level) {
  switch (level) {
    case RobustnessLevel::kNotRun:
      return "not run";
    case RobustnessLevel::kPassed:
      return "passed";
    case RobustnessLevel::kFailed:
      return "failed";
  }
  return "not run";
}

void Counts::Add(Outcome outcome) {
  ++total;
  switch (outcome) {
    case Outcome::kPassed:
      ++passed;
      break;
    case Outcome::kFailed:
      ++failed;
      break;
    case Outcome::kSkipped:
      ++skipped;
      break;
    case Outcome::kExpectedFailure:
      ++expected_failures;
      break;
    case Outcome::kUnexpectedPass:
      ++unexpected_passes;
      break;
  }
}

bool CasePassed(const CaseResult& c) {
  return c.outcome == Outcome::kPassed || c.outcome == Outcome::kUnexpectedPass;
}

bool ChecksMustRule(const CaseResult& c, const std::vector<RuleInfo>& rules) {
  if (c.level == CaseLevel::kRobustness) {
    return false;
  }
  if (c.level == CaseLevel::kRequired) {
    return true;
  }
  for (const std::string& id : c.rule_ids) {
    for (const RuleInfo& r : rules) {
      if (r.id == id && absl::AsciiStrToUpper(r.level) == "MUST") {
        return true;
      }
    }
  }
  return false;
}

std::string AreaOfEntityType(std::string_view entity_type) {
  const std::string lower = absl::AsciiStrToLower(std::string(entity_type));
  // Known protocol 0.2 entity types, matched on their package so that short and full names work.
  static const std::vector<std::pair<std::string, std::string>> kKnown = {
      {"eventsourced", "eventsourced"}, {"crdt", "crdt"},     {"valueentity", "valueentity"},
      {"value_entity", "valueentity"},  {"action", "action"}, {"function", "action"}};
  std::vector<std::string> parts = absl::StrSplit(lower, '.');
  // "cloudstate.<package>.<Service>": the package names the area.
  if (parts.size() >= 3) {
    for (const auto& [needle, area] : kKnown) {
      if (parts[1] == needle) {
        return area;
      }
    }
    return parts[1];
  }
  for (const auto& [needle, area] : kKnown) {
    if (lower.find(needle) != std::string::npos) {
      return area;
    }
  }
  return lower;
}

bool IsEntityTypeArea(std::string_view area) {
  return area == "action" || area == "valueentity" || area == "eventsourced" || area == "crdt";
}

Verdict ComputeVerdict(const RunResults& run, const std::vector<RuleInfo>& rules) {
  Verdict v;
  std::set<std::string> gating;
  // A proxy-suite run (configuration "suite" = "proxy") judges the proxy through its own cases;
  // the function's declared entity types are context there, not areas the run must cover.
  const auto suite = run.configuration.find("suite");
  const bool proxy_suite = suite != run.configuration.end() && suite->second == "proxy";
  if (!proxy_suite) {
    for (const std::string& t : run.sut.declared_entity_types) {
      gating.insert(AreaOfEntityType(t));
    }
  }
  for (const CaseResult& c : run.cases) {
    if (!IsEntityTypeArea(c.area) && c.level != CaseLevel::kRobustness) {
      gating.insert(c.area);
    }
  }
  // Per area: whether all MUST cases / all cases passed.
  std::map<std::string, std::pair<bool, bool>> ok;  // area -> {all_must_passed, all_passed}
  for (const CaseResult& c : run.cases) {
    v.by_case_level[CaseLevelName(c.level)].Add(c.outcome);
    if (c.level == CaseLevel::kRobustness) {
      v.robustness_counts.Add(c.outcome);
      if (c.outcome != Outcome::kSkipped) {
        const bool failed = c.outcome == Outcome::kFailed || c.outcome == Outcome::kExpectedFailure;
        if (failed) {
          v.robustness = RobustnessLevel::kFailed;
        } else if (v.robustness == RobustnessLevel::kNotRun) {
          v.robustness = RobustnessLevel::kPassed;
        }
      }
      continue;
    }
    v.counts.Add(c.outcome);
    AreaVerdict& a = v.areas[c.area];
    a.area = c.area;
    a.counts.Add(c.outcome);
    auto [it, inserted] = ok.try_emplace(c.area, true, true);
    const bool passed = CasePassed(c);
    if (ChecksMustRule(c, rules)) {
      a.required_counts.Add(c.outcome);
      it->second.first = it->second.first && passed;
    }
    it->second.second = it->second.second && passed;
  }
  for (const std::string& area : gating) {
    AreaVerdict& a = v.areas[area];
    a.area = area;
    a.gating = true;
  }
  for (auto& [area, a] : v.areas) {
    auto it = ok.find(area);
    if (it == ok.end()) {
      a.level = ConformanceLevel::kNone;
    } else if (it->second.second) {
      a.level = ConformanceLevel::kFull;
    } else if (it->second.first) {
      a.level = ConformanceLevel::kRequired;
    } else {
      a.level = ConformanceLevel::kNone;
    }
  }
  v.gating_areas.assign(gating.begin(), gating.end());
  if (v.gating_areas.empty()) {
    v.level = ConformanceLevel::kNone;
  } else {
    v.level = ConformanceLevel::kFull;
    for (const std::string& area : v.gating_areas) {
      v.level = std::min(v.level, v.areas[area].level);
    }
  }
  return v;
}

}  // namespace cloudstate::reports
