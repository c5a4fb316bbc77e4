#include "cloudstate/model_checker/linearizability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudstate/model_checker/generate.h"

namespace cloudstate::model_checker {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Adds an operation: process, entity, call, return, f, input, output, status.
Operation& Op(History& h, std::string process, int64_t call, int64_t ret, std::string f,
              json input = nullptr, json output = nullptr, OpStatus status = OpStatus::kOk,
              std::string entity = "x") {
  return h.AddOperation({.process = std::move(process),
                         .entity = std::move(entity),
                         .call = call,
                         .ret = ret,
                         .f = std::move(f),
                         .input = std::move(input),
                         .output = std::move(output),
                         .status = status});
}

CheckResult Check(const History& h) {
  auto result = CheckHistory(h);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CheckResult{};
}

History Kv() {
  History h;
  h.model = "kv-register";
  return h;
}

TEST(Linearizability, EmptyHistoryIsLinearizable) {
  EXPECT_EQ(Check(Kv()).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, SequentialHistoryFollowsTheModel) {
  History h = Kv();
  Op(h, "a", 0, 1, "write", 1);
  Op(h, "b", 2, 3, "read", nullptr, 1);
  Op(h, "a", 4, 5, "cas", json::array({1, 2}), true);
  Op(h, "b", 6, 7, "read", nullptr, 2);
  Op(h, "a", 8, 9, "cas", json::array({1, 3}), false);
  Op(h, "b", 10, 11, "read", nullptr, 2);
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, StaleReadAfterAWriteReturnedIsNot) {
  History h = Kv();
  Op(h, "a", 0, 10, "write", 1);
  Op(h, "b", 20, 30, "read", nullptr, nullptr);  // the write had returned: null is stale
  CheckResult r = Check(h);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable);
  ASSERT_EQ(r.entities.size(), 1u);
  const Counterexample& cx = r.entities[0].counterexample;
  EXPECT_THAT(cx.culprits, ElementsAre(1));
  EXPECT_THAT(cx.prefix, ElementsAre(0, 1));
  EXPECT_EQ(cx.prefix_end, 30);
  EXPECT_THAT(cx.longest_linearization, ElementsAre(0));
  EXPECT_EQ(cx.state_after_longest, "1");
  EXPECT_THAT(r.entities[0].message, HasSubstr("#1 cannot be linearized"));
}

TEST(Linearizability, ConcurrentReadMaySeeEitherValue) {
  for (json seen : {json(nullptr), json(1)}) {
    History h = Kv();
    Op(h, "a", 0, 10, "write", 1);
    Op(h, "b", 5, 15, "read", nullptr, seen);
    EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable) << seen;
  }
}

TEST(Linearizability, TouchingOperationsAreConcurrent) {
  History h = Kv();
  Op(h, "a", 0, 10, "write", 1);
  Op(h, "b", 10, 12, "read", nullptr, nullptr);  // called at the instant the write returned
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, TwoReadsCannotSeeValuesInOppositeOrders) {
  // The classic: writes of 1 and 2 overlap; one reader sees 1 then 2, the other 2 then 1.
  History h = Kv();
  Op(h, "w1", 0, 100, "write", 1);
  Op(h, "w2", 0, 100, "write", 2);
  Op(h, "r1", 10, 20, "read", nullptr, 1);
  Op(h, "r1", 30, 40, "read", nullptr, 2);
  Op(h, "r2", 10, 20, "read", nullptr, 2);
  Op(h, "r2", 30, 40, "read", nullptr, 1);
  CheckResult r = Check(h);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable);
  const Counterexample& cx = r.entities[0].counterexample;
  EXPECT_EQ(cx.prefix_end, 40);
  EXPECT_THAT(cx.culprits, UnorderedElementsAre(3, 5));
}

TEST(Linearizability, ConcurrentWritesMayTakeEffectInEitherOrder) {
  History h = Kv();
  Op(h, "w1", 0, 100, "write", 1);
  Op(h, "w2", 0, 100, "write", 2);
  Op(h, "r1", 10, 20, "read", nullptr, 2);
  Op(h, "r1", 30, 40, "read", nullptr, 1);
  Op(h, "r2", 50, 60, "read", nullptr, 1);
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteMayHaveTakenEffect) {
  History h = Kv();
  Op(h, "a", 0, kNeverReturned, "write", 1, nullptr, OpStatus::kInfo);
  Op(h, "b", 100, 110, "read", nullptr, 1);
  Op(h, "b", 120, 130, "read", nullptr, 1);
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteMayNotHaveTakenEffect) {
  History h = Kv();
  Op(h, "a", 0, kNeverReturned, "write", 1, nullptr, OpStatus::kInfo);
  Op(h, "b", 100, 110, "read", nullptr, nullptr);
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteTakesEffectAtMostOnce) {
  History h = Kv();
  Op(h, "a", 0, kNeverReturned, "write", 1, nullptr, OpStatus::kInfo);
  Op(h, "b", 10, 20, "read", nullptr, 1);
  Op(h, "c", 30, 40, "write", 2);
  Op(h, "b", 50, 60, "read", nullptr, 1);  // 1 again after 2 was written: impossible
  CheckResult r = Check(h);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_THAT(r.entities[0].counterexample.culprits, ElementsAre(3));
}

