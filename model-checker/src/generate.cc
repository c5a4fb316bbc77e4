#include "cloudstate/model_checker/generate.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"

namespace cloudstate::model_checker {

History ExecutePlan(const std::vector<PlannedOp>& plan) {
  History history;
  history.model = "kv-register";
  std::map<int, int64_t> client_free;  // time each client's previous operation returned
  struct Placed {
    size_t index;
    int64_t call, ret, point;
  };
  std::vector<Placed> placed;
  placed.reserve(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    const PlannedOp& p = plan[i];
    int64_t& free = client_free[p.client];
    const int64_t call = free + std::max(0, p.gap);
    const int64_t duration = std::max(0, p.duration);
    const int64_t ret = call + duration;
    const int64_t point = call + static_cast<int64_t>(std::abs(p.point % (duration + 1)));
    // A client whose operation never returned cannot call again in a real system; the plan's
    // next operation of that client just starts after the would-be return.
    free = ret;
    placed.push_back({i, call, ret, point});
  }
  std::vector<size_t> order(placed.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return placed[a].point < placed[b].point; });
  std::map<int, std::optional<int>> registers;
  std::vector<nlohmann::json> outputs(plan.size());
  for (size_t i : order) {
    const PlannedOp& p = plan[i];
    std::optional<int>& reg = registers[p.key];
    switch (p.kind) {
      case PlannedOp::Kind::kRead:
        outputs[i] = reg.has_value() ? nlohmann::json(*reg) : nlohmann::json(nullptr);
        break;
      case PlannedOp::Kind::kWrite:
        reg = p.value;
        break;
      case PlannedOp::Kind::kCas: {
        const bool swap = reg.has_value() && *reg == p.expected;
        if (swap) {
          reg = p.value;
        }
        outputs[i] = swap;
        break;
      }
    }
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    const PlannedOp& p = plan[i];
    Operation op;
    op.process = absl::StrCat("c", p.client);
    op.entity = absl::StrCat("k", p.key);
    op.call = placed[i].call;
    op.ret = p.unknown ? kNeverReturned : placed[i].ret;
    op.status = p.unknown ? OpStatus::kInfo : OpStatus::kOk;
    switch (p.kind) {
      case PlannedOp::Kind::kRead:
        op.f = "read";
        break;
      case PlannedOp::Kind::kWrite:
        op.f = "write";
        op.input = p.value;
        break;
      case PlannedOp::Kind::kCas:
        op.f = "cas";
        op.input = {p.expected, p.value};
        break;
    }
    if (!p.unknown) {
      op.output = outputs[i];
    }
    history.AddOperation(std::move(op));
  }
  return history;
}

std::vector<PlannedOp> RandomPlan(uint64_t seed, int operations, int keys, int clients) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<PlannedOp> plan;
  plan.reserve(operations);
  for (int i = 0; i < operations; ++i) {
    PlannedOp p;
    p.client = uniform(0, clients - 1);
    p.key = keys > 0 ? p.client % keys : 0;
    const int kind = uniform(0, 9);
    p.kind = kind < 5   ? PlannedOp::Kind::kRead
             : kind < 8 ? PlannedOp::Kind::kWrite
                        : PlannedOp::Kind::kCas;
    p.value = uniform(0, 4);
    p.expected = uniform(0, 4);
    p.gap = uniform(0, 3);
    p.duration = uniform(0, 12);
    p.point = uniform(0, 1000);
    plan.push_back(p);
  }
  return plan;
}

}  // namespace cloudstate::model_checker
