#include "cloudstate/model_checker/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cloudstate::model_checker {
namespace {

using ::testing::HasSubstr;

TEST(HistoryParser, ReadsTheDocumentedFormat) {
  auto history = ParseHistoryJson(R"({
    "model": "kv-register",
    "initial": 0,
    "operations": [
      {"process": 1, "entity": "x", "call": 0, "return": 10, "f": "write", "input": 3,
       "status": "ok"},
      {"process": "c2", "entity": "x", "call": 5, "return": 12, "f": "read", "output": 3},
      {"process": 3, "entity": 7, "call": 6, "f": "cas", "input": [3, 4], "status": "info"},
      {"process": 4, "call": 8, "return": 9, "f": "write", "input": 1, "status": "fail"}
    ]})");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->model, "kv-register");
  EXPECT_EQ(history->initial, 0);
  ASSERT_EQ(history->operations.size(), 4u);
  const Operation& w = history->operations[0];
  EXPECT_EQ(w.id, 0);
  EXPECT_EQ(w.process, "1");
  EXPECT_EQ(w.entity, "x");
  EXPECT_EQ(w.call, 0);
  EXPECT_EQ(w.ret, 10);
  EXPECT_EQ(w.input, 3);
  EXPECT_EQ(w.status, OpStatus::kOk);
  EXPECT_EQ(history->operations[1].status, OpStatus::kOk);  // the default
  EXPECT_EQ(history->operations[2].entity, "7");
  EXPECT_EQ(history->operations[2].ret, kNeverReturned);
  EXPECT_EQ(history->operations[2].status, OpStatus::kInfo);
  EXPECT_EQ(history->operations[3].entity, "");
  EXPECT_EQ(history->operations[3].status, OpStatus::kFail);
}

TEST(HistoryParser, AcceptsABareArrayOfOperations) {
  auto history = ParseHistoryJson(R"([{"process": 0, "call": 1, "return": 2, "f": "read"}])");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->model, "");
  EXPECT_EQ(history->operations.size(), 1u);
}

TEST(HistoryParser, RoundTripsThroughJson) {
  auto history = ParseHistoryJson(R"({"model": "value-entity", "operations": [
      {"process": "a", "entity": "e", "call": 1, "return": 4, "f": "update", "input": "v"},
      {"process": "b", "entity": "e", "call": 2, "f": "get", "status": "info"}]})");
  ASSERT_TRUE(history.ok()) << history.status();
  auto again = ParseHistoryJson(HistoryToJson(*history).dump());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(HistoryToJson(*again), HistoryToJson(*history));
}

TEST(HistoryJson, FaultWindowsRoundTrip) {
  auto history = ParseHistoryJson(R"({"model": "kv-register", "operations": [],
      "faults": [{"name": "kill-function", "description": "SIGKILL", "start": 5, "end": 9},
                 {"name": "hold-clients", "start": 12, "end": null}]})");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->faults.size(), 2u);
  EXPECT_EQ(history->faults[0].name, "kill-function");
  EXPECT_EQ(history->faults[0].end, 9);
  EXPECT_EQ(history->faults[1].end, kNeverReturned);
  auto again = ParseHistoryJson(HistoryToJson(*history).dump());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(HistoryToJson(*again), HistoryToJson(*history));
}

TEST(HistoryJson, MalformedFaultsGiveClearErrors) {
  for (const auto& [text, error] : std::vector<std::pair<std::string, std::string>>{
           {R"({"operations": [], "faults": 1})", "\"faults\" must be an array"},
           {R"({"operations": [], "faults": [{"start": 1}]})", "missing field \"name\""},
           {R"({"operations": [], "faults": [{"name": "x", "start": -1}]})", ">= 0"},
           {R"({"operations": [], "faults": [{"name": "x", "start": 5, "end": 2}]})",
            "ends before it starts"},
           {R"({"operations": [], "faults": [{"name": "x", "typo": 2}]})", "unknown field"}}) {
    auto history = ParseHistoryJson(text);
    ASSERT_FALSE(history.ok()) << text;
    EXPECT_THAT(std::string(history.status().message()), HasSubstr(error)) << text;
  }
}

struct Malformed {
  const char* text;
  const char* error;
};

// Printed into the test name, which must not depend on where the strings happen to live.
void PrintTo(const Malformed& malformed, std::ostream* os) { *os << "expects " << malformed.error; }

class HistoryParserErrors : public ::testing::TestWithParam<Malformed> {};

