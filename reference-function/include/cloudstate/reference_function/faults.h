#pragma once
// Deliberate faults of the reference function: each one makes the function break a rule that a
// TCK case checks, so the TCK can prove it notices. Off by default; enabled by name with
// `--fault NAME` (repeatable); `--list-faults` prints the registry. The registry is the table in
// src/faults.def (one line per fault: name, area, description); the models consult the enabled
// set through Faults::Has(fault::kName), with the constants of src/fault_names.h.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cloudstate::reference_function {

struct FaultInfo {
  std::string name;         // kebab-case, unique
  std::string description;  // one line: what the function does wrong
  std::string area;         // discovery | eventsourced | valueentity | action | crdt | eventing
};

// Every fault of faults.def, sorted by name.
std::vector<FaultInfo> AllFaults();
bool IsKnownFault(std::string_view name);
// "name<TAB>area<TAB>description\n" for every fault, sorted by name (the format of
// reference-function/faults.list, which the per-fault ctests are generated from).
std::string FormatFaultList();

// The set of enabled faults.
class Faults {
 public:
  Faults() = default;
  // Fails with InvalidArgument on a name that is not registered.
  static absl::StatusOr<Faults> FromNames(const std::vector<std::string>& names);
  bool Has(std::string_view name) const;
  bool empty() const { return enabled_.empty(); }
  const std::set<std::string, std::less<>>& enabled() const { return enabled_; }
  // Enables a fault without checking the registry (tests).
  void Enable(std::string name) { enabled_.insert(std::move(name)); }

 private:
  std::set<std::string, std::less<>> enabled_;
};

}  // namespace cloudstate::reference_function
