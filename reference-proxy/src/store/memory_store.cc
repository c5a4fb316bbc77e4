// In-process store: maps guarded by one mutex. Data is lost when the process exits.

#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include "cloudstate/proxy/store.h"

namespace cloudstate::proxy {
namespace {

class MemoryStore final : public Store {
 public:
  std::string_view Kind() const override { return "memory"; }

  absl::StatusOr<int64_t> AppendEvents(std::string_view persistence_key, int64_t expected_sequence,
                                       const std::vector<StoredAny>& events) override {
    std::lock_guard lock(mu_);
    std::vector<StoredAny>& journal = journals_[std::string(persistence_key)];
    const auto highest = static_cast<int64_t>(journal.size());
    if (highest != expected_sequence) {
      return absl::FailedPreconditionError(
          "journal of '" + std::string(persistence_key) + "' is at sequence " +
          std::to_string(highest) + ", writer expected " + std::to_string(expected_sequence));
    }
    journal.insert(journal.end(), events.begin(), events.end());
    // The event log: the persistence id is the key up to its first '|' (the proxy's key format).
    const size_t bar = persistence_key.find('|');
    if (bar != std::string_view::npos) {
      std::vector<LogRef>& log = logs_[std::string(persistence_key.substr(0, bar))];
      for (int64_t seq = highest + 1; seq <= static_cast<int64_t>(journal.size()); ++seq) {
        log.push_back(LogRef{++last_offset_, std::string(persistence_key), seq});
      }
    }
    return static_cast<int64_t>(journal.size());
  }

  absl::StatusOr<std::vector<StoredEvent>> ReadEvents(std::string_view persistence_key,
                                                      int64_t from_sequence,
                                                      int64_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<StoredEvent> out;
    auto it = journals_.find(persistence_key);
    if (it == journals_.end()) {
      return out;
    }
    const auto size = static_cast<int64_t>(it->second.size());
    for (int64_t seq = std::max<int64_t>(from_sequence, 1); seq <= size; ++seq) {
      if (max_count > 0 && static_cast<int64_t>(out.size()) >= max_count) {
        break;
      }
      out.push_back(StoredEvent{seq, it->second[static_cast<size_t>(seq - 1)]});
    }
    return out;
  }

  absl::StatusOr<int64_t> HighestSequence(std::string_view persistence_key) override {
    std::lock_guard lock(mu_);
    auto it = journals_.find(persistence_key);
    return it == journals_.end() ? 0 : static_cast<int64_t>(it->second.size());
  }

  absl::StatusOr<std::vector<EventLogEntry>> ReadEventLog(std::string_view persistence_id,
                                                          int64_t after_offset,
                                                          int64_t max_count) override {
    std::lock_guard lock(mu_);
    std::vector<EventLogEntry> out;
    auto it = logs_.find(persistence_id);
    if (it == logs_.end()) {
      return out;
    }
    const std::vector<LogRef>& log = it->second;
    auto from = std::upper_bound(log.begin(), log.end(), after_offset,
                                 [](int64_t v, const LogRef& r) { return v < r.offset; });
    for (; from != log.end(); ++from) {
      if (max_count > 0 && static_cast<int64_t>(out.size()) >= max_count) {
        break;
      }
      const std::vector<StoredAny>& journal = journals_.find(from->key)->second;
      out.push_back(EventLogEntry{from->offset, from->key.substr(persistence_id.size() + 1),
                                  from->sequence,
                                  journal[static_cast<size_t>(from->sequence - 1)]});
    }
    return out;
  }

  absl::StatusOr<int64_t> LoadEventingOffset(std::string_view consumer_id) override {
    std::lock_guard lock(mu_);
    auto it = offsets_.find(consumer_id);
    return it == offsets_.end() ? 0 : it->second;
  }

  absl::Status SaveEventingOffset(std::string_view consumer_id, int64_t offset) override {
    std::lock_guard lock(mu_);
    offsets_[std::string(consumer_id)] = offset;
    return absl::OkStatus();
  }

  absl::Status SaveSnapshot(std::string_view persistence_key,
                            const StoredSnapshot& snapshot) override {
    std::lock_guard lock(mu_);
    auto [it, inserted] = snapshots_.try_emplace(std::string(persistence_key), snapshot);
    if (!inserted && it->second.sequence <= snapshot.sequence) {
      it->second = snapshot;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot(
      std::string_view persistence_key) override {
    std::lock_guard lock(mu_);
    auto it = snapshots_.find(persistence_key);
    if (it == snapshots_.end()) {
      return std::optional<StoredSnapshot>();
    }
    return std::optional<StoredSnapshot>(it->second);
  }

  absl::StatusOr<std::optional<StoredAny>> LoadValue(std::string_view persistent_id,
                                                     std::string_view entity_id) override {
    std::lock_guard lock(mu_);
    auto it = values_.find(ValueKey(persistent_id, entity_id));
    if (it == values_.end()) {
      return std::optional<StoredAny>();
    }
    return std::optional<StoredAny>(it->second);
  }

  absl::Status UpsertValue(std::string_view persistent_id, std::string_view entity_id,
                           const StoredAny& value) override {
    std::lock_guard lock(mu_);
    values_[ValueKey(persistent_id, entity_id)] = value;
    return absl::OkStatus();
  }

  absl::Status DeleteValue(std::string_view persistent_id, std::string_view entity_id) override {
    std::lock_guard lock(mu_);
    values_.erase(ValueKey(persistent_id, entity_id));
    return absl::OkStatus();
  }

 private:
  static std::pair<std::string, std::string> ValueKey(std::string_view a, std::string_view b) {
    return {std::string(a), std::string(b)};
  }

  struct LogRef {
    int64_t offset;
    std::string key;
    int64_t sequence;
  };

  std::mutex mu_;
  std::map<std::string, std::vector<StoredAny>, std::less<>> journals_;
  int64_t last_offset_ = 0;
  std::map<std::string, std::vector<LogRef>, std::less<>> logs_;  // by persistence id
  std::map<std::string, int64_t, std::less<>> offsets_;
  std::map<std::string, StoredSnapshot, std::less<>> snapshots_;
  std::map<std::pair<std::string, std::string>, StoredAny> values_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace cloudstate::proxy
