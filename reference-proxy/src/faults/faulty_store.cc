#include "faults/faulty_store.h"

#include <algorithm>
#include <utility>

namespace cloudstate::proxy::faults {
namespace {

class FaultyStore final : public Store {
 public:
  FaultyStore(std::unique_ptr<Store> inner, std::shared_ptr<FaultPlan> plan)
      : inner_(std::move(inner)), plan_(std::move(plan)) {}

  std::string_view Kind() const override { return inner_->Kind(); }

  absl::StatusOr<int64_t> AppendEvents(std::string_view persistence_key, int64_t expected_sequence,
                                       const std::vector<StoredAny>& events) override {
    if (!events.empty() && plan_->Strikes(ProxyFault::kStoreJournalAppendLost)) {
      return expected_sequence + static_cast<int64_t>(events.size());
    }
    return inner_->AppendEvents(persistence_key, expected_sequence, events);
  }

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view persistence_key,
                                                      int64_t from_sequence,
                                                      int64_t max_count) override {
    auto events = inner_->ReadEvents(persistence_key, from_sequence, max_count);
    if (events.ok() && events->size() > 1 &&
        plan_->Strikes(ProxyFault::kStoreJournalReplayReversed)) {
      // The sequence numbers stay in order; only the payloads are swapped round.
      for (size_t i = 0, j = events->size() - 1; i < j; ++i, --j) {
        std::swap((*events)[i].payload, (*events)[j].payload);
      }
    }
    return events;
  }

  absl::StatusOr<int64_t> HighestSequence(std::string_view persistence_key) override {
    return inner_->HighestSequence(persistence_key);
  }

  absl::Status SaveSnapshot(std::string_view persistence_key,
                            const StoredSnapshot& snapshot) override {
    return inner_->SaveSnapshot(persistence_key, snapshot);
  }

  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(
      std::string_view persistence_key) override {
    return inner_->LoadSnapshot(persistence_key);
  }

  absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view persistent_id,
                                                     std::string_view entity_id) override {
    return inner_->LoadValue(persistent_id, entity_id);
  }

  absl::Status UpsertValue(std::string_view persistent_id, std::string_view entity_id,
                           const StoredAny& value) override {
    if (plan_->Strikes(ProxyFault::kStoreValueUpsertLost)) {
      return absl::OkStatus();
    }
    return inner_->UpsertValue(persistent_id, entity_id, value);
  }

  absl::Status DeleteValue(std::string_view persistent_id, std::string_view entity_id) override {
    return inner_->DeleteValue(persistent_id, entity_id);
  }

  absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view persistence_id,
                                                          int64_t after_offset,
                                                          int64_t max_count) override {
    return inner_->ReadEventLog(persistence_id, after_offset, max_count);
  }

  absl::StatusOr<int64_t> LoadEventingOffset(std::string_view consumer_id) override {
    return inner_->LoadEventingOffset(consumer_id);
  }

  absl::Status SaveEventingOffset(std::string_view consumer_id, int64_t offset) override {
    return inner_->SaveEventingOffset(consumer_id, offset);
  }

  absl::Status CheckReady() override { return inner_->CheckReady(); }

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<FaultPlan> plan_;
};

}  // namespace

std::unique_ptr<Store> WrapInFaultyStore(std::unique_ptr<Store> inner,
                                         std::shared_ptr<FaultPlan> plan) {
  return std::make_unique<FaultyStore>(std::move(inner), std::move(plan));
}

}  // namespace cloudstate::proxy::faults
