// OpenStore: URL scheme => store implementation.

#include "cloudstate/proxy/store.h"
#if __has_include("store/postgres_store.h")
#include "store/postgres_store.h"
#else
#include "store/postgres_store_fwd.h"
#endif

namespace cloudstate::proxy {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url) {
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

}  // namespace cloudstate::proxy
