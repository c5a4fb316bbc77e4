#include "shell/entity_store_ops.h"

#include <utility>
#include <vector>

#include "spdlog/spdlog.h"

#include "cloudstate/event_sourced.pb.h"

#include "cloudstate/common/status_macros.h"
#include "shell/journal_timer.h"

namespace cloudstate::proxy {

absl::StatusOr<EsRecovery> LoadEventSourced(Store& store, Metrics& metrics,
                                            const std::string& key) {
  EsRecovery recovery;
  JournalTimer timer(metrics, "replay");
  CS_ASSIGN_OR_RETURN(auto snapshot, store.LoadSnapshot(key));
  int64_t from = 1;
  if (snapshot.has_value()) {
    cloudstate::eventsourced::EventSourcedSnapshot s;
    s.set_snapshot_sequence(snapshot->sequence);
    s.mutable_snapshot()->set_type_url(snapshot->payload.type_url);
    s.mutable_snapshot()->set_value(snapshot->payload.value);
    recovery.snapshot = std::move(s);
    from = snapshot->sequence + 1;
  }
  CS_ASSIGN_OR_RETURN(auto events, store.ReadEvents(key, from, 0));
  for (auto& e : events) {
    cloudstate::eventsourced::EventSourcedEvent event;
    event.set_sequence(e.sequence);
    event.mutable_payload()->set_type_url(std::move(e.payload.type_url));
    event.mutable_payload()->set_value(std::move(e.payload.value));
    recovery.events.push_back(std::move(event));
  }
  return recovery;
}

absl::StatusOr<int64_t> PersistEventSourced(Store& store, Metrics& metrics, const std::string& key,
                                            const es::Persist& persist) {
  std::vector<StoredAny> events;
  for (const auto& e : persist.events) {
    events.push_back(StoredAny{e.type_url(), e.value()});
  }
  absl::StatusOr<int64_t> result = [&] {
    JournalTimer timer(metrics, "append");
    return store.AppendEvents(key, persist.expected_sequence, events);
  }();
  if (result.ok() && persist.snapshot.has_value()) {
    JournalTimer timer(metrics, "snapshot");
    absl::Status s = store.SaveSnapshot(
        key, StoredSnapshot{*result,
                            StoredAny{persist.snapshot->type_url(), persist.snapshot->value()}});
    if (!s.ok()) {
      spdlog::warn("saving snapshot of {} failed: {}", key, s.ToString());
    }
  }
  return result;
}

absl::StatusOr<std::optional<google::protobuf::Any>> LoadValueEntity(
    Store& store, Metrics& metrics, const std::string& persistence_id,
    const std::string& entity_id) {
  JournalTimer timer(metrics, "load", "value_store_duration_seconds");
  CS_ASSIGN_OR_RETURN(auto value, store.LoadValue(persistence_id, entity_id));
  if (!value.has_value()) {
    return std::optional<google::protobuf::Any>();
  }
  google::protobuf::Any any;
  any.set_type_url(value->type_url);
  any.set_value(value->value);
  return std::optional<google::protobuf::Any>(std::move(any));
}

absl::Status WriteValueEntity(Store& store, Metrics& metrics, const std::string& persistence_id,
                              const std::string& entity_id, const std::optional<StoredAny>& value) {
  JournalTimer timer(metrics, value.has_value() ? "upsert" : "delete",
                     "value_store_duration_seconds");
  return value.has_value() ? store.UpsertValue(persistence_id, entity_id, *value)
                           : store.DeleteValue(persistence_id, entity_id);
}

}  // namespace cloudstate::proxy
