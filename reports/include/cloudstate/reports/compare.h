#pragma once
// Comparing two runs (`cloudstate-tck report --compare OLD_DIR NEW_DIR`).
//
//   CS_ASSIGN_OR_RETURN(Comparison cmp, CompareRuns(old_run, new_run));
//   std::cout << RenderComparisonText(cmp);
//   return HasRegressions(cmp) ? 1 : 0;

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "cloudstate/reports/results.h"

namespace cloudstate::reports {

struct CaseChange {
  std::string name{};
  std::string area{};
  Outcome old_outcome = Outcome::kPassed;  // meaningless for new cases
  Outcome new_outcome = Outcome::kPassed;  // meaningless for removed cases
  std::string message{};                   // the new run's message (the old one for removals)
};

struct Comparison {
  std::vector<CaseChange> regressions{};    // passed (or xpass) -> failed or xfail
  std::vector<CaseChange> fixes{};          // failed or xfail -> passed (or xpass)
  std::vector<CaseChange> new_cases{};      // only in the new run
  std::vector<CaseChange> removed_cases{};  // only in the old run
  std::vector<CaseChange> other_changes{};  // any other outcome change, e.g. passed -> skipped
  int unchanged = 0;
};

// Fails with InvalidArgument when a run names the same case twice.
absl::StatusOr<Comparison> CompareRuns(const RunResults& old_run, const RunResults& new_run);

bool HasRegressions(const Comparison& comparison);

// Human-readable, one line per change, grouped by kind, ending with a one-line verdict.
std::string RenderComparisonText(const Comparison& comparison);

// Reads OLD_DIR/results.json and NEW_DIR/results.json, prints the comparison to `out`.
// Exit codes: 0 no regression, 1 regressions found, 2 a run could not be read or compared.
inline constexpr int kCompareExitOk = 0;
inline constexpr int kCompareExitRegressions = 1;
inline constexpr int kCompareExitError = 2;
int RunCompareCommand(const std::string& old_dir, const std::string& new_dir, std::ostream& out);

}  // namespace cloudstate::reports
