#include "cloudstate/proxy_core/crdt_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {
namespace {

using cloudstate::crdt::CrdtClock;
using cloudstate::crdt::CrdtDelta;

absl::Status Incompatible(const char* what) {
  return absl::FailedPreconditionError(absl::StrCat("Incompatible CRDT change: ", what));
}

// The zero value of the delta's type, or nullopt for an empty delta.
std::optional<CrdtValue> ZeroFor(const CrdtDelta& delta) {
  switch (delta.delta_case()) {
    case CrdtDelta::kGcounter:
      return CrdtValue{GCounterValue{}};
    case CrdtDelta::kPncounter:
      return CrdtValue{PNCounterValue{}};
    case CrdtDelta::kGset:
      return CrdtValue{GSetValue{}};
    case CrdtDelta::kOrset:
      return CrdtValue{ORSetValue{}};
    case CrdtDelta::kLwwregister:
      return CrdtValue{LWWRegisterValue{}};
    case CrdtDelta::kFlag:
      return CrdtValue{FlagValue{}};
    case CrdtDelta::kOrmap:
      return CrdtValue{ORMapValue{}};
    case CrdtDelta::kVote:
      return CrdtValue{VoteValue{}};
    default:
      return std::nullopt;
  }
}

// Applies the delta to a value of the same type (checked by the caller).
absl::Status ApplySameType(const CrdtDelta& delta, CrdtValue& value, int64_t now_ms, bool fresh) {
  switch (delta.delta_case()) {
    case CrdtDelta::kGcounter:
      std::get<GCounterValue>(value.v).value += delta.gcounter().increment();
      return absl::OkStatus();
    case CrdtDelta::kPncounter:
      std::get<PNCounterValue>(value.v).value += delta.pncounter().change();
      return absl::OkStatus();
    case CrdtDelta::kGset: {
      auto& set = std::get<GSetValue>(value.v).elements;
      for (const auto& e : delta.gset().added()) {
        set.emplace(AnyKey(e), e);
      }
      return absl::OkStatus();
    }
    case CrdtDelta::kOrset: {
      auto& set = std::get<ORSetValue>(value.v).elements;
      if (delta.orset().cleared()) {
        set.clear();
      }
      for (const auto& e : delta.orset().removed()) {
        set.erase(AnyKey(e));
      }
      for (const auto& e : delta.orset().added()) {
        set.emplace(AnyKey(e), e);
      }
      return absl::OkStatus();
    }
    case CrdtDelta::kLwwregister: {
      auto& reg = std::get<LWWRegisterValue>(value.v);
      const auto& d = delta.lwwregister();
      int64_t clock = 0;
      switch (d.clock()) {
        case CrdtClock::REVERSE:
          clock = fresh ? -now_ms : std::min(-now_ms, reg.clock - 1);
          break;
        case CrdtClock::CUSTOM:
          clock = d.custom_clock_value();
          break;
        case CrdtClock::CUSTOM_AUTO_INCREMENT:
          clock = (fresh || d.custom_clock_value() > reg.clock) ? d.custom_clock_value()
                                                                : reg.clock + 1;
          break;
        default:
          clock = fresh ? now_ms : std::max(now_ms, reg.clock + 1);
          break;
      }
      reg.value = d.value();
      reg.clock = clock;
      return absl::OkStatus();
    }
    case CrdtDelta::kFlag: {
      auto& flag = std::get<FlagValue>(value.v);
      if (!delta.flag().value() && flag.value) {
        return Incompatible("a flag cannot be switched off");
      }
      flag.value = flag.value || delta.flag().value();
      return absl::OkStatus();
    }
    case CrdtDelta::kOrmap: {
      auto& map = std::get<ORMapValue>(value.v).entries;
      const auto& d = delta.ormap();
      if (d.cleared()) {
        map.clear();
      }
      for (const auto& key : d.removed()) {
        map.erase(AnyKey(key));
      }
      for (const auto& entry : d.updated()) {
        auto it = map.find(AnyKey(entry.key()));
        if (it == map.end()) {
          continue;  // updates of missing keys are ignored (§4.5)
        }
        std::optional<CrdtValue> nested = *it->second.second;
        if (ApplyCrdtDelta(entry.delta(), &nested, now_ms).ok()) {
          it->second.second = std::make_shared<CrdtValue>(std::move(*nested));
        }
      }
      for (const auto& entry : d.added()) {
        const std::string k = AnyKey(entry.key());
        std::optional<CrdtValue> nested;
        auto it = map.find(k);
        if (it != map.end()) {
          nested = *it->second.second;
        }
        absl::Status s = ApplyCrdtDelta(entry.delta(), &nested, now_ms);
        if (!s.ok()) {
          return s;
        }
        map[k] = {entry.key(), std::make_shared<CrdtValue>(std::move(*nested))};
      }
      return absl::OkStatus();
    }
    case CrdtDelta::kVote:
      std::get<VoteValue>(value.v).self_vote = delta.vote().self_vote();
      return absl::OkStatus();
    default:
      return Incompatible("empty delta");
  }
}

}  // namespace

