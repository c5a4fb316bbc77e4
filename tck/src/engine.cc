#include "cloudstate/tck/engine.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include "cloudstate/common/rule_registry.h"
#include "cloudstate/reports/verdict.h"
#include "cloudstate/reports/writers.h"
#include "cloudstate/tck/known_failing.h"
#include "cloudstate/tck/runner.h"

#ifndef CS_DEFAULT_SPEC_DIR
#define CS_DEFAULT_SPEC_DIR "spec"
#endif
#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::tck {

namespace reports = ::cloudstate::reports;
using reports::Outcome;

bool MatchesPattern(std::string_view name, std::string_view pattern) {
  std::string p(pattern);
  if (p.find_first_of("*?[") != std::string::npos) {
    return fnmatch(p.c_str(), std::string(name).c_str(), 0) == 0;
  }
  return name.find(pattern) != std::string_view::npos;
}

bool Selected(const CaseSpec& spec, const std::vector<std::string>& filters,
              const std::vector<std::string>& excludes) {
  if (!filters.empty() && std::none_of(filters.begin(), filters.end(), [&](const std::string& f) {
        return MatchesPattern(spec.name, f);
      })) {
    return false;
  }
  return std::none_of(excludes.begin(), excludes.end(),
                      [&](const std::string& e) { return MatchesPattern(spec.name, e); });
}

void ClassifyKnownFailing(const std::map<std::string, std::string>& known_failing,
                          reports::CaseResult& r) {
  auto it = known_failing.find(r.name);
  if (it == known_failing.end()) {
    return;
  }
  if (r.outcome == Outcome::kFailed) {
    r.outcome = Outcome::kExpectedFailure;
    r.message = absl::StrCat("known failing", it->second.empty() ? "" : " (" + it->second + ")",
                             ": ", r.message);
  } else if (r.outcome == Outcome::kPassed) {
    r.outcome = Outcome::kUnexpectedPass;
    r.message = "listed as known failing but passed: remove it from the known-failing list";
  }
}

std::string ClosingLine(const reports::RunResults& results) {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  for (const auto& c : results.cases) {
    switch (c.outcome) {
      case Outcome::kPassed:
        ++passed;
        break;
      case Outcome::kFailed:
      case Outcome::kUnexpectedPass:
        ++failed;
        break;
      case Outcome::kSkipped:
        ++skipped;
        break;
      case Outcome::kExpectedFailure:
        break;
    }
  }
  return absl::StrCat(passed, " passed, ", failed, " failed, ", skipped, " skipped");
}

int VerdictExitCode(const reports::RunResults& results) {
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kUnexpectedPass) {
      return kExitFailed;
    }
    if (c.outcome == Outcome::kFailed && c.level == reports::CaseLevel::kRequired) {
      return kExitFailed;
    }
  }
  return kExitPassed;
}

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "unknown";
  }
  return buf;
}

std::string RunId() {
  std::random_device rd;
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (int i = 0; i < 6; ++i) {
    id += kAlphabet[rd() % 36];
  }
  return id;
}

std::string IndentLines(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    absl::StrAppend(&out, prefix, text.substr(start, end - start), "\n");
    start = end + 1;
  }
  return out;
}

std::vector<reports::RuleInfo> LoadRules(const std::string& spec_dir, std::ostream& out,
                                         std::vector<std::string>* known_ids) {
  std::vector<std::string> candidates;
  if (!spec_dir.empty()) {
    candidates.push_back(spec_dir);
  } else {
    candidates = {CS_DEFAULT_SPEC_DIR, "spec"};
  }
  for (const auto& dir : candidates) {
    std::string path = (std::filesystem::path(dir) / "rules.tsv").string();
    if (!std::filesystem::exists(path)) {
      continue;
    }
    auto registry = cloudstate::LoadRuleRegistry(path);
    if (!registry.ok()) {
      out << "warning: cannot load " << path << ": " << registry.status().message() << "\n";
      return {};
    }
    std::vector<reports::RuleInfo> rules;
    for (const auto& r : registry->rules()) {
      rules.push_back({.id = r.id, .level = r.level, .area = r.area, .title = r.title});
      if (known_ids != nullptr) {
        known_ids->push_back(r.id);
      }
    }
    return rules;
  }
  if (!spec_dir.empty()) {
    out << "warning: no rules.tsv in " << spec_dir << "; reports carry no rule titles\n";
  }
  return {};
}

