#pragma once
// Shared fixtures of the report tests: a run with every outcome and hostile text, helpers to
// read files and run commands.

#include <string>
#include <vector>

#include "cloudstate/reports/results.h"

namespace cloudstate::reports::testing {

// 7 cases across discovery, eventsourced and valueentity, one of each outcome, with names and
// messages that need escaping in every format (<script>, &, quotes, '#', control characters,
// invalid UTF-8, multi-line diffs).
RunResults MixedRun();
// A run where every case passes.
RunResults AllPassRun();
std::vector<RuleInfo> SampleRules();

// A fresh, empty directory under the test's temporary directory.
std::string FreshDir(const std::string& name);
std::string ReadFileOrDie(const std::string& path);
// Runs a shell command; returns its exit status (-1 if it could not run), stdout+stderr in `out`.
int RunShell(const std::string& command, std::string* out);

}  // namespace cloudstate::reports::testing
