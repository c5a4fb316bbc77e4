#include "cloudstate/model_checker/linearizability.h"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "cloudstate/model_checker/models.h"

namespace cloudstate::model_checker {
namespace {

// One operation of an entity's sub-history, prepared for the search.
template <typename M>
struct PreparedOp {
  int id = 0;  // Operation::id
  int64_t call = 0;
  int64_t ret = kNeverReturned;  // kNeverReturned: pending (outcome unknown)
  typename M::Step step{};
  bool output_known = true;
};

// A set of operations (by index in the entity's sub-history) with a Zobrist hash kept up to date,
// so that memoised states are hashed in O(1).
class OpSet {
 public:
  explicit OpSet(size_t n) : words_((n + 63) / 64, 0) {}
  void Flip(size_t i, uint64_t key) {
    words_[i / 64] ^= uint64_t{1} << (i % 64);
    hash_ ^= key;
  }
  uint64_t hash() const { return hash_; }
  friend bool operator==(const OpSet& a, const OpSet& b) { return a.words_ == b.words_; }

 private:
  std::vector<uint64_t> words_;
  uint64_t hash_ = 0;
};

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

template <typename M>
struct CacheEntry {
  OpSet linearized;
  typename M::State state;
  uint64_t hash;
  friend bool operator==(const CacheEntry& a, const CacheEntry& b) {
    return a.hash == b.hash && a.state == b.state && a.linearized == b.linearized;
  }
};

template <typename M>
struct CacheHash {
  size_t operator()(const CacheEntry<M>& e) const { return e.hash; }
};

struct SearchOutcome {
  Verdict verdict = Verdict::kLinearizable;
  int64_t states = 0;
  std::vector<int> longest{};  // op indices, when tracking
};

// The Wing-Gong search with Lowe's memoisation over one entity's operations. Events are kept in a
// doubly linked list ordered by time (calls before returns at equal times, so touching operations
// are concurrent); linearizing an operation lifts its call and return out of the list, and
// backtracking puts them back. Pending operations have no return event: they may be linearized
// anywhere after their call, or never.
template <typename M>
SearchOutcome Search(const std::vector<PreparedOp<M>>& ops, const typename M::State& initial,
                     const CheckOptions& options, bool track_longest,
                     typename M::State* state_after_longest) {
  SearchOutcome outcome;
  const int n = static_cast<int>(ops.size());
  if (n == 0) {
    return outcome;
  }
  struct Event {
    int64_t time;
    bool is_return;
    int op;
  };
  std::vector<Event> events;
  events.reserve(2 * n);
  for (int i = 0; i < n; ++i) {
    events.push_back({ops[i].call, false, i});
    if (ops[i].ret != kNeverReturned) {
      events.push_back({ops[i].ret, true, i});
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) {
      return a.time < b.time;
    }
    if (a.is_return != b.is_return) {
      return !a.is_return;
    }
    return a.op < b.op;
  });
  // List nodes: 0 is the head sentinel, node k + 1 is events[k]; -1 ends the list.
  const int nodes = static_cast<int>(events.size()) + 1;
  std::vector<int> next(nodes), prev(nodes), return_node(n, -1);
  for (int k = 0; k < nodes; ++k) {
    next[k] = k + 1 < nodes ? k + 1 : -1;
    prev[k] = k - 1;
  }
  for (int k = 1; k < nodes; ++k) {
    if (events[k - 1].is_return) {
      return_node[events[k - 1].op] = k;
    }
  }
  auto unlink = [&](int k) {
    next[prev[k]] = next[k];
    if (next[k] != -1) {
      prev[next[k]] = prev[k];
    }
  };
  auto relink = [&](int k) {
    next[prev[k]] = k;
    if (next[k] != -1) {
      prev[next[k]] = k;
    }
  };
  std::vector<uint64_t> keys(n);
  for (int i = 0; i < n; ++i) {
    keys[i] = SplitMix64(static_cast<uint64_t>(i) + 1);
  }

