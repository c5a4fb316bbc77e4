// Placeholder for the PostgreSQL store until src/store/postgres_store.cc exists. CMake leaves this
// file out as soon as postgres_store.cc is present; the weak attribute additionally lets a strong
// definition win if both end up linked.

#include "store/postgres_store_fwd.h"

namespace cloudstate::proxy {

__attribute__((weak)) absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    std::string_view url) {
  return absl::UnimplementedError(
      "the PostgreSQL store is not built into this proxy yet (src/store/postgres_store.cc)");
}

}  // namespace cloudstate::proxy