std::string AnyKey(const google::protobuf::Any& any) {
  std::string key = any.type_url();
  key.push_back('\0');
  key += any.value();
  return key;
}

absl::Status ApplyCrdtDelta(const CrdtDelta& delta, std::optional<CrdtValue>* value,
                            int64_t now_ms) {
  std::optional<CrdtValue> zero = ZeroFor(delta);
  if (!zero.has_value()) {
    return Incompatible("empty delta");
  }
  const bool fresh = !value->has_value();
  if (!fresh && (*value)->v.index() != zero->v.index()) {
    return Incompatible("delta type does not match the CRDT type");
  }
  CrdtValue working = fresh ? std::move(*zero) : **value;
  absl::Status s = ApplySameType(delta, working, now_ms, fresh);
  if (!s.ok()) {
    return s;
  }
  *value = std::move(working);
  return absl::OkStatus();
}

CrdtDelta FullStateDelta(const CrdtValue& value) {
  CrdtDelta d;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, GCounterValue>) {
          d.mutable_gcounter()->set_increment(v.value);
        } else if constexpr (std::is_same_v<T, PNCounterValue>) {
          d.mutable_pncounter()->set_change(v.value);
        } else if constexpr (std::is_same_v<T, GSetValue>) {
          auto* g = d.mutable_gset();
          for (const auto& [k, e] : v.elements) {
            *g->add_added() = e;
          }
        } else if constexpr (std::is_same_v<T, ORSetValue>) {
          auto* o = d.mutable_orset();
          for (const auto& [k, e] : v.elements) {
            *o->add_added() = e;
          }
        } else if constexpr (std::is_same_v<T, LWWRegisterValue>) {
          *d.mutable_lwwregister()->mutable_value() = v.value;
        } else if constexpr (std::is_same_v<T, FlagValue>) {
          d.mutable_flag()->set_value(v.value);
        } else if constexpr (std::is_same_v<T, ORMapValue>) {
          auto* m = d.mutable_ormap();
          for (const auto& [k, entry] : v.entries) {
            auto* added = m->add_added();
            *added->mutable_key() = entry.first;
            *added->mutable_delta() = FullStateDelta(*entry.second);
          }
        } else if constexpr (std::is_same_v<T, VoteValue>) {
          // Single node: this node is the only voter.
          d.mutable_vote()->set_self_vote(v.self_vote);
          d.mutable_vote()->set_votes_for(v.self_vote ? 1 : 0);
          d.mutable_vote()->set_total_voters(1);
        }
      },
      value.v);
  return d;
}