  struct Frame {
    int node;                 // the call node that was linearized
    typename M::State state;  // the state before it
    bool forced;              // a pure operation: no alternative needs trying (see below)
  };
  // The memo holds a bitset of the entity's operations per state: bound it by count and bytes.
  int64_t max_states = options.max_states_per_entity;
  if (options.max_memory_bytes_per_entity > 0) {
    const int64_t entry_bytes =
        static_cast<int64_t>((n + 63) / 64 * 8 + sizeof(CacheEntry<M>) + 32);
    const int64_t by_memory =
        std::max<int64_t>(1, options.max_memory_bytes_per_entity / entry_bytes);
    max_states = max_states > 0 ? std::min(max_states, by_memory) : by_memory;
  }
  std::vector<Frame> stack;
  stack.reserve(n);
  std::unordered_set<CacheEntry<M>, CacheHash<M>> cache;
  OpSet linearized(n);
  typename M::State state = initial;
  typename M::State next_state{};
  // Undoes choices until one whose alternatives remain; false when none is left. A pure
  // operation (one that leaves the state as it is, e.g. a read) that can be linearized is
  // linearized at once: any completion that places it later stays valid with it moved first, so
  // when the search fails after it, it fails without it too, and its frame is popped through.
  auto backtrack = [&](int* entry) {
    while (!stack.empty()) {
      Frame top = std::move(stack.back());
      stack.pop_back();
      const int op = events[top.node - 1].op;
      state = std::move(top.state);
      linearized.Flip(op, keys[op]);
      if (return_node[op] != -1) {
        relink(return_node[op]);
      }
      relink(top.node);
      if (!top.forced) {
        *entry = next[top.node];
        return true;
      }
    }
    return false;
  };
  int entry = next[0];
  while (next[0] != -1) {
    if (entry == -1) {
      // Only calls of pending operations are left in front of us: they need not take effect.
      break;
    }
    const Event& ev = events[entry - 1];
    if (!ev.is_return) {
      const PreparedOp<M>& op = ops[ev.op];
      if (M::Apply(state, op.step, op.output_known, &next_state)) {
        const bool forced = M::IsPure(op.step, op.output_known);
        OpSet candidate = linearized;
        candidate.Flip(ev.op, keys[ev.op]);
        const uint64_t hash = candidate.hash() ^ (M::Hash(next_state) * 0x9e3779b97f4a7c15ULL);
        CacheEntry<M> key{std::move(candidate), next_state, hash};
        if (cache.insert(std::move(key)).second) {
          if (max_states > 0 && static_cast<int64_t>(cache.size()) > max_states) {
            outcome.verdict = Verdict::kUnknown;
            outcome.states = static_cast<int64_t>(cache.size());
            return outcome;
          }
          stack.push_back({entry, std::move(state), forced});
          state = std::move(next_state);
          linearized.Flip(ev.op, keys[ev.op]);
          unlink(entry);
          if (return_node[ev.op] != -1) {
            unlink(return_node[ev.op]);
          }
          if (track_longest && stack.size() > outcome.longest.size()) {
            outcome.longest.clear();
            for (const Frame& f : stack) {
              outcome.longest.push_back(events[f.node - 1].op);
            }
            *state_after_longest = state;
          }
          entry = next[0];
          continue;
        }
        if (forced) {
          // Explored before without success; so is the configuration before it.
          if (!backtrack(&entry)) {
            outcome.verdict = Verdict::kNotLinearizable;
            outcome.states = static_cast<int64_t>(cache.size());
            return outcome;
          }
          continue;
        }
      }
      entry = next[entry];
      continue;
    }
    // A return whose operation is not linearized yet: undo the last choice.
    if (!backtrack(&entry)) {
      outcome.verdict = Verdict::kNotLinearizable;
      outcome.states = static_cast<int64_t>(cache.size());
      return outcome;
    }
  }
  outcome.states = static_cast<int64_t>(cache.size());
  return outcome;
}

// The entity's operations as they stand at time `cutoff`: those called later are left out, those
// returning later are pending.
template <typename M>
std::vector<PreparedOp<M>> PrefixAt(const std::vector<PreparedOp<M>>& ops, int64_t cutoff) {
  std::vector<PreparedOp<M>> prefix;
  for (const auto& op : ops) {
    if (op.call > cutoff) {
      continue;
    }
    prefix.push_back(op);
    if (op.ret > cutoff) {
      prefix.back().ret = kNeverReturned;
      prefix.back().output_known = false;
    }
  }
  return prefix;
}

// Finds the minimal non-linearizable prefix of a non-linearizable entity by bisection over the
// return times (a prefix ending at a call can always be linearized when the one before can, and
// non-linearizability is preserved by extending a prefix).
template <typename M>
void Explain(const std::vector<PreparedOp<M>>& ops, const typename M::State& initial,
             const CheckOptions& options, EntityResult* result) {
  std::vector<int64_t> returns;
  for (const auto& op : ops) {
    if (op.ret != kNeverReturned) {
      returns.push_back(op.ret);
    }
  }
  std::sort(returns.begin(), returns.end());
  returns.erase(std::unique(returns.begin(), returns.end()), returns.end());
  if (returns.empty()) {
    return;
  }
  size_t lo = 0, hi = returns.size() - 1;  // the prefix at returns[hi] is not linearizable
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    typename M::State unused{};
    SearchOutcome o = Search(PrefixAt(ops, returns[mid]), initial, options, false, &unused);
    if (o.verdict == Verdict::kNotLinearizable) {
      hi = mid;
    } else if (o.verdict == Verdict::kLinearizable) {
      lo = mid + 1;
    } else {
      return;  // too expensive to explain
    }
  }
  const int64_t end = returns[lo];
  std::vector<PreparedOp<M>> prefix = PrefixAt(ops, end);
  Counterexample& cx = result->counterexample;
  cx.prefix_end = end;
  for (const auto& op : prefix) {
    cx.prefix.push_back(op.id);
    if (op.ret == end && op.output_known) {
      cx.culprits.push_back(op.id);
    }
  }
  typename M::State after = initial;
  SearchOutcome o = Search(prefix, initial, options, true, &after);
  for (int index : o.longest) {
    cx.longest_linearization.push_back(prefix[index].id);
  }
  cx.state_after_longest = M::Show(after);
}

