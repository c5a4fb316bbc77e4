#pragma once
// The store work of the entity shells, one function per core action that reads or writes the
// store. Synchronous (stores are): the shells run them on the store pool and hand the result back
// to the core on the entity's strand. Each is timed into the journal or value-store histogram.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"

#include "cloudstate/proxy/store.h"
#include "cloudstate/proxy_core/event_sourced_core.h"
#include "metrics.h"

namespace cloudstate::proxy {

// An event-sourced entity's latest snapshot and the events after it.
absl::StatusOr<EsRecovery> LoadEventSourced(Store& store, Metrics& metrics, const std::string& key);

// Appends the events and, once they are stored, saves the snapshot (a failed snapshot is only
// logged: the events are the truth). Returns the sequence number of the last event.
absl::StatusOr<int64_t> PersistEventSourced(Store& store, Metrics& metrics, const std::string& key,
                                            const es::Persist& persist);

// A value entity's state, or none.
absl::StatusOr<std::optional<google::protobuf::Any>> LoadValueEntity(
    Store& store, Metrics& metrics, const std::string& persistence_id,
    const std::string& entity_id);

// Upserts `value`, or deletes the state when it is empty.
absl::Status WriteValueEntity(Store& store, Metrics& metrics, const std::string& persistence_id,
                              const std::string& entity_id, const std::optional<StoredAny>& value);

}  // namespace cloudstate::proxy
