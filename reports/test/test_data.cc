#include "test_data.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

#include <sys/wait.h>

namespace cloudstate::reports::testing {

RunResults AllPassRun() {
  RunResults run;
  run.kit_version = "0.1.0";
  run.started_at = "2024-05-01T12:00:00Z";
  run.host = "ci-runner-1";
  run.duration_seconds = 1.25;
  run.configuration = {{"target", "127.0.0.1:8080"}, {"timeout_scale", "2"}};
  run.sut = {.address = "127.0.0.1:8080",
             .service_name = "shopping-cart",
             .service_version = "1.2.3",
             .service_runtime = "C++20 (gcc 12)",
             .support_library_name = "cloudstate-cpp-support",
             .support_library_version = "0.1.0",
             .protocol_version = "0.2",
             .declared_entity_types = {"cloudstate.eventsourced.EventSourced"},
             .declared_services = {"com.example.shoppingcart.ShoppingCart"}};
  run.cases = {
      {.name = "required_DISC-001_discover_answers",
       .area = "discovery",
       .rule_ids = {"DISC-001"},
       .level = CaseLevel::kRequired,
       .description = "discover returns a ServiceInfo",
       .outcome = Outcome::kPassed,
       .duration_seconds = 0.012},
      {.name = "required_ES-004_single_emitted_event",
       .area = "eventsourced",
       .rule_ids = {"ES-004"},
       .level = CaseLevel::kRequired,
       .description = "an emitted event is persisted",
       .outcome = Outcome::kPassed,
       .duration_seconds = 0.004},
      {.name = "optional_ES-010_snapshot_every",
       .area = "eventsourced",
       .rule_ids = {"ES-010"},
       .level = CaseLevel::kOptional,
       .description = "snapshots are offered",
       .outcome = Outcome::kPassed,
       .duration_seconds = 0.02},
  };
  return run;
}

RunResults MixedRun() {
  RunResults run = AllPassRun();
  run.sut.declared_entity_types.push_back("cloudstate.valueentity.ValueEntity");
  run.cases[1].outcome = Outcome::kFailed;
  run.cases[1].message = "expected 1 event, got 0 & <none>";
  run.cases[1].details =
      "--- expected\n+++ actual\n@@ events @@\n-  AddItem{\"sku\": \"a\"}\n+  (nothing)\n"
      "\tcontrol:\x01\x1b[31m bad utf8:\xff\xfe end";
  run.cases[1].hint = "check that emit() is called before the reply";
  run.cases.push_back({.name = "required_ES-020_<script>alert('x')</script> # not a directive",
                       .area = "eventsourced",
                       .rule_ids = {"ES-020", "ES-021"},
                       .level = CaseLevel::kRequired,
                       .description = "handles \"quoted\" & <b>bold</b> input",
                       .outcome = Outcome::kSkipped,
                       .message = "not implemented by the function",
                       .duration_seconds = 0});
  run.cases.push_back({.name = "required_VE-002_update_state",
                       .area = "valueentity",
                       .rule_ids = {"VE-002"},
                       .level = CaseLevel::kRequired,
                       .description = "update replaces state",
                       .outcome = Outcome::kExpectedFailure,
                       .message = "known bug #42",
                       .details = "state mismatch\n  want: 1\n  got: 2",
                       .duration_seconds = 0.1});
  run.cases.push_back({.name = "optional_VE-009_delete_twice",
                       .area = "valueentity",
                       .rule_ids = {"VE-009"},
                       .level = CaseLevel::kOptional,
                       .description = "delete is idempotent",
                       .outcome = Outcome::kUnexpectedPass,
                       .duration_seconds = 0.03});
  run.cases.push_back({.name = "optional_VE-010_bad\x02name\nnewline",
                       .area = "valueentity",
                       .rule_ids = {"VE-010"},
                       .level = CaseLevel::kOptional,
                       .description = "odd name",
                       .outcome = Outcome::kFailed,
                       .message = "line1\nline2 \\ back",
                       .details = "",
                       .duration_seconds = 0.005});
  return run;
}

std::vector<RuleInfo> SampleRules() {
  return {
      {.id = "DISC-001", .level = "MUST", .area = "discovery", .title = "answer discover"},
      {.id = "ES-004", .level = "MUST", .area = "eventsourced", .title = "persist events"},
      {.id = "ES-010", .level = "SHOULD", .area = "eventsourced", .title = "snapshots"},
      {.id = "ES-020", .level = "MUST", .area = "eventsourced", .title = "escape <things>"},
      {.id = "ES-021", .level = "MUST", .area = "eventsourced", .title = "more"},
      {.id = "ES-099", .level = "MUST", .area = "eventsourced", .title = "nobody checks me"},
      {.id = "VE-002", .level = "MUST", .area = "valueentity", .title = "update"},
      {.id = "VE-009", .level = "MAY", .area = "valueentity", .title = "delete"},
      {.id = "VE-010", .level = "SHOULD", .area = "valueentity", .title = "names"},
      {.id = "OLD-001", .level = "RETIRED", .area = "discovery", .title = "retired"},
  };
}

std::string FreshDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("cs_reports_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int RunShell(const std::string& command, std::string* out) {
  out->clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return -1;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) {
    out->append(buf, n);
  }
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace cloudstate::reports::testing
