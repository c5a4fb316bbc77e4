#include "cloudstate/model_checker/crdt.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

#include "json_util.h"

namespace cloudstate::model_checker {
namespace {

using nlohmann::json;

std::string ShowSet(const std::set<std::string>& elements) {
  return absl::StrCat("{", absl::StrJoin(elements, ", "), "}");
}

// The counter values reachable from the acknowledged total by adding any subset of the unknown
// deltas; exact while the set of sums stays small, else the interval between the extremes.
struct CounterRange {
  std::set<int64_t> exact{};
  bool use_interval = false;
  int64_t lo = 0, hi = 0;

  bool Contains(int64_t v) const { return use_interval ? (v >= lo && v <= hi) : exact.contains(v); }
  std::string Show() const {
    if (use_interval) {
      return absl::StrCat("between ", lo, " and ", hi);
    }
    if (exact.size() == 1) {
      return absl::StrCat(*exact.begin());
    }
    return absl::StrCat("one of {", absl::StrJoin(exact, ", "), "}");
  }
};

CounterRange CounterValues(int64_t acknowledged, const std::vector<int64_t>& unknown) {
  constexpr size_t kMaxExact = 1 << 14;
  CounterRange range;
  range.exact = {acknowledged};
  range.lo = range.hi = acknowledged;
  for (int64_t d : unknown) {
    int64_t& bound = d < 0 ? range.lo : range.hi;
    if (__builtin_add_overflow(bound, d, &bound)) {
      bound = d < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    if (range.use_interval) {
      continue;
    }
    std::set<int64_t> more = range.exact;
    for (int64_t v : range.exact) {
      int64_t sum = 0;
      if (__builtin_add_overflow(v, d, &sum)) {
        range.use_interval = true;
        break;
      }
      more.insert(sum);
    }
    range.exact = std::move(more);
    if (range.exact.size() > kMaxExact) {
      range.use_interval = true;
    }
  }
  return range;
}

}  // namespace

absl::StatusOr<CrdtType> ParseCrdtType(std::string_view name) {
  if (name == "gcounter") {
    return CrdtType::kGCounter;
  }
  if (name == "pncounter") {
    return CrdtType::kPNCounter;
  }
  if (name == "gset") {
    return CrdtType::kGSet;
  }
  if (name == "orset") {
    return CrdtType::kORSet;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown CRDT type \"", std::string(name),
                                                 "\" (expected gcounter, pncounter, gset, orset)"));
}

const char* CrdtTypeName(CrdtType type) {
  switch (type) {
    case CrdtType::kGCounter:
      return "gcounter";
    case CrdtType::kPNCounter:
      return "pncounter";
    case CrdtType::kGSet:
      return "gset";
    case CrdtType::kORSet:
      return "orset";
  }
  return "?";
}

absl::StatusOr<ConvergenceResult> CheckConvergence(const CrdtHistory& history) {
  ConvergenceResult result;
  const bool counter = history.type == CrdtType::kGCounter || history.type == CrdtType::kPNCounter;
  int64_t acknowledged_total = 0;
  std::vector<int64_t> unknown_deltas;
  std::set<std::string> must, may;  // sets: elements that must / may be present
  std::set<std::string> tags;
  std::map<std::string, std::string> tag_element;  // ORSet: add tag -> element
  std::map<std::string, OpStatus> tag_status;
  std::set<std::string> removed_surely, removed_maybe;  // ORSet: tags removed
  for (size_t i = 0; i < history.operations.size(); ++i) {
    const CrdtOp& op = history.operations[i];
    auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation ", i, " (", op.kind, " on replica ", op.replica, "): ", what));
    };
    if (op.status == OpStatus::kFail) {
      continue;
    }
    const bool known = op.status == OpStatus::kOk;
    if (counter) {
      if (op.amount <= 0) {
        return error("amount must be positive");
      }
      int64_t delta = 0;
      if (op.kind == "increment") {
        delta = op.amount;
      } else if (op.kind == "decrement" && history.type == CrdtType::kPNCounter) {
        delta = -op.amount;
      } else {
        return error(history.type == CrdtType::kGCounter ? "a gcounter only has increment"
                                                         : "expected increment or decrement");
      }
      if (known) {
        if (__builtin_add_overflow(acknowledged_total, delta, &acknowledged_total)) {
          return error("the counter overflows 64 bits");
        }
      } else {
        unknown_deltas.push_back(delta);
      }
      continue;
    }
    if (op.kind == "add") {
      if (history.type == CrdtType::kORSet) {
        if (op.tag.empty() || !tags.insert(op.tag).second) {
          return error("an orset add needs a unique tag");
        }
        tag_element[op.tag] = op.element;
        tag_status[op.tag] = op.status;
      } else if (known) {
        must.insert(op.element);
        may.insert(op.element);
        result.expected.elements.insert(op.element);
      } else {
        may.insert(op.element);
      }
    } else if (op.kind == "remove" && history.type == CrdtType::kORSet) {
      for (const std::string& tag : op.removed_tags) {
        (known ? removed_surely : removed_maybe).insert(tag);
      }
    } else {
      return error(history.type == CrdtType::kGSet ? "a gset only has add"
                                                   : "expected add or remove");
    }
  }
  if (history.type == CrdtType::kORSet) {
    for (const auto& [tag, element] : tag_element) {
      const bool add_known = tag_status[tag] == OpStatus::kOk;
      if (removed_maybe.contains(tag) && !removed_surely.contains(tag)) {
        // A remove that may have happened saw this add: the add's survival is unknown.
        may.insert(element);
        continue;
      }
      if (removed_surely.contains(tag)) {
        continue;
      }
      may.insert(element);
      if (add_known) {
        must.insert(element);
        result.expected.elements.insert(element);
      }
    }
    for (const std::string& tag : removed_surely) {
      if (!tag_element.contains(tag)) {
        return absl::InvalidArgumentError(
            absl::StrCat("a remove names tag \"", tag, "\" that no add has"));
      }
    }
  }
  result.expected.counter = acknowledged_total;

