#include "cloudstate/model_checker/crdt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cloudstate::model_checker {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

ConvergenceResult Check(const CrdtHistory& h) {
  auto r = CheckConvergence(h);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ConvergenceResult{};
}

TEST(CrdtConvergence, GCounterSumsTheAcknowledgedIncrements) {
  CrdtHistory h{.type = CrdtType::kGCounter};
  h.operations = {{.replica = "a", .kind = "increment", .amount = 2},
                  {.replica = "b", .kind = "increment", .amount = 3},
                  {.replica = "b", .kind = "increment", .amount = 4, .status = OpStatus::kFail}};
  h.replicas = {{"a", {.counter = 5}}, {"b", {.counter = 5}}};
  ConvergenceResult r = Check(h);
  EXPECT_TRUE(r.converged);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.expected.counter, 5);

  h.replicas["b"].counter = 9;  // the failed increment took effect on b
  r = Check(h);
  EXPECT_FALSE(r.converged);
  EXPECT_THAT(r.problems[0], HasSubstr("replicas a and b differ: 5 vs 9"));
}

TEST(CrdtConvergence, PNCounterAllowsAnySubsetOfUnknownUpdates) {
  CrdtHistory h{.type = CrdtType::kPNCounter};
  h.operations = {{.replica = "a", .kind = "increment", .amount = 10},
                  {.replica = "b", .kind = "decrement", .amount = 3, .status = OpStatus::kInfo},
                  {.replica = "c", .kind = "increment", .amount = 5, .status = OpStatus::kInfo}};
  for (int64_t v : {10, 7, 15, 12}) {
    h.replicas = {{"a", {.counter = v}}, {"b", {.counter = v}}};
    EXPECT_TRUE(Check(h).converged) << v;
  }
  h.replicas = {{"a", {.counter = 11}}, {"b", {.counter = 11}}};
  ConvergenceResult r = Check(h);
  EXPECT_FALSE(r.converged);
  EXPECT_THAT(r.problems[0], HasSubstr("one of {7, 10, 12, 15}"));
}

TEST(CrdtConvergence, GSetNeedsAcknowledgedAddsAndNothingElse) {
  CrdtHistory h{.type = CrdtType::kGSet};
  h.operations = {{.replica = "a", .kind = "add", .element = "x"},
                  {.replica = "b", .kind = "add", .element = "y", .status = OpStatus::kInfo}};
  h.replicas = {{"a", {.elements = {"x"}}}, {"b", {.elements = {"x"}}}};
  EXPECT_TRUE(Check(h).converged);
  h.replicas = {{"a", {.elements = {"x", "y"}}}, {"b", {.elements = {"x", "y"}}}};
  EXPECT_TRUE(Check(h).converged);
  h.replicas = {{"a", {.elements = {"y", "z"}}}, {"b", {.elements = {"y", "z"}}}};
  ConvergenceResult r = Check(h);
  EXPECT_FALSE(r.converged);
  EXPECT_THAT(r.problems[0], HasSubstr("lacks acknowledged elements {x}"));
  EXPECT_THAT(r.problems[1], HasSubstr("has elements {z}"));
}

TEST(CrdtConvergence, ORSetConcurrentAddWins) {
  CrdtHistory h{.type = CrdtType::kORSet};
  h.operations = {
      {.replica = "a", .kind = "add", .element = "x", .tag = "a1"},
      {.replica = "b", .kind = "add", .element = "x", .tag = "b1"},  // concurrent with the remove
      {.replica = "a", .kind = "remove", .element = "x", .removed_tags = {"a1"}},
      {.replica = "a", .kind = "add", .element = "y", .tag = "a2"},
      {.replica = "b", .kind = "remove", .element = "y", .removed_tags = {"a2"}},
  };
  h.replicas = {{"a", {.elements = {"x"}}}, {"b", {.elements = {"x"}}}};
  ConvergenceResult r = Check(h);
  EXPECT_TRUE(r.converged) << testing::PrintToString(r.problems);
  EXPECT_EQ(r.expected.elements, (std::set<std::string>{"x"}));

  h.replicas = {{"a", {.elements = {}}}, {"b", {.elements = {}}}};  // remove-wins: wrong
  EXPECT_FALSE(Check(h).converged);
}

