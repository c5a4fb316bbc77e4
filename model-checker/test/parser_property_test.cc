// RapidCheck properties of the parsers: arbitrary text and mutated histories give a value or a
// clear InvalidArgument error, never a crash, and whatever parses can be checked and rendered.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cloudstate/model_checker/crdt.h"
#include "cloudstate/model_checker/generate.h"
#include "cloudstate/model_checker/history.h"
#include "cloudstate/model_checker/html.h"
#include "cloudstate/model_checker/linearizability.h"

namespace cloudstate::model_checker {
namespace {

using nlohmann::json;

rc::Gen<json> GenScalar() {
  return rc::gen::oneOf(
      rc::gen::just(json(nullptr)),
      rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return json(b); }),
      rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t v) { return json(v); }),
      rc::gen::map(rc::gen::element<uint64_t>(0, 1, uint64_t{1} << 63, ~uint64_t{0}),
                   [](uint64_t v) { return json(v); }),
      rc::gen::map(rc::gen::arbitrary<double>(), [](double v) { return json(v); }),
      rc::gen::map(rc::gen::element<std::string>("", "ok", "fail", "info", "read", "write", "cas",
                                                 "x", "update", "delete", "add", "remove"),
                   [](std::string s) { return json(s); }));
}

rc::Gen<json> GenValue() {
  return rc::gen::oneOf(
      GenScalar(),
      rc::gen::map(rc::gen::container<std::vector<json>>(GenScalar()),
                   [](std::vector<json> v) { return json(v); }),
      rc::gen::map(rc::gen::container<std::map<std::string, json>>(
                       rc::gen::element<std::string>("from", "to", "product", "quantity", "name",
                                                     "update", "delete", "items", "value"),
                       GenScalar()),
                   [](std::map<std::string, json> m) { return json(m); }));
}

void ExpectHandled(const absl::Status& status) {
  RC_ASSERT(status.code() == absl::StatusCode::kInvalidArgument);
  RC_ASSERT(!status.message().empty());
}

RC_GTEST_PROP(ParserProperty, ArbitraryTextNeverCrashes, (const std::string& text)) {
  auto history = ParseHistoryJson(text);
  if (!history.ok()) {
    ExpectHandled(history.status());
  }
  auto crdt = ParseCrdtHistoryJson(text);
  if (!crdt.ok()) {
    ExpectHandled(crdt.status());
  }
}

RC_GTEST_PROP(ParserProperty, MutatedHistoriesParseOrFailCleanly, ()) {
  const auto model =
      *rc::gen::element<std::string>("kv-register", "value-entity", "shopping-cart", "nope");
  json doc = HistoryToJson(ExecutePlan(RandomPlan(*rc::gen::arbitrary<uint64_t>(), 6, 2, 3)));
  doc["model"] = model;
  const int mutations = *rc::gen::inRange(1, 4);
  for (int m = 0; m < mutations; ++m) {
    json& op = doc["operations"][*rc::gen::inRange<size_t>(0, doc["operations"].size())];
    const auto field = *rc::gen::element<std::string>("process", "entity", "call", "return", "f",
                                                      "input", "output", "status", "extra");
    if (*rc::gen::arbitrary<bool>()) {
      op.erase(field);
    } else {
      op[field] = *GenValue();
    }
  }
  auto history = ParseHistoryJson(doc.dump());
  if (!history.ok()) {
    ExpectHandled(history.status());
    return;
  }
  auto result = CheckHistory(*history);
  if (!result.ok()) {
    ExpectHandled(result.status());
    return;
  }
  RC_ASSERT(!RenderHistoryHtml(*history, *result, {.include_linearizable = true}).empty());
  RC_ASSERT(!DescribeResult(*history, *result).empty());
}

RC_GTEST_PROP(ParserProperty, MutatedCrdtHistoriesParseOrFailCleanly, ()) {
  json doc = json::parse(R"({"type": "orset", "operations": [
      {"replica": "a", "kind": "add", "element": "x", "tag": "t1", "amount": 1},
      {"replica": "b", "kind": "remove", "element": "x", "removed_tags": ["t1"]}],
    "replicas": {"a": {"elements": ["x"]}, "b": {"counter": 1}}})");
  doc["type"] = *rc::gen::element<std::string>("gcounter", "pncounter", "gset", "orset");
  json& op = doc["operations"][*rc::gen::inRange(0, 2)];
  const auto field = *rc::gen::element<std::string>("replica", "kind", "element", "tag", "amount",
                                                    "removed_tags", "status");
  op[field] = *GenValue();
  auto history = ParseCrdtHistoryJson(doc.dump());
  if (!history.ok()) {
    ExpectHandled(history.status());
    return;
  }
  auto result = CheckConvergence(*history);
  if (!result.ok()) {
    ExpectHandled(result.status());
  }
}

}  // namespace
}  // namespace cloudstate::model_checker