template <typename M>
absl::StatusOr<CheckResult> CheckWithModel(const History& history, const CheckOptions& options) {
  auto initial = M::Initial(history.initial);
  if (!initial.ok()) {
    return initial.status();
  }
  CheckResult result;
  result.model = std::string(M::kName);
  std::map<std::string, std::vector<PreparedOp<M>>> by_entity;
  for (const Operation& op : history.operations) {
    if (op.status == OpStatus::kFail) {
      ++result.failed_operations;
      continue;
    }
    auto step = M::Prepare(op);
    if (!step.ok()) {
      return step.status();
    }
    by_entity[op.entity].push_back({.id = op.id,
                                    .call = op.call,
                                    .ret = op.status == OpStatus::kOk ? op.ret : kNeverReturned,
                                    .step = *std::move(step),
                                    .output_known = op.status == OpStatus::kOk});
    ++result.operations;
  }
  for (const auto& [entity, ops] : by_entity) {
    EntityResult er;
    er.entity = entity;
    er.operations = static_cast<int>(ops.size());
    typename M::State unused{};
    SearchOutcome o = Search(ops, *initial, options, false, &unused);
    er.verdict = o.verdict;
    er.states_visited = o.states;
    if (o.verdict == Verdict::kUnknown) {
      er.message = absl::StrCat("gave up after ", o.states,
                                " memoised states (the state and memory budget)");
      if (result.verdict == Verdict::kLinearizable) {
        result.verdict = Verdict::kUnknown;
      }
    } else if (o.verdict == Verdict::kNotLinearizable) {
      result.verdict = Verdict::kNotLinearizable;
      er.message = "not linearizable";
      if (options.explain) {
        Explain(ops, *initial, options, &er);
        const Counterexample& cx = er.counterexample;
        if (!cx.culprits.empty()) {
          er.message =
              absl::StrCat("not linearizable: operation", cx.culprits.size() > 1 ? "s " : " #",
                           absl::StrJoin(cx.culprits, ", #"), " cannot be linearized with the ",
                           cx.prefix.size(), " operations called before time ", cx.prefix_end);
        }
      }
    }
    result.entities.push_back(std::move(er));
  }
  return result;
}

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLinearizable:
      return "linearizable";
    case Verdict::kNotLinearizable:
      return "not-linearizable";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

