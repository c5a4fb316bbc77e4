#pragma once
// Declaration of the PostgreSQL store factory used by OpenStore. The store itself lives in
// postgres_store.{h,cc} (owned by the store engineers); this header only exists so the factory
// compiles before that file does. postgres_store.h must declare the same signature.

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy {

// Opens the store at a libpq URI ("postgres://user:pw@host:5432/db"), creating the schema.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url);

}  // namespace cloudstate::proxy