absl::StatusOr<std::optional<CrdtDelta>> CrdtDiff(const CrdtValue& before, const CrdtValue& after) {
  if (before.v.index() != after.v.index()) {
    return Incompatible("CRDT type changed");
  }
  CrdtDelta d;
  bool changed = false;
  absl::Status status;
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(before.v);
        if constexpr (std::is_same_v<T, GCounterValue>) {
          if (a.value < b.value) {
            status = Incompatible("GCounter decreased");
          } else if (a.value != b.value) {
            d.mutable_gcounter()->set_increment(a.value - b.value);
            changed = true;
          }
        } else if constexpr (std::is_same_v<T, PNCounterValue>) {
          if (a.value != b.value) {
            d.mutable_pncounter()->set_change(a.value - b.value);
            changed = true;
          }
        } else if constexpr (std::is_same_v<T, GSetValue>) {
          for (const auto& [k, e] : a.elements) {
            if (b.elements.count(k) == 0) {
              *d.mutable_gset()->add_added() = e;
              changed = true;
            }
          }
        } else if constexpr (std::is_same_v<T, ORSetValue>) {
          auto* o = d.mutable_orset();
          int removed = 0;
          for (const auto& [k, e] : b.elements) {
            if (a.elements.count(k) == 0) {
              *o->add_removed() = e;
              ++removed;
            }
          }
          int added = 0;
          for (const auto& [k, e] : a.elements) {
            if (b.elements.count(k) == 0) {
              *o->add_added() = e;
              ++added;
            }
          }
          changed = removed + added > 0;
          // Clearing and re-adding is smaller when most elements went away.
          if (changed && (a.elements.empty() ||
                          static_cast<size_t>(removed + added) > a.elements.size() + 1)) {
            o->Clear();
            o->set_cleared(true);
            for (const auto& [k, e] : a.elements) {
              *o->add_added() = e;
            }
          }
        } else if constexpr (std::is_same_v<T, LWWRegisterValue>) {
          if (AnyKey(a.value) != AnyKey(b.value)) {
            *d.mutable_lwwregister()->mutable_value() = a.value;
            changed = true;
          }
        } else if constexpr (std::is_same_v<T, FlagValue>) {
          if (a.value != b.value) {
            d.mutable_flag()->set_value(a.value);
            changed = true;
          }
        } else if constexpr (std::is_same_v<T, ORMapValue>) {
          auto* m = d.mutable_ormap();
          for (const auto& [k, entry] : b.entries) {
            if (a.entries.count(k) == 0) {
              *m->add_removed() = entry.first;
              changed = true;
            }
          }
          for (const auto& [k, entry] : a.entries) {
            auto it = b.entries.find(k);
            if (it == b.entries.end()) {
              auto* added = m->add_added();
              *added->mutable_key() = entry.first;
              *added->mutable_delta() = FullStateDelta(*entry.second);
              changed = true;
              continue;
            }
            auto nested = CrdtDiff(*it->second.second, *entry.second);
            if (!nested.ok()) {
              // The value changed incompatibly: remove and re-create the key.
              *m->add_removed() = entry.first;
              auto* added = m->add_added();
              *added->mutable_key() = entry.first;
              *added->mutable_delta() = FullStateDelta(*entry.second);
              changed = true;
            } else if (nested->has_value()) {
              auto* updated = m->add_updated();
              *updated->mutable_key() = entry.first;
              *updated->mutable_delta() = std::move(**nested);
              changed = true;
            }
          }
          if (changed && a.entries.empty()) {
            m->Clear();
            m->set_cleared(true);
          }
        } else if constexpr (std::is_same_v<T, VoteValue>) {
          if (a.self_vote != b.self_vote) {
            d = FullStateDelta(after);
            changed = true;
          }
        }
      },
      after.v);
  if (!status.ok()) {
    return status;
  }
  if (!changed) {
    return std::optional<CrdtDelta>();
  }
  return std::optional<CrdtDelta>(std::move(d));
}

}  // namespace cloudstate::proxy
