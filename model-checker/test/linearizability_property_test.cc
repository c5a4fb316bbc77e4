// RapidCheck properties of the linearizability checker: histories recorded from a linearizable
// execution are always accepted, whatever the concurrency and unknown outcomes; a read that
// returns a value never written is always rejected; the checker agrees with a brute-force search
// over all orders on small histories, including mutated ones.
#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cloudstate/model_checker/generate.h"
#include "cloudstate/model_checker/linearizability.h"
#include "cloudstate/model_checker/models.h"

namespace cloudstate::model_checker {
namespace {

rc::Gen<PlannedOp> GenPlannedOp(int clients, int keys) {
  return rc::gen::build<PlannedOp>(
      rc::gen::set(&PlannedOp::client, rc::gen::inRange(0, clients)),
      rc::gen::set(&PlannedOp::key, rc::gen::inRange(0, keys)),
      rc::gen::set(
          &PlannedOp::kind,
          rc::gen::element(PlannedOp::Kind::kRead, PlannedOp::Kind::kWrite, PlannedOp::Kind::kCas)),
      rc::gen::set(&PlannedOp::value, rc::gen::inRange(0, 4)),
      rc::gen::set(&PlannedOp::expected, rc::gen::inRange(0, 4)),
      rc::gen::set(&PlannedOp::gap, rc::gen::inRange(0, 5)),
      rc::gen::set(&PlannedOp::duration, rc::gen::inRange(0, 15)),
      rc::gen::set(&PlannedOp::point, rc::gen::inRange(0, 1000)),
      rc::gen::set(&PlannedOp::unknown, rc::gen::weightedElement<bool>({{9, false}, {1, true}})));
}

Verdict CheckVerdict(const History& h) {
  auto result = CheckHistory(h);
  RC_ASSERT(result.ok());
  return result->verdict;
}

// Whether some order of the operations respecting real time explains every known output (the
// definition, by exhaustive search; unknown operations may also be left out). Tiny histories only.
bool BruteForceLinearizable(const History& h) {
  std::vector<const Operation*> ops;
  for (const Operation& op : h.operations) {
    if (op.status != OpStatus::kFail) {
      ops.push_back(&op);
    }
  }
  const size_t n = ops.size();
  // Every subset of the unknown operations that take effect.
  std::vector<size_t> unknown;
  for (size_t i = 0; i < n; ++i) {
    if (ops[i]->status == OpStatus::kInfo) {
      unknown.push_back(i);
    }
  }
  for (uint32_t mask = 0; mask < (1u << unknown.size()); ++mask) {
    std::vector<size_t> chosen;
    for (size_t i = 0; i < n; ++i) {
      auto it = std::find(unknown.begin(), unknown.end(), i);
      if (it == unknown.end() || (mask >> (it - unknown.begin())) & 1) {
        chosen.push_back(i);
      }
    }
    std::sort(chosen.begin(), chosen.end());
    do {
      bool ok = true;
      // Real time: an operation that returned before another was called comes first.
      for (size_t a = 0; a < chosen.size() && ok; ++a) {
        for (size_t b = a + 1; b < chosen.size() && ok; ++b) {
          ok = !(ops[chosen[b]]->ret < ops[chosen[a]]->call);
        }
      }
      if (!ok) {
        continue;
      }
      std::map<std::string, KvRegisterModel::State> state;
      for (size_t i : chosen) {
        auto step = KvRegisterModel::Prepare(*ops[i]);
        if (!step.ok()) {
          return false;
        }
        KvRegisterModel::State next;
        auto& s = state[ops[i]->entity];
        if (!KvRegisterModel::Apply(s, *step, ops[i]->status == OpStatus::kOk, &next)) {
          ok = false;
          break;
        }
        s = next;
      }
      if (ok) {
        return true;
      }
    } while (std::next_permutation(chosen.begin(), chosen.end()));
  }
  return false;
}

RC_GTEST_PROP(LinearizabilityProperty, RecordedExecutionsAreLinearizable, ()) {
  const int clients = *rc::gen::inRange(1, 6);
  const int keys = *rc::gen::inRange(1, 3);
  const auto plan = *rc::gen::container<std::vector<PlannedOp>>(GenPlannedOp(clients, keys));
  const History h = ExecutePlan(plan);
  RC_CLASSIFY(h.operations.size() >= 50, "50 or more operations");
  auto result = CheckHistory(h);
  RC_ASSERT(result.ok());
  RC_ASSERT(result->verdict == Verdict::kLinearizable);
}

RC_GTEST_PROP(LinearizabilityProperty, AReadOfAValueNeverWrittenIsCaught, ()) {
  const int clients = *rc::gen::inRange(1, 5);
  auto plan =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<PlannedOp>>(GenPlannedOp(clients, 1)));
  History h = ExecutePlan(plan);
  // Values written are 0..3: turn one known read or successful cas into a read of 42.
  std::vector<int> known;
  for (const Operation& op : h.operations) {
    if (op.status == OpStatus::kOk) {
      known.push_back(op.id);
    }
  }
  RC_PRE(!known.empty());
  Operation& victim = h.operations[*rc::gen::elementOf(known)];
  victim.f = "read";
  victim.input = nullptr;
  victim.output = 42;
  auto result = CheckHistory(h);
  RC_ASSERT(result.ok());
  RC_ASSERT(result->verdict == Verdict::kNotLinearizable);
  const Counterexample& cx = result->entities[0].counterexample;
  // The minimal prefix ends with a return that cannot be linearized; the victim is among the
  // operations of the prefix.
  RC_ASSERT(!cx.culprits.empty());
  RC_ASSERT(std::find(cx.prefix.begin(), cx.prefix.end(), victim.id) != cx.prefix.end());
}

RC_GTEST_PROP(LinearizabilityProperty, AgreesWithBruteForceOnMutatedHistories, ()) {
  const int clients = *rc::gen::inRange(1, 4);
  auto plan =
      *rc::gen::resize(6, rc::gen::container<std::vector<PlannedOp>>(GenPlannedOp(clients, 2)));
  History h = ExecutePlan(plan);
  // Mutations: change an output, move a call or return, or forget an outcome.
  const int mutations = *rc::gen::inRange(1, 4);
  for (int m = 0; m < mutations && !h.operations.empty(); ++m) {
    Operation& op = h.operations[*rc::gen::inRange<size_t>(0, h.operations.size())];
    switch (*rc::gen::element(0, 0, 1, 2, 3)) {
      case 0:
        if (op.f == "read") {
          op.output = *rc::gen::inRange(0, 4);
        } else if (op.f == "cas" && op.status == OpStatus::kOk) {
          op.output = !op.output.get<bool>();
        }
        break;
      case 1:
        if (op.status == OpStatus::kOk) {
          op.ret = op.call + *rc::gen::inRange<int64_t>(0, op.ret - op.call + 1);
        }
        break;
      case 2:
        op.call = *rc::gen::inRange<int64_t>(0, op.call + 1);
        break;
      case 3:
        op.status = OpStatus::kInfo;
        op.ret = kNeverReturned;
        op.output = nullptr;
        break;
    }
  }
  const bool expected = BruteForceLinearizable(h);
  RC_TAG(expected ? "linearizable" : "not linearizable");
  RC_ASSERT(CheckVerdict(h) == (expected ? Verdict::kLinearizable : Verdict::kNotLinearizable));
}

RC_GTEST_PROP(LinearizabilityProperty, MinimalPrefixIsMinimal, ()) {
  auto plan = *rc::gen::resize(12, rc::gen::container<std::vector<PlannedOp>>(GenPlannedOp(3, 1)));
  History h = ExecutePlan(plan);
  RC_PRE(!h.operations.empty());
  Operation& op = h.operations[*rc::gen::inRange<size_t>(0, h.operations.size())];
  RC_PRE(op.f == "read" && op.status == OpStatus::kOk);
  op.output = *rc::gen::inRange(0, 4);
  auto result = CheckHistory(h);
  RC_ASSERT(result.ok());
  RC_PRE(result->verdict == Verdict::kNotLinearizable);
  const Counterexample& cx = result->entities[0].counterexample;
  // The prefix itself is not linearizable, and cutting it just before its end makes it so.
  auto prefix_at = [&](int64_t cutoff) {
    History p;
    p.model = h.model;
    for (const Operation& o : h.operations) {
      if (o.call > cutoff) {
        continue;
      }
      Operation copy = o;
      if (copy.ret > cutoff) {
        copy.status = OpStatus::kInfo;
        copy.ret = kNeverReturned;
        copy.output = nullptr;
      }
      p.AddOperation(copy);
    }
    return p;
  };
  RC_ASSERT(CheckVerdict(prefix_at(cx.prefix_end)) == Verdict::kNotLinearizable);
  RC_ASSERT(CheckVerdict(prefix_at(cx.prefix_end - 1)) == Verdict::kLinearizable);
}

}  // namespace
}  // namespace cloudstate::model_checker
