#include "cloudstate/proxy_core/entity_key.h"

#include "absl/strings/str_cat.h"

namespace cloudstate::proxy {

std::string EntityKey(KeyKind kind, const EntityConfig& config, const std::string& entity_id) {
  switch (kind) {
    case KeyKind::kEntity:
      return absl::StrCat(config.service_name, "/", entity_id);
    case KeyKind::kJournal:
      return absl::StrCat(config.persistence_id, "|", entity_id);
    case KeyKind::kValue:
      return absl::StrCat(config.persistence_id, entity_id);
    case KeyKind::kCrdtState:
      return absl::StrCat(config.service_name, "/", config.persistence_id, "-", entity_id);
  }
  return std::string(entity_id);  // not reached: every kind is handled above
}

}  // namespace cloudstate::proxy