TEST(Linearizability, UnknownWriteCannotTakeEffectBeforeItsCall) {
  History h = Kv();
  Op(h, "b", 0, 10, "read", nullptr, 1);
  Op(h, "a", 20, kNeverReturned, "write", 1, nullptr, OpStatus::kInfo);
  EXPECT_EQ(Check(h).verdict, Verdict::kNotLinearizable);
}

TEST(Linearizability, FailedOperationsHaveNoEffect) {
  History h = Kv();
  Op(h, "a", 0, 10, "write", 1, nullptr, OpStatus::kFail);
  Op(h, "b", 20, 30, "read", nullptr, 1);
  CheckResult r = Check(h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(r.failed_operations, 1);
  EXPECT_EQ(r.operations, 1);
}

TEST(Linearizability, CasOutcomesAreChecked) {
  History h = Kv();
  h.initial = 0;
  Op(h, "a", 0, 10, "cas", json::array({0, 1}), true);
  Op(h, "b", 20, 30, "cas", json::array({0, 2}), true);  // 0 is gone
  EXPECT_EQ(Check(h).verdict, Verdict::kNotLinearizable);

  History ok = Kv();
  ok.initial = 0;
  Op(ok, "a", 0, 10, "cas", json::object({{"from", 0}, {"to", 1}}), nullptr);
  Op(ok, "b", 5, 30, "cas", json::array({0, 2}), false);
  Op(ok, "c", 40, 50, "read", nullptr, 1);
  EXPECT_EQ(Check(ok).verdict, Verdict::kLinearizable);
}

TEST(Linearizability, EntitiesAreCheckedAlone) {
  History h = Kv();
  Op(h, "a", 0, 10, "write", 1, nullptr, OpStatus::kOk, "x");
  Op(h, "a", 20, 30, "read", nullptr, nullptr, OpStatus::kOk, "y");
  Op(h, "b", 20, 30, "read", nullptr, 2, OpStatus::kOk, "z");
  CheckResult r = Check(h);
  ASSERT_EQ(r.entities.size(), 3u);
  EXPECT_EQ(r.entities[0].entity, "x");
  EXPECT_EQ(r.entities[0].verdict, Verdict::kLinearizable);
  EXPECT_EQ(r.entities[1].verdict, Verdict::kLinearizable);
  EXPECT_EQ(r.entities[2].verdict, Verdict::kNotLinearizable);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
}

TEST(Linearizability, MinimalPrefixEndsAtTheFirstImpossibleReturn) {
  History h = Kv();
  Op(h, "a", 0, 10, "write", 1);
  Op(h, "b", 20, 30, "read", nullptr, 1);
  Op(h, "c", 25, 35, "read", nullptr, 7);  // first impossible return
  Op(h, "b", 40, 50, "read", nullptr, 8);  // also impossible, later
  Op(h, "d", 45, 60, "write", 9);
  CheckResult r = Check(h);
  ASSERT_EQ(r.verdict, Verdict::kNotLinearizable);
  const Counterexample& cx = r.entities[0].counterexample;
  EXPECT_EQ(cx.prefix_end, 35);
  EXPECT_THAT(cx.prefix, ElementsAre(0, 1, 2));
  EXPECT_THAT(cx.culprits, ElementsAre(2));
  EXPECT_THAT(cx.longest_linearization, ElementsAre(0, 1));
  const std::string text = DescribeResult(h, r);
  EXPECT_THAT(text, HasSubstr("#2 client c: read -> ok 7 [25, 35]"));
  EXPECT_THAT(text, HasSubstr("minimal non-linearizable prefix (3 operations, up to time 35)"));
}

TEST(Linearizability, GivesUpWithinTheStateBudget) {
  History h = ExecutePlan(RandomPlan(3, 300, 1, 8));
  auto r = CheckHistory(h, {.max_states_per_entity = 5});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::kUnknown);
  EXPECT_THAT(r->entities[0].message, HasSubstr("gave up"));

  // The memory budget alone: a few hundred bytes hold only a handful of states.
  r = CheckHistory(h, {.max_states_per_entity = 0, .max_memory_bytes_per_entity = 600});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::kUnknown);
  r = CheckHistory(h, {.max_states_per_entity = 0, .max_memory_bytes_per_entity = 0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verdict, Verdict::kLinearizable);
}

