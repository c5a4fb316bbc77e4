#pragma once
// The kept state of one CRDT key (EntityKey kCrdtState), shared by the entities of every service
// that declares the same persistence id, as the original proxy's Distributed Data key
// "<persistence id>-<entity id>" is. Each CrdtCore owns its own copy; the shell applies every
// StateChanged of a core here (so a later incarnation starts from it) and routes the change to the
// other live entities on the key, whose cores take it as OnReplicatedDelta/OnReplicatedDelete:
// on a single node they are the only "peers". Entities run on different strands: all under `mu_`.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"

#include "cloudstate/crdt.pb.h"

#include "cloudstate/proxy_core/crdt_core.h"
#include "cloudstate/proxy_core/crdt_state.h"

namespace cloudstate::proxy {

template <class Member>
class CrdtSharedState {
 public:
  // The state a new incarnation starts from, with the version it includes. `member` is told the
  // changes other members make from now on (while it lives).
  std::pair<CrdtSlot, uint64_t> Join(const std::shared_ptr<Member>& member) {
    std::lock_guard lock(mu_);
    members_[member.get()] = member;
    return {slot_, version_};
  }

  // Records a change by `from` (a delta, or a delete when `delta` is empty). Returns its version
  // and the other live members to tell; an error if the delta does not fit the kept value (the
  // change is then not kept and not passed on).
  absl::Status Apply(const Member* from, const std::optional<cloudstate::crdt::CrdtDelta>& delta,
                     int64_t now_ms, uint64_t* version,
                     std::vector<std::shared_ptr<Member>>* others) {
    std::lock_guard lock(mu_);
    if (slot_.deleted) {
      return absl::OkStatus();  // a delete wins over concurrent changes
    }
    if (delta.has_value()) {
      absl::Status s = ApplyCrdtDelta(*delta, &slot_.value, now_ms);
      if (!s.ok()) {
        return s;
      }
    } else {
      slot_.value.reset();
      slot_.deleted = true;
    }
    *version = ++version_;
    for (auto it = members_.begin(); it != members_.end();) {
      std::shared_ptr<Member> m = it->second.lock();
      if (m == nullptr) {
        it = members_.erase(it);
        continue;
      }
      if (m.get() != from) {
        others->push_back(std::move(m));
      }
      ++it;
    }
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;
  CrdtSlot slot_;
  uint64_t version_ = 0;  // number of changes kept so far
  std::map<const Member*, std::weak_ptr<Member>> members_;
};

}  // namespace cloudstate::proxy