namespace {

struct Palette {
  bool on = false;
  std::string Wrap(std::string_view text, const char* code) const {
    if (!on) {
      return std::string(text);
    }
    return absl::StrCat("\033[", code, "m", std::string(text), "\033[0m");
  }
};

std::string OutcomeLabel(Outcome o, const Palette& p) {
  switch (o) {
    case Outcome::kPassed:
      return p.Wrap("PASS ", "32");
    case Outcome::kFailed:
      return p.Wrap("FAIL ", "31;1");
    case Outcome::kSkipped:
      return p.Wrap("SKIP ", "33");
    case Outcome::kExpectedFailure:
      return p.Wrap("XFAIL", "35");
    case Outcome::kUnexpectedPass:
      return p.Wrap("XPASS", "31;1");
  }
  return "?";
}

void PrintSkipReasons(const reports::RunResults& results, std::ostream& out) {
  std::map<std::string, int> skip_reasons;
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kSkipped) {
      ++skip_reasons[c.message];
    }
  }
  for (const auto& [reason, n] : skip_reasons) {
    out << "skipped " << n << ": " << reason << "\n";
  }
}

void PrintAreaSummary(const reports::RunResults& results, std::ostream& out) {
  struct Row {
    int passed = 0, failed = 0, skipped = 0, xfail = 0, xpass = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Row> rows;
  Row total;
  for (const auto& c : results.cases) {
    if (!rows.count(c.area)) {
      order.push_back(c.area);
    }
    Row& r = rows[c.area];
    switch (c.outcome) {
      case Outcome::kPassed:
        ++r.passed;
        ++total.passed;
        break;
      case Outcome::kFailed:
        ++r.failed;
        ++total.failed;
        break;
      case Outcome::kSkipped:
        ++r.skipped;
        ++total.skipped;
        break;
      case Outcome::kExpectedFailure:
        ++r.xfail;
        ++total.xfail;
        break;
      case Outcome::kUnexpectedPass:
        ++r.xpass;
        ++total.xpass;
        break;
    }
  }
  out << "\n"
      << absl::StrFormat("%-14s %7s %7s %8s %6s %6s\n", "area", "passed", "failed", "skipped",
                         "xfail", "xpass");
  for (const auto& area : order) {
    const Row& r = rows[area];
    out << absl::StrFormat("%-14s %7d %7d %8d %6d %6d\n", area, r.passed, r.failed, r.skipped,
                           r.xfail, r.xpass);
  }
  out << absl::StrFormat("%-14s %7d %7d %8d %6d %6d\n", "total", total.passed, total.failed,
                         total.skipped, total.xfail, total.xpass);
  PrintSkipReasons(results, out);
  if (total.xfail > 0 || total.xpass > 0) {
    out << total.xfail << " expected failures, " << total.xpass
        << " unexpected passes (listed as known failing)\n";
  }
  int optional_failed = 0;
  int robustness_failed = 0;
  int robustness_run = 0;
  int robustness_passed = 0;
  for (const auto& c : results.cases) {
    if (c.outcome == Outcome::kFailed && c.level == reports::CaseLevel::kOptional) {
      ++optional_failed;
    }
    if (c.level == reports::CaseLevel::kRobustness && c.outcome != Outcome::kSkipped) {
      ++robustness_run;
      robustness_failed += c.outcome == Outcome::kFailed ? 1 : 0;
      robustness_passed += reports::CasePassed(c) ? 1 : 0;
    }
  }
  if (optional_failed > 0) {
    out << optional_failed << " of the failures are optional cases (SHOULD/MAY rules; warnings)\n";
  }
  if (robustness_failed > 0) {
    out << robustness_failed
        << " of the failures are robustness cases (inputs no conforming proxy sends; reported "
           "apart, not part of the required verdict)\n";
  }
  if (robustness_run > 0) {
    out << "robustness: " << robustness_passed << "/" << robustness_run << " passed\n";
  }
}

reports::CaseResult ResultFor(const CaseSpec& c) {
  return reports::CaseResult{.name = c.name,
                             .area = c.area,
                             .rule_ids = c.rule_ids,
                             .level = c.level,
                             .description = c.description,
                             .hint = c.hint};
}

void WriteReports(const reports::RunResults& results, const std::vector<reports::RuleInfo>& rules,
                  const std::string& report_dir, std::ostream& out) {
  if (report_dir.empty()) {
    return;
  }
  auto status = reports::WriteAllReports(results, rules, report_dir);
  if (!status.ok()) {
    out << "error: writing reports: " << status.message() << "\n";
  } else {
    out << "reports written to " << report_dir << "\n";
  }
}

}  // namespace

