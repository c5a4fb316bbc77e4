#pragma once
// The fault plan of the reference proxy: which deliberate faults (proxy_faults.def) are on, and a
// seeded generator deciding at each opportunity whether a fault strikes. The faulty-store and
// faulty-transport decorators consult it; the same plan with the same seed strikes at the same
// opportunities, so a history with faults can be replayed.
//
//   CS_ASSIGN_OR_RETURN(auto plan, FaultPlan::FromNames({"store-journal-append-lost"}, 7));
//   InstallProcessFaultPlan(plan);  // before the proxy opens its store and channels
//
// Probability 1 (the default, used by `cloudstate-proxy --fault`) makes every opportunity strike,
// so the per-fault ctests are deterministic; a model checker lowers it and varies the seed.

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace cloudstate::proxy::faults {

enum class ProxyFault {
#define CS_PROXY_FAULT(id, name, area, description) id,
#include "faults/proxy_faults.def"
#undef CS_PROXY_FAULT
};

inline constexpr size_t kProxyFaultCount = 0
#define CS_PROXY_FAULT(id, name, area, description) +1
#include "faults/proxy_faults.def"
#undef CS_PROXY_FAULT
    ;

struct ProxyFaultInfo {
  ProxyFault fault;
  std::string_view name;         // kebab-case, unique
  std::string_view area;         // store | transport
  std::string_view description;  // one line: what the proxy does wrong
};

// Every fault, in the order of proxy_faults.def (sorted by name).
std::span<const ProxyFaultInfo> AllProxyFaults();
const ProxyFaultInfo& InfoOf(ProxyFault fault);
std::optional<ProxyFault> FindProxyFault(std::string_view name);
// "name<TAB>area<TAB>description\n" per fault: the format of reference-proxy/faults.list.
std::string FormatProxyFaultList();

class FaultPlan {
 public:
  explicit FaultPlan(uint64_t seed = 0, double probability = 1.0);
  FaultPlan(const FaultPlan&) = delete;
  FaultPlan& operator=(const FaultPlan&) = delete;

  // Fails with InvalidArgument on an unknown name or a probability outside (0, 1].
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<FaultPlan>> FromNames(
      const std::vector<std::string>& names, uint64_t seed, double probability = 1.0);

  void Enable(ProxyFault fault) { enabled_.set(static_cast<size_t>(fault)); }
  bool enabled(ProxyFault fault) const { return enabled_.test(static_cast<size_t>(fault)); }
  bool empty() const { return enabled_.none(); }
  // Whether any enabled fault belongs to `area`.
  bool AnyInArea(std::string_view area) const;
  uint64_t seed() const { return seed_; }

  // One opportunity for `fault`: false when it is off; otherwise a draw of the seeded generator
  // (no draw at probability 1). Thread-safe; the draws are ordered by the callers' order.
  bool Strikes(ProxyFault fault);

 private:
  std::bitset<kProxyFaultCount> enabled_;
  uint64_t seed_;
  double probability_;
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

// The plan of this process (cloudstate-proxy --fault): OpenStore wraps every store it opens in
// the faulty-store decorator, and every gRPC channel to the user function goes through the
// faulty-transport decorator. Call once, before the proxy starts; nullptr plan = no faults.
void InstallProcessFaultPlan(std::shared_ptr<FaultPlan> plan);
std::shared_ptr<FaultPlan> ProcessFaultPlan();

}  // namespace cloudstate::proxy::faults
