#pragma once
// Every key the proxy derives from an entity, built by one function. The persistence formats are
// fixed by data already stored (and, for value entities, by the Akka proxy's layout), so they are
// never changed, only added to.
//
//   EntityKey(KeyKind::kJournal, config, "c1")  // "shopping-cart|c1" for persistence id
//                                               // "shopping-cart"

#include <string>

#include "cloudstate/proxy_core/service_model.h"

namespace cloudstate::proxy {

enum class KeyKind {
  // The live entity (its shell, strand and calls): "<service>/<entity id>".
  kEntity,
  // An event-sourced entity's journal and snapshots: "<persistence id>|<entity id>".
  kJournal,
  // A value entity's persistence id in the store: "<persistence id><entity id>" (the store is
  // also given the entity id on its own).
  kValue,
  // A CRDT's state, kept across incarnations (the protocol gives CRDTs no persistence id, so it
  // is qualified by the service): "<service>/<persistence id>-<entity id>".
  kCrdtState,
};

std::string EntityKey(KeyKind kind, const EntityConfig& config, const std::string& entity_id);

}  // namespace cloudstate::proxy