absl::StatusOr<CheckResult> CheckHistory(const History& history, const CheckOptions& options) {
  if (history.model == KvRegisterModel::kName) {
    return CheckWithModel<KvRegisterModel>(history, options);
  }
  if (history.model == ValueEntityModel::kName) {
    return CheckWithModel<ValueEntityModel>(history, options);
  }
  if (history.model == ShoppingCartModel::kName) {
    return CheckWithModel<ShoppingCartModel>(history, options);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown model \"", history.model, "\" (known: ", absl::StrJoin(ModelNames(), ", "), ")"));
}

std::string DescribeOperation(const Operation& op) {
  std::string text = absl::StrCat("#", op.id, " client ", op.process, ": ", op.f);
  if (!op.input.is_null()) {
    absl::StrAppend(&text, " ", op.input.dump());
  }
  absl::StrAppend(&text, " -> ", OpStatusName(op.status));
  if (!op.output.is_null()) {
    absl::StrAppend(&text, " ", op.output.dump());
  }
  absl::StrAppend(&text, " [", op.call, ", ",
                  op.ret == kNeverReturned ? std::string("never") : absl::StrCat(op.ret), "]");
  return text;
}

std::string DescribeResult(const History& history, const CheckResult& result) {
  std::string text =
      absl::StrCat("model ", result.model, ": ", VerdictName(result.verdict), " (",
                   result.operations, " operations on ", result.entities.size(), " entities, ",
                   result.failed_operations, " failed operations left out)\n");
  auto op_line = [&](int id) {
    return id >= 0 && id < static_cast<int>(history.operations.size())
               ? DescribeOperation(history.operations[id])
               : absl::StrCat("#", id);
  };
  for (const EntityResult& er : result.entities) {
    absl::StrAppend(&text, "entity \"", er.entity, "\": ", VerdictName(er.verdict), ", ",
                    er.operations, " operations, ", er.states_visited, " states");
    if (!er.message.empty() && er.verdict != Verdict::kLinearizable) {
      absl::StrAppend(&text, " - ", er.message);
    }
    absl::StrAppend(&text, "\n");
    const Counterexample& cx = er.counterexample;
    if (er.verdict != Verdict::kNotLinearizable || cx.prefix.empty()) {
      continue;
    }
    absl::StrAppend(&text, "  cannot be linearized:\n");
    for (int id : cx.culprits) {
      absl::StrAppend(&text, "    ", op_line(id), "\n");
    }
    absl::StrAppend(&text, "  minimal non-linearizable prefix (", cx.prefix.size(),
                    " operations, up to time ", cx.prefix_end, "):\n");
    for (int id : cx.prefix) {
      absl::StrAppend(&text, "    ", op_line(id), "\n");
    }
    absl::StrAppend(&text, "  a longest partial linearization (", cx.longest_linearization.size(),
                    " operations), ending in state ", cx.state_after_longest, ":\n");
    for (int id : cx.longest_linearization) {
      absl::StrAppend(&text, "    ", op_line(id), "\n");
    }
  }
  return text;
}

}  // namespace cloudstate::model_checker