TEST(CrdtConvergence, ORSetUnknownRemoveMayOrMayNotHaveHappened) {
  CrdtHistory h{.type = CrdtType::kORSet};
  h.operations = {{.replica = "a", .kind = "add", .element = "x", .tag = "a1"},
                  {.replica = "b",
                   .kind = "remove",
                   .element = "x",
                   .removed_tags = {"a1"},
                   .status = OpStatus::kInfo}};
  h.replicas = {{"a", {.elements = {"x"}}}};
  EXPECT_TRUE(Check(h).converged);
  h.replicas = {{"a", {.elements = {}}}};
  EXPECT_TRUE(Check(h).converged);
}

TEST(CrdtConvergence, RejectsUpdatesThatDoNotFitTheType) {
  CrdtHistory h{.type = CrdtType::kGCounter};
  h.operations = {{.replica = "a", .kind = "decrement", .amount = 1}};
  h.replicas = {{"a", {}}};
  EXPECT_THAT(std::string(CheckConvergence(h).status().message()),
              HasSubstr("a gcounter only has increment"));
  h.operations = {{.replica = "a", .kind = "increment", .amount = 0}};
  EXPECT_THAT(std::string(CheckConvergence(h).status().message()), HasSubstr("positive"));
  h.type = CrdtType::kORSet;
  h.operations = {{.replica = "a", .kind = "add", .element = "x", .tag = "t"},
                  {.replica = "a", .kind = "add", .element = "y", .tag = "t"}};
  EXPECT_THAT(std::string(CheckConvergence(h).status().message()), HasSubstr("unique tag"));
  h.operations = {{.replica = "a", .kind = "remove", .element = "x", .removed_tags = {"zz"}}};
  EXPECT_THAT(std::string(CheckConvergence(h).status().message()), HasSubstr("\"zz\""));
}

TEST(CrdtConvergence, NoReplicasIsNotConvergence) {
  CrdtHistory h{.type = CrdtType::kGSet};
  ConvergenceResult r = Check(h);
  EXPECT_FALSE(r.converged);
  EXPECT_THAT(r.problems[0], HasSubstr("no replica states"));
}

TEST(CrdtHistoryParser, ReadsTheJsonForm) {
  auto h = ParseCrdtHistoryJson(R"({"type": "orset", "operations": [
      {"replica": "a", "kind": "add", "element": "x", "tag": "a1"},
      {"replica": "b", "kind": "remove", "element": "x", "removed_tags": ["a1"], "status": "info"}
    ], "replicas": {"a": {"elements": ["x"]}, "b": {"elements": []}}})");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->type, CrdtType::kORSet);
  ASSERT_EQ(h->operations.size(), 2u);
  EXPECT_EQ(h->operations[1].status, OpStatus::kInfo);
  EXPECT_EQ(h->operations[1].removed_tags, std::vector<std::string>{"a1"});
  EXPECT_EQ(h->replicas.at("a").elements, std::set<std::string>{"x"});
}

TEST(CrdtHistoryParser, MalformedInputGivesClearErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not valid JSON"},
      {"[]", "string \"type\""},
      {R"({"type": "lww"})", "unknown CRDT type \"lww\""},
      {R"({"type": "gset", "operations": {}})", "\"operations\" must be an array"},
      {R"({"type": "gset", "operations": [1]})", "operation 0: must be an object"},
      {R"({"type": "gset", "operations": [{"kind": 1}]})", "\"kind\" must be a string"},
      {R"({"type": "gset", "operations": [{"replica": "a"}]})", "missing \"kind\""},
      {R"({"type": "gset", "operations": [{"kind": "add", "amount": "1"}]})", "integer"},
      {R"({"type": "gset", "operations": [{"kind": "add", "removed_tags": [1]}]})",
       "array of strings"},
      {R"({"type": "gset", "operations": [{"kind": "add", "status": "maybe"}]})",
       "ok, fail or info"},
      {R"({"type": "gset", "operations": [{"kind": "add", "when": 1}]})", "unknown field"},
      {R"({"type": "gset", "operations": []})", "\"replicas\" must be an object"},
      {R"({"type": "gset", "replicas": {"a": "x"}})", "replica a: expected"},
      {R"({"type": "gset", "replicas": {"a": {"elements": [1]}}})", "elements must be strings"},
  };
  for (const auto& [text, error] : cases) {
    auto h = ParseCrdtHistoryJson(text);
    ASSERT_FALSE(h.ok()) << text;
    EXPECT_THAT(std::string(h.status().message()), HasSubstr(error)) << text;
  }
}

}  // namespace
}  // namespace cloudstate::model_checker
