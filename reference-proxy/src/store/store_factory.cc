// OpenStore: URL scheme => store implementation, wrapped in the faulty-store decorator when the
// process runs with store faults (cloudstate-proxy --fault, see faults/fault_plan.h).

#include "cloudstate/proxy/store.h"
#include "faults/fault_plan.h"
#include "faults/faulty_store.h"
#include "store/postgres_store.h"

namespace cloudstate::proxy {
namespace {

absl::StatusOr<std::unique_ptr<Store>> OpenPlainStore(std::string_view url) {
  if (url == "memory" || url == "memory:" || url == "in-memory") {
    return NewMemoryStore();
  }
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.starts_with("//")) {
      path = path.substr(2);  // tolerate sqlite://PATH
    }
    if (path.empty()) {
      return absl::InvalidArgumentError("sqlite store needs a path: sqlite:PATH");
    }
    return OpenSqliteStore(path);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return OpenPostgresStore(url);
  }
  return absl::InvalidArgumentError("unknown store '" + std::string(url) +
                                    "' (expected memory, sqlite:PATH or postgres://...)");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenPlainStore(url);
  std::shared_ptr<faults::FaultPlan> plan = faults::ProcessFaultPlan();
  if (!store.ok() || plan == nullptr || !plan->AnyInArea("store")) {
    return store;
  }
  return faults::WrapInFaultyStore(*std::move(store), std::move(plan));
}

}  // namespace cloudstate::proxy