TEST_P(HistoryParserErrors, GivesAClearError) {
  auto history = ParseHistoryJson(GetParam().text);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(history.status().message()), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, HistoryParserErrors,
    ::testing::Values(
        Malformed{"", "not valid JSON"}, Malformed{"{", "not valid JSON"},
        Malformed{"[1, 2", "not valid JSON"}, Malformed{"\"text\"", "must be an object"},
        Malformed{"42", "must be an object"},
        Malformed{R"({"operations": 3})", "\"operations\" must be an array"},
        Malformed{R"({"model": "kv-register"})", "\"operations\" must be an array"},
        Malformed{R"({"model": 1, "operations": []})", "\"model\" must be a string"},
        Malformed{R"({"operations": [], "extra": 1})", "unknown field \"extra\""},
        Malformed{R"([7])", "operation 0: must be an object"},
        Malformed{R"([{"call": 0, "return": 1, "f": "read"}])", "missing field \"process\""},
        Malformed{R"([{"process": [1], "call": 0, "return": 1, "f": "read"}])",
                  "\"process\" must be a string or an integer"},
        Malformed{R"([{"process": 1, "entity": 1.5, "call": 0, "return": 1, "f": "read"}])",
                  "\"entity\" must be a string or an integer"},
        Malformed{R"([{"process": 1, "return": 1, "f": "read"}])", "missing field \"call\""},
        Malformed{R"([{"process": 1, "call": "0", "return": 1, "f": "read"}])",
                  "\"call\" must be an integer"},
        Malformed{R"([{"process": 1, "call": 1.5, "return": 2, "f": "read"}])",
                  "\"call\" must be an integer"},
        Malformed{R"([{"process": 1, "call": -1, "return": 2, "f": "read"}])", "must be >= 0"},
        Malformed{R"([{"process": 1, "call": 0, "return": 18446744073709551615, "f": "read"}])",
                  "out of range"},
        Malformed{R"([{"process": 1, "call": 5, "return": 2, "f": "read"}])",
                  "returns (2) before its call (5)"},
        Malformed{R"([{"process": 1, "call": 0, "f": "read"}])", "needs a \"return\" time"},
        Malformed{R"([{"process": 1, "call": 0, "return": 1}])", "\"f\""},
        Malformed{R"([{"process": 1, "call": 0, "return": 1, "f": ""}])", "\"f\""},
        Malformed{R"([{"process": 1, "call": 0, "return": 1, "f": "read", "status": "done"}])",
                  "unknown status \"done\""},
        Malformed{R"([{"process": 1, "call": 0, "return": 1, "f": "read", "status": 1}])",
                  "\"status\" must be"},
        Malformed{R"([{"process": 1, "call": 0, "return": 1, "f": "read", "typo": 1}])",
                  "unknown field \"typo\""},
        Malformed{R"([{"process": 1, "call": 0, "return": 1, "f": "read"},
                      {"process": 1, "call": 0, "return": 1, "f": "read", "status": null}])",
                  "operation 1"}));

TEST(HistoryParser, SurvivesDeepNestingAndGarbage) {
  std::string deep(100000, '[');
  EXPECT_FALSE(ParseHistoryJson(deep).ok());
  std::string deep_value =
      "[{\"process\": 1, \"call\": 0, \"return\": 1, \"f\": \"read\", "
      "\"output\": " +
      std::string(200, '[') + std::string(200, ']') + "}]";
  EXPECT_TRUE(ParseHistoryJson(deep_value).ok());
  // Nesting beyond the limit is refused at parse time (copying or printing such a value later
  // would recurse that deep).
  std::string too_deep =
      "[{\"process\": 1, \"call\": 0, \"return\": 1, \"f\": \"read\", "
      "\"output\": " +
      std::string(200000, '[') + std::string(200000, ']') + "}]";
  auto refused = ParseHistoryJson(too_deep);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("deeper than 256 levels"));
  const std::string garbage("\x00\xff\xfe{\"a\":", 8);
  EXPECT_FALSE(ParseHistoryJson(garbage).ok());
}

TEST(HistoryParser, ReportsAMissingFile) {
  auto history = ReadHistoryFile("/nonexistent/history.json");
  ASSERT_FALSE(history.ok());
  EXPECT_THAT(std::string(history.status().message()), HasSubstr("/nonexistent/history.json"));
}

}  // namespace
}  // namespace cloudstate::model_checker
