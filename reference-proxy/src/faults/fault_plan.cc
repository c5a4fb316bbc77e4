#include "faults/fault_plan.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"

#include "faults/faulty_transport.h"

namespace cloudstate::proxy::faults {
namespace {

constexpr std::array<ProxyFaultInfo, kProxyFaultCount> kFaults = {{
#define CS_PROXY_FAULT(id, name, area, description) {ProxyFault::id, name, area, description},
#include "faults/proxy_faults.def"
#undef CS_PROXY_FAULT
}};

absl::Mutex process_mu(absl::kConstInit);
std::shared_ptr<FaultPlan>* process_plan ABSL_GUARDED_BY(process_mu) = nullptr;

}  // namespace

std::span<const ProxyFaultInfo> AllProxyFaults() { return kFaults; }

const ProxyFaultInfo& InfoOf(ProxyFault fault) { return kFaults[static_cast<size_t>(fault)]; }

std::optional<ProxyFault> FindProxyFault(std::string_view name) {
  for (const auto& info : kFaults) {
    if (info.name == name) {
      return info.fault;
    }
  }
  return std::nullopt;
}

std::string FormatProxyFaultList() {
  std::string out;
  for (const auto& info : kFaults) {
    // absl::StrAppend of this abseil takes no std::string_view.
    out.append(info.name).append("\t").append(info.area).append("\t");
    out.append(info.description).append("\n");
  }
  return out;
}

FaultPlan::FaultPlan(uint64_t seed, double probability)
    : seed_(seed), probability_(probability), rng_(seed) {}

absl::StatusOr<std::shared_ptr<FaultPlan>> FaultPlan::FromNames(
    const std::vector<std::string>& names, uint64_t seed, double probability) {
  if (!(probability > 0.0 && probability <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fault probability ", probability, " is not in (0, 1]"));
  }
  auto plan = std::make_shared<FaultPlan>(seed, probability);
  for (const auto& name : names) {
    const std::optional<ProxyFault> fault = FindProxyFault(name);
    if (!fault) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown proxy fault [", name, "]; see --list-faults"));
    }
    plan->Enable(*fault);
  }
  return plan;
}

bool FaultPlan::AnyInArea(std::string_view area) const {
  for (const auto& info : kFaults) {
    if (info.area == area && enabled(info.fault)) {
      return true;
    }
  }
  return false;
}

bool FaultPlan::Strikes(ProxyFault fault) {
  if (!enabled(fault)) {
    return false;
  }
  if (probability_ >= 1.0) {
    return true;
  }
  absl::MutexLock lock(&mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < probability_;
}

void InstallProcessFaultPlan(std::shared_ptr<FaultPlan> plan) {
  if (plan != nullptr && plan->AnyInArea("transport")) {
    InstallFaultyTransport(plan);
  }
  absl::MutexLock lock(&process_mu);
  delete process_plan;
  process_plan = new std::shared_ptr<FaultPlan>(std::move(plan));
}

std::shared_ptr<FaultPlan> ProcessFaultPlan() {
  absl::MutexLock lock(&process_mu);
  return process_plan == nullptr ? nullptr : *process_plan;
}

}  // namespace cloudstate::proxy::faults
