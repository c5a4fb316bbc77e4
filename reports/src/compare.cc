#include "cloudstate/reports/compare.h"

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"

#include "cloudstate/reports/writers.h"

namespace cloudstate::reports {
namespace {

bool IsPass(Outcome o) { return o == Outcome::kPassed || o == Outcome::kUnexpectedPass; }
bool IsFail(Outcome o) { return o == Outcome::kFailed || o == Outcome::kExpectedFailure; }

absl::StatusOr<std::map<std::string, const CaseResult*>> Index(const RunResults& run,
                                                               const char* which) {
  std::map<std::string, const CaseResult*> out;
  for (const CaseResult& c : run.cases) {
    if (!out.emplace(c.name, &c).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ", which, " run names case \"", c.name, "\" twice"));
    }
  }
  return out;
}

void Section(std::string& out, const char* title, const std::vector<CaseChange>& changes,
             bool show_transition) {
  if (changes.empty()) {
    return;
  }
  absl::StrAppend(&out, title, " (", changes.size(), "):\n");
  for (const CaseChange& c : changes) {
    absl::StrAppend(&out, "  ", c.name, " [", c.area, "]");
    if (show_transition) {
      absl::StrAppend(&out, " ", OutcomeName(c.old_outcome), " -> ", OutcomeName(c.new_outcome));
    }
    if (!c.message.empty()) {
      absl::StrAppend(&out, ": ", c.message);
    }
    absl::StrAppend(&out, "\n");
  }
}

}  // namespace

absl::StatusOr<Comparison> CompareRuns(const RunResults& old_run, const RunResults& new_run) {
  auto old_index = Index(old_run, "old");
  if (!old_index.ok()) {
    return old_index.status();
  }
  auto new_index = Index(new_run, "new");
  if (!new_index.ok()) {
    return new_index.status();
  }
  Comparison cmp;
  // Walk the new run in its order, then the removals in the old run's order.
  for (const CaseResult& n : new_run.cases) {
    CaseChange ch{.name = n.name, .area = n.area, .new_outcome = n.outcome, .message = n.message};
    auto it = old_index->find(n.name);
    if (it == old_index->end()) {
      cmp.new_cases.push_back(std::move(ch));
      continue;
    }
    ch.old_outcome = it->second->outcome;
    if (ch.old_outcome == ch.new_outcome) {
      ++cmp.unchanged;
    } else if (IsPass(ch.old_outcome) && IsFail(ch.new_outcome)) {
      cmp.regressions.push_back(std::move(ch));
    } else if (IsFail(ch.old_outcome) && IsPass(ch.new_outcome)) {
      cmp.fixes.push_back(std::move(ch));
    } else {
      cmp.other_changes.push_back(std::move(ch));
    }
  }
  for (const CaseResult& o : old_run.cases) {
    if (!new_index->contains(o.name)) {
      cmp.removed_cases.push_back(
          {.name = o.name, .area = o.area, .old_outcome = o.outcome, .message = ""});
    }
  }
  return cmp;
}

bool HasRegressions(const Comparison& comparison) { return !comparison.regressions.empty(); }

std::string RenderComparisonText(const Comparison& cmp) {
  std::string out;
  Section(out, "Regressions", cmp.regressions, true);
  Section(out, "Fixes", cmp.fixes, true);
  Section(out, "Other changes", cmp.other_changes, true);
  Section(out, "New cases", cmp.new_cases, false);
  Section(out, "Removed cases", cmp.removed_cases, false);
  absl::StrAppend(&out, cmp.regressions.size(), " regressions, ", cmp.fixes.size(), " fixes, ",
                  cmp.new_cases.size(), " new, ", cmp.removed_cases.size(), " removed, ",
                  cmp.other_changes.size(), " other changes, ", cmp.unchanged, " unchanged\n");
  return out;
}

int RunCompareCommand(const std::string& old_dir, const std::string& new_dir, std::ostream& out) {
  auto old_run = ReadResultsJson((std::filesystem::path(old_dir) / "results.json").string());
  if (!old_run.ok()) {
    out << "error: " << old_run.status().message() << "\n";
    return kCompareExitError;
  }
  auto new_run = ReadResultsJson((std::filesystem::path(new_dir) / "results.json").string());
  if (!new_run.ok()) {
    out << "error: " << new_run.status().message() << "\n";
    return kCompareExitError;
  }
  auto cmp = CompareRuns(*old_run, *new_run);
  if (!cmp.ok()) {
    out << "error: " << cmp.status().message() << "\n";
    return kCompareExitError;
  }
  out << "Comparing " << old_dir << " (" << old_run->kit_version << ", " << old_run->started_at
      << ") with " << new_dir << " (" << new_run->kit_version << ", " << new_run->started_at
      << ")\n";
  out << RenderComparisonText(*cmp);
  return HasRegressions(*cmp) ? kCompareExitRegressions : kCompareExitOk;
}

}  // namespace cloudstate::reports
