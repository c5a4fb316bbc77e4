#pragma once
// The conformance verdict of a run: counts per area and per case level, and the conformance level
// reached. Badge, summary.json, HTML and Markdown all state the level computed here.
//
//   Verdict verdict = ComputeVerdict(run, rules);
//   std::cout << ConformanceLevelName(verdict.level);  // "full", "required" or "none"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cloudstate/reports/results.h"

namespace cloudstate::reports {

enum class ConformanceLevel {
  kNone,      // some case checking a MUST rule did not pass (or nothing was checked)
  kRequired,  // every case checking a MUST rule passed
  kFull,      // every case passed
};

const char* ConformanceLevelName(ConformanceLevel level);  // "none", "required", "full"

struct Counts {
  int total = 0;
  int passed = 0;             // Outcome::kPassed
  int failed = 0;             // Outcome::kFailed
  int skipped = 0;            // Outcome::kSkipped
  int expected_failures = 0;  // Outcome::kExpectedFailure
  int unexpected_passes = 0;  // Outcome::kUnexpectedPass

  void Add(Outcome outcome);
  // Cases whose checks held: passed plus unexpected passes.
  int Succeeded() const { return passed + unexpected_passes; }
};

struct AreaVerdict {
  std::string area{};
  Counts counts;
  Counts required_counts;  // only the cases checking a MUST rule
  ConformanceLevel level = ConformanceLevel::kNone;
  bool gating = false;  // whether this area decides the overall level
};

// The separate verdict of the robustness cases (inputs no conforming peer sends).
enum class RobustnessLevel {
  kNotRun,  // the run had no robustness case (or all were skipped)
  kPassed,  // every robustness case that ran passed
  kFailed,  // some robustness case failed: a crash, a hang or an answer as if the input were valid
};

const char* RobustnessLevelName(RobustnessLevel level);  // "not run", "passed", "failed"

struct Verdict {
  Counts counts;             // required and optional cases (the conformance level's cases)
  Counts robustness_counts;  // robustness cases, counted apart
  RobustnessLevel robustness = RobustnessLevel::kNotRun;
  std::map<std::string, AreaVerdict> areas{};     // every area that has cases or gates
  std::map<std::string, Counts> by_case_level{};  // "required", "optional"
  std::vector<std::string> gating_areas{};        // sorted
  ConformanceLevel level = ConformanceLevel::kNone;
};

// A case "checks a MUST rule" when its level is kRequired or any of its rule ids is a MUST rule;
// a robustness case never does (its rules are ROBUSTNESS rules, judged apart).
bool ChecksMustRule(const CaseResult& c, const std::vector<RuleInfo>& rules);

// Whether the case's checks held (kPassed or kUnexpectedPass). Skips and expected failures did not.
bool CasePassed(const CaseResult& c);

// Maps a declared entity type to its spec area: "cloudstate.eventsourced.EventSourced" ->
// "eventsourced", "cloudstate.crdt.Crdt" -> "crdt", "cloudstate.action.ActionProtocol" -> "action",
// "cloudstate.valueentity.ValueEntity" -> "valueentity"; a bare name is lower-cased.
std::string AreaOfEntityType(std::string_view entity_type);

// Areas that exist only for a particular entity type; all other areas (discovery, ...) apply to
// every function under test.
bool IsEntityTypeArea(std::string_view area);

// Rules of the level computation:
//  - per area: `required` when every case checking a MUST rule passed, `full` when every case
//    passed, `none` otherwise; an area without cases is `none` (nothing shows it conforms);
//  - gating areas: the areas of the SUT's declared entity types, plus every area of the run that
//    is not tied to an entity type (e.g. discovery);
//  - overall: the lowest level among gating areas; `none` when there is no gating area;
//  - robustness cases count for neither: they have their own verdict (`robustness`) and counts.
Verdict ComputeVerdict(const RunResults& run, const std::vector<RuleInfo>& rules);

}  // namespace cloudstate::reports