TEST(Linearizability, RejectsOperationsTheModelDoesNotKnow) {
  History h = Kv();
  Op(h, "a", 0, 1, "increment", 1);
  auto r = CheckHistory(h);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown operation for kv-register"));
  Op(h, "a", 0, 1, "cas", 1);
  h.operations.erase(h.operations.begin());
  h.operations[0].id = 0;
  r = CheckHistory(h);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("cas input must be"));
  h.model = "nope";
  r = CheckHistory(h);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown model \"nope\""));
}

TEST(ValueEntityModel, GetUpdateDeleteAndProcess) {
  History h;
  h.model = "value-entity";
  Op(h, "a", 0, 1, "get", nullptr, nullptr);
  Op(h, "a", 2, 3, "update", "v1");
  Op(h, "b", 4, 5, "get", nullptr, "v1");
  Op(h, "a", 6, 7, "process", json::array({{{"update", "v2"}}, {{"update", "v3"}}}), "v3");
  Op(h, "b", 8, 9, "process", json::object({{"actions", json::array()}}), "v3");
  Op(h, "a", 10, 11, "delete");
  Op(h, "b", 12, 13, "process", json::array(), "");  // no state: the reply is ""
  Op(h, "b", 14, 15, "get", nullptr, nullptr);
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);

  Op(h, "a", 16, 17, "process", json::array({{{"update", "v4"}}, {{"delete", true}}}), "v4");
  CheckResult r = Check(h);
  EXPECT_EQ(r.verdict, Verdict::kNotLinearizable);
  EXPECT_THAT(r.entities[0].counterexample.culprits, ElementsAre(8));
}

TEST(ValueEntityModel, LostUpdateIsCaught) {
  History h;
  h.model = "value-entity";
  h.initial = "start";
  Op(h, "a", 0, 10, "update", "mine");
  Op(h, "b", 5, 15, "update", "yours");
  Op(h, "a", 20, 30, "get", nullptr, "start");  // both updates returned: start is lost
  EXPECT_EQ(Check(h).verdict, Verdict::kNotLinearizable);
}

TEST(ShoppingCartModel, AddsMergeAndRemovesNeedTheItem) {
  History h;
  h.model = "shopping-cart";
  auto add = [](std::string product, int quantity) {
    return json{{"product", product}, {"name", product + "-name"}, {"quantity", quantity}};
  };
  Op(h, "a", 0, 10, "add", add("p1", 2));
  Op(h, "b", 5, 15, "add", add("p1", 3));
  Op(h, "c", 20, 30, "get", nullptr,
     json{{"items", {{{"product", "p1"}, {"name", "p1-name"}, {"quantity", 5}}}}});
  Op(h, "a", 40, 50, "remove", json{{"product", "p1"}});
  Op(h, "b", 41, 51, "remove", json{{"product", "p1"}}, nullptr, OpStatus::kFail);
  Op(h, "c", 60, 70, "get", nullptr, json::array());
  EXPECT_EQ(Check(h).verdict, Verdict::kLinearizable);

  History bad = h;
  bad.operations[4].status = OpStatus::kOk;  // two acknowledged removes of the one item
  EXPECT_EQ(Check(bad).verdict, Verdict::kNotLinearizable);

  History lost = h;
  lost.operations[2].output["items"][0]["quantity"] = 2;  // the second add is lost
  EXPECT_EQ(Check(lost).verdict, Verdict::kNotLinearizable);
}

TEST(ShoppingCartModel, RejectsMalformedInput) {
  History h;
  h.model = "shopping-cart";
  Op(h, "a", 0, 10, "add", json{{"product", "p"}, {"quantity", 0}});
  EXPECT_THAT(std::string(CheckHistory(h).status().message()), HasSubstr("status fail"));
  h.operations[0].input = json{{"product", 1}};
  EXPECT_THAT(std::string(CheckHistory(h).status().message()), HasSubstr("\"product\""));
  h.operations[0].f = "get";
  h.operations[0].output = json{{"items", {{{"product", "p"}}}}};
  EXPECT_THAT(std::string(CheckHistory(h).status().message()), HasSubstr("cart item"));
}

}  // namespace
}  // namespace cloudstate::model_checker