RunOutcome RunPipeline(Suite suite, Target& target, const PipelineOptions& options,
                       std::ostream& out) {
  RunOutcome outcome;
  const auto run_start = std::chrono::steady_clock::now();
  const Palette palette{.on = options.color};
  auto& results = outcome.results;
  results.kit_version = CS_KIT_VERSION;
  results.started_at = NowRfc3339();
  results.host = HostName();
  results.configuration = options.configuration;
  target.Configure(results.configuration);
  const CaseRegistry& registry = CaseRegistry::Global();

  // Known-failing list and rules.
  std::map<std::string, std::string> known_failing;
  if (!options.known_failing_file.empty()) {
    auto parsed = LoadKnownFailing(options.known_failing_file);
    if (!parsed.ok()) {
      out << "error: " << parsed.status().message() << "\n";
      return outcome;
    }
    known_failing = std::move(*parsed);
    for (const auto& [name, reason] : known_failing) {
      const CaseSpec* listed = registry.Find(name);
      if (listed == nullptr || listed->suite != suite) {
        out << "warning: known-failing case " << name << " does not exist\n";
      }
    }
  }
  std::vector<std::string> known_rule_ids;
  std::vector<reports::RuleInfo> rules = LoadRules(options.spec_dir, out, &known_rule_ids);
  for (const auto& problem : registry.Validate()) {
    out << "warning: " << problem << "\n";
  }

  // Selection.
  std::vector<const CaseSpec*> cases;
  for (const auto* spec : registry.Sorted(suite)) {
    if (Selected(*spec, options.filters, options.excludes)) {
      cases.push_back(spec);
      if (!known_rule_ids.empty()) {
        for (const auto& id : spec->rule_ids) {
          if (std::find(known_rule_ids.begin(), known_rule_ids.end(), id) == known_rule_ids.end()) {
            out << "warning: case " << spec->name << " names unknown rule " << id << "\n";
          }
        }
      }
    }
  }

  // The target.
  if (absl::Status started = target.Start(cases.size(), results, out); !started.ok()) {
    out << "error: " << started.message() << "\n";
    for (const auto* c : cases) {
      reports::CaseResult r = ResultFor(*c);
      r.outcome = Outcome::kFailed;
      r.message = absl::StrCat("not run: ", started.message());
      results.cases.push_back(std::move(r));
    }
    out << ClosingLine(results) << "\n";
    if (!options.report_dir.empty()) {
      (void)reports::WriteAllReports(results, rules, options.report_dir);
    }
    target.Stop(results);
    outcome.exit_code = kExitError;
    return outcome;
  }

  // Gate, execute, classify.
  std::vector<reports::CaseResult> slots(cases.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex out_mu;
  // Cases that were running, in parallel with others, against a target instance that died: run
  // again one at a time after the parallel pass to find which of them makes it die.
  std::mutex deferred_mu;
  std::map<size_t, TargetDeath> deferred;

  // Runs case `index` once. Returns how the target died while it ran (nullopt when it did not).
  auto run_case = [&](size_t index, reports::CaseResult& r,
                      std::string& note) -> std::optional<TargetDeath> {
    const CaseSpec& c = *cases[index];
    r = ResultFor(c);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<TargetDeath> death;
    if (std::string gate = target.Gate(c); !gate.empty()) {
      r.outcome = Outcome::kSkipped;
      r.message = gate;
    } else if (options.global_deadline &&
               std::chrono::steady_clock::now() > run_start + *options.global_deadline) {
      r.outcome = Outcome::kFailed;
      r.message = "not run: the run's global deadline passed";
    } else {
      death = target.Execute(c, index, r, note);
    }
    r.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return death;
  };

  auto finish_case = [&](size_t index, reports::CaseResult r, const std::string& note) {
    const CaseSpec& c = *cases[index];
    ClassifyKnownFailing(known_failing, r);
    size_t n = ++done;
    {
      std::lock_guard<std::mutex> lock(out_mu);
      if (!note.empty()) {
        out << "  note: " << note << "\n";
      }
      out << absl::StrFormat("[%*d/%d] %s %s (%d ms)\n",
                             static_cast<int>(absl::StrCat(cases.size()).size()), n, cases.size(),
                             OutcomeLabel(r.outcome, palette), c.name,
                             static_cast<int>(r.duration_seconds * 1000));
      if (r.outcome == Outcome::kFailed || r.outcome == Outcome::kUnexpectedPass ||
          (options.verbose && r.outcome != Outcome::kPassed)) {
        if (!r.message.empty()) {
          out << "        " << palette.Wrap(r.message, "1") << "\n";
        }
        if (!r.details.empty() && (r.outcome == Outcome::kFailed || options.verbose)) {
          out << IndentLines(r.details, "        ");
        }
      }
      out.flush();
    }
    slots[index] = std::move(r);
  };

  auto worker = [&]() {
    while (true) {
      size_t index = next.fetch_add(1);
      if (index >= cases.size()) {
        return;
      }
      reports::CaseResult r;
      std::string note;
      std::optional<TargetDeath> death = run_case(index, r, note);
      if (death && death->running.size() > 1) {
        // Several cases ran against the instance that died: which one made it die is decided by
        // running each of them alone below.
        std::lock_guard<std::mutex> lock(deferred_mu);
        deferred.emplace(index, *death);
        if (!note.empty()) {
          std::lock_guard<std::mutex> out_lock(out_mu);
          out << "  note: " << note << "\n";
        }
        continue;
      }
      finish_case(index, std::move(r), note);
    }
  };
  const int jobs = target.Parallel() ? std::max(1, options.jobs) : 1;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(jobs));
  for (int i = 0; i < jobs; ++i) {
    threads.emplace_back(worker);
  }
  for (auto& t : threads) {
    t.join();
  }
  // One at a time, in case order: a case that makes the target die alone is charged with the
  // death; the others get the verdict of their lone run. When no case of a death reproduces it
  // alone, every case that was running then fails, naming the others.
  std::map<size_t, reports::CaseResult> lone;
  std::set<size_t> reproduced;
  for (const auto& [index, death] : deferred) {
    std::string note;
    std::optional<TargetDeath> again = run_case(index, lone[index], note);
    if (again) {
      reproduced.insert(index);
      lone[index].message =
          absl::StrCat(lone[index].message, " (run alone after the function died while it ran ",
                       "in parallel with other cases: it makes the function die on its own)");
    }
    if (!note.empty()) {
      std::lock_guard<std::mutex> out_lock(out_mu);
      out << "  note: " << note << "\n";
    }
  }
  for (auto& [index, r] : lone) {
    const TargetDeath& death = deferred.at(index);
    std::vector<std::string> others;
    bool someone_reproduced = false;
    for (size_t other : death.running) {
      someone_reproduced = someone_reproduced || reproduced.contains(other);
      if (other != index) {
        others.push_back(cases[other]->name);
      }
    }
    if (!reproduced.contains(index)) {
      if (someone_reproduced) {
        if (r.outcome == Outcome::kPassed) {
          r.message = absl::StrCat("passed when run alone; the function ", death.what,
                                   " while it ran in parallel with ", absl::StrJoin(others, ", "),
                                   ", which makes the function die on its own");
        }
      } else if (r.outcome != Outcome::kSkipped) {
        r.outcome = Outcome::kFailed;
        r.message = absl::StrCat(
            "the function process ", death.what, " while this case ran in parallel with ",
            absl::StrJoin(others, ", "), "; run alone, none of them made it die again");
      }
    }
    finish_case(index, std::move(r), "");
  }
  results.cases = std::move(slots);
  target.Stop(results);
  results.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();

  // Report.
  if (options.area_summary) {
    PrintAreaSummary(results, out);
  } else {
    PrintSkipReasons(results, out);
  }
  WriteReports(results, rules, options.report_dir, out);
  out << ClosingLine(results) << "\n";
  out.flush();
  outcome.exit_code = VerdictExitCode(results);
  return outcome;
}

}  // namespace cloudstate::tck