  if (history.replicas.empty()) {
    result.converged = false;
    result.problems.push_back("no replica states given");
    return result;
  }
  const CounterRange range = CounterValues(acknowledged_total, unknown_deltas);
  const auto& [first_name, first] = *history.replicas.begin();
  for (const auto& [name, value] : history.replicas) {
    if (counter ? value.counter != first.counter : value.elements != first.elements) {
      result.converged = false;
      result.problems.push_back(
          absl::StrCat("replicas ", first_name, " and ", name,
                       " differ: ", counter ? absl::StrCat(first.counter) : ShowSet(first.elements),
                       " vs ", counter ? absl::StrCat(value.counter) : ShowSet(value.elements)));
    }
    if (counter) {
      if (!range.Contains(value.counter)) {
        result.converged = false;
        result.problems.push_back(absl::StrCat("replica ", name, " has value ", value.counter,
                                               ", the merge of the updates is ", range.Show()));
      }
      continue;
    }
    std::set<std::string> missing, extra;
    for (const std::string& e : must) {
      if (!value.elements.contains(e)) {
        missing.insert(e);
      }
    }
    for (const std::string& e : value.elements) {
      if (!may.contains(e)) {
        extra.insert(e);
      }
    }
    if (!missing.empty()) {
      result.converged = false;
      result.problems.push_back(
          absl::StrCat("replica ", name, " lacks acknowledged elements ", ShowSet(missing)));
    }
    if (!extra.empty()) {
      result.converged = false;
      result.problems.push_back(absl::StrCat("replica ", name, " has elements ", ShowSet(extra),
                                             " that no surviving update added"));
    }
  }
  return result;
}

absl::StatusOr<CrdtHistory> ParseCrdtHistoryJson(std::string_view text) {
  auto parsed = ParseJsonLimited(text, "CRDT history");
  if (!parsed.ok()) {
    return parsed.status();
  }
  const json& root = *parsed;
  if (!root.is_object() || !root.contains("type") || !root["type"].is_string()) {
    return absl::InvalidArgumentError("CRDT history must be an object with a string \"type\"");
  }
  CrdtHistory history;
  auto type = ParseCrdtType(root["type"].get<std::string>());
  if (!type.ok()) {
    return type.status();
  }
  history.type = *type;
  const json& ops = root.contains("operations") ? root["operations"] : json::array();
  if (!ops.is_array()) {
    return absl::InvalidArgumentError("\"operations\" must be an array");
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const json& j = ops[i];
    auto bad = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat("operation ", i, ": ", what));
    };
    if (!j.is_object()) {
      return bad("must be an object");
    }
    CrdtOp op;
    for (const auto& [key, value] : j.items()) {
      if (key == "replica" || key == "kind" || key == "element" || key == "tag") {
        if (!value.is_string()) {
          return bad(absl::StrCat("\"", key, "\" must be a string"));
        }
        std::string s = value.get<std::string>();
        (key == "replica"   ? op.replica
         : key == "kind"    ? op.kind
         : key == "element" ? op.element
                            : op.tag) = std::move(s);
      } else if (key == "amount") {
        if (!value.is_number_integer()) {
          return bad("\"amount\" must be an integer");
        }
        op.amount = value.get<int64_t>();
      } else if (key == "removed_tags") {
        if (!value.is_array()) {
          return bad("\"removed_tags\" must be an array of strings");
        }
        for (const json& tag : value) {
          if (!tag.is_string()) {
            return bad("\"removed_tags\" must be an array of strings");
          }
          op.removed_tags.push_back(tag.get<std::string>());
        }
      } else if (key == "status") {
        if (value == "ok") {
          op.status = OpStatus::kOk;
        } else if (value == "info") {
          op.status = OpStatus::kInfo;
        } else if (value == "fail") {
          op.status = OpStatus::kFail;
        } else {
          return bad("\"status\" must be ok, fail or info");
        }
      } else {
        return bad(absl::StrCat("unknown field \"", key, "\""));
      }
    }
    if (op.kind.empty()) {
      return bad("missing \"kind\"");
    }
    history.operations.push_back(std::move(op));
  }
  if (!root.contains("replicas") || !root["replicas"].is_object()) {
    return absl::InvalidArgumentError("\"replicas\" must be an object of replica states");
  }
  for (const auto& [name, value] : root["replicas"].items()) {
    CrdtValue v;
    if (value.is_number_integer()) {
      v.counter = value.get<int64_t>();
    } else if (value.is_object() && value.contains("counter") &&
               value["counter"].is_number_integer()) {
      v.counter = value["counter"].get<int64_t>();
    } else if (value.is_object() && value.contains("elements") && value["elements"].is_array()) {
      for (const json& e : value["elements"]) {
        if (!e.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat("replica ", name, ": elements must be strings"));
        }
        v.elements.insert(e.get<std::string>());
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("replica ", name, ": expected {\"counter\": n} or {\"elements\": [...]}"));
    }
    history.replicas[name] = std::move(v);
  }
  return history;
}

}  // namespace cloudstate::model_checker
