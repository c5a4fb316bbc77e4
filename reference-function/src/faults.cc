#include "cloudstate/reference_function/faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cloudstate::reference_function {
namespace {

// The table of faults.def, sorted by name once.
const std::vector<FaultInfo>& Table() {
  static const std::vector<FaultInfo>* table = [] {
    auto* faults = new std::vector<FaultInfo>{
#define CS_FAULT(id, name, area, description) {name, description, area},
#include "faults.def"
#undef CS_FAULT
    };
    std::sort(faults->begin(), faults->end(),
              [](const FaultInfo& a, const FaultInfo& b) { return a.name < b.name; });
    return faults;
  }();
  return *table;
}

}  // namespace

std::vector<FaultInfo> AllFaults() { return Table(); }

bool IsKnownFault(std::string_view name) {
  const auto& table = Table();
  auto it =
      std::lower_bound(table.begin(), table.end(), name,
                       [](const FaultInfo& info, std::string_view n) { return info.name < n; });
  return it != table.end() && it->name == name;
}
std::string FormatFaultList() {
  std::string out;
  for (const auto& info : AllFaults()) {
    absl::StrAppend(&out, info.name, "\t", info.area, "\t", info.description, "\n");
  }
  return out;
}

absl::StatusOr<Faults> Faults::FromNames(const std::vector<std::string>& names) {
  Faults faults;
  for (const auto& name : names) {
    if (!IsKnownFault(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Unknown fault [", name, "]; see --list-faults"));
    }
    faults.enabled_.insert(name);
  }
  return faults;
}

bool Faults::Has(std::string_view name) const { return enabled_.find(name) != enabled_.end(); }

}  // namespace cloudstate::reference_function
