// The generic entity shell: carries out a core's actions on the entity's strand.

#include "shell/entity_shell.h"

#include <type_traits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio/post.hpp"
#include "spdlog/spdlog.h"

#include "cloudstate/proxy_core/entity_key.h"
#include "shell/entity_store_ops.h"
#include "shell/proxy_impl.h"

namespace cloudstate::proxy {
namespace {

// `self` typed as depending on the action A, so that clang, like gcc, leaves the store callbacks
// unchecked in the `if constexpr` branches discarded for other entity kinds.
template <class A, class T>
std::conditional_t<true, T, A> StoreSelf(const T& self) {
  return self;
}

}  // namespace

template <class Traits>
void Shell<Traits>::EnsureCore() {
  if (core_ != nullptr && !core_->stopped()) {
    return;
  }
  if constexpr (Traits::kCrdt) {
    shared_ = proxy_->CrdtSlotFor(*config_, entity_id_);
    auto [slot, version] = shared_->Join(this->shared_from_this());
    joined_version_ = version;
    core_ = std::make_unique<Core>(config_->service_name, entity_id_, std::move(slot));
  } else {
    core_ = std::make_unique<Core>(config_->service_name, entity_id_);
    core_->set_max_state_bytes(proxy_->MaxStateBytes());
  }
  proxy_->metrics().Increment("activated_entities", EntityKindName(config_->kind));
}

template <class Traits>
void Shell<Traits>::Execute(std::vector<typename Traits::Action> actions) {
  auto self = this->shared_from_this();
  for (auto& action : actions) {
    std::visit(
        [&](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, es::OpenStream> || std::is_same_v<A, ve::OpenStream> ||
                        std::is_same_v<A, crdt::OpenStream>) {
            const uint64_t gen = ++stream_gen_;
            auto on_message = [self, gen](typename Traits::Out message) {
              asio::post(self->strand_, [self, gen, message = std::move(message)] {
                if (gen != self->stream_gen_ || self->core_ == nullptr) {
                  return;
                }
                if constexpr (Traits::kCrdt) {
                  self->Execute(
                      self->core_->OnStreamMessage(message, self->proxy_->clock().WallMillis()));
                } else {
                  self->Execute(self->core_->OnStreamMessage(message));
                }
              });
            };
            auto on_closed = [self, gen](const absl::Status& st) {
              asio::post(self->strand_, [self, gen, st] {
                if (gen != self->stream_gen_ || self->core_ == nullptr) {
                  return;
                }
                self->stream_.reset();
                self->Execute(self->core_->OnStreamClosed(st));
              });
            };
            if constexpr (std::is_same_v<Traits, EsTraits>) {
              stream_ = proxy_->es_transport().Open(on_message, on_closed);
            } else if constexpr (std::is_same_v<Traits, VeTraits>) {
              stream_ = proxy_->ve_transport().Open(on_message, on_closed);
            } else {
              stream_ = proxy_->crdt_transport().Open(on_message, on_closed);
            }
          } else if constexpr (std::is_same_v<A, es::Send> || std::is_same_v<A, ve::Send> ||
                               std::is_same_v<A, crdt::Send>) {
            if (stream_ != nullptr) {
              stream_->Write(std::move(a.message));
            }
          } else if constexpr (std::is_same_v<A, es::CloseStream> ||
                               std::is_same_v<A, ve::CloseStream> ||
                               std::is_same_v<A, crdt::CloseStream>) {
            if (stream_ != nullptr) {
              stream_->HalfClose();
              stream_.reset();
            }
            ++stream_gen_;  // ignore anything the old stream still says
          } else if constexpr (std::is_same_v<A, es::Complete> || std::is_same_v<A, ve::Complete> ||
                               std::is_same_v<A, crdt::Complete>) {
            command_timers_.erase(a.output.handle);
            auto it = completions_.find(a.output.handle);
            if (it != completions_.end()) {
              Completion completion = it->second;
              if (a.output.final) {
                completions_.erase(it);
              }
              completion(std::move(a.output));
            }
          } else if constexpr (std::is_same_v<A, es::ReportError> ||
                               std::is_same_v<A, ve::ReportError> ||
                               std::is_same_v<A, crdt::ReportError>) {
            proxy_->LogLimited(
                spdlog::level::err, "entity-error",
                absl::StrCat(std::string(EntityKindName(config_->kind)), " entity ", entity_id_,
                             " of ", config_->service_name, ": ", a.message));
            proxy_->metrics().Increment("failed_entities", EntityKindName(config_->kind));
            proxy_->metrics().AddCounter("errors", {{"type", "entity"}});
            proxy_->ReportError(a.message);
          } else if constexpr (std::is_same_v<A, es::Stopped> || std::is_same_v<A, ve::Stopped> ||
                               std::is_same_v<A, crdt::Stopped>) {
            spdlog::debug("{} entity {} of {} stopped", EntityKindName(config_->kind), entity_id_,
                          config_->service_name);
          } else if constexpr (std::is_same_v<A, crdt::StateChanged>) {
            // Kept for the next incarnation (state survives passivation) and passed on to the
            // other live entities sharing the persistence id.
            uint64_t version = 0;
            std::vector<std::shared_ptr<Shell>> others;
            absl::Status s =
                shared_->Apply(this, a.delta, proxy_->clock().WallMillis(), &version, &others);
            if (!s.ok()) {
              // The shared value and this entity's copy disagree: the change stays with this
              // incarnation only (logged; the function is not to blame).
              proxy_->LogLimited(
                  spdlog::level::err, "crdt-shared",
                  absl::StrCat("CRDT entity ", entity_id_, " of ", config_->service_name,
                               ": change not kept in the shared value: ", s.message()));
              proxy_->metrics().AddCounter("errors", {{"type", "entity"}});
            }
            for (auto& other : others) {
              asio::post(other->strand(),
                         [other, delta = a.delta, version] { other->PeerChanged(delta, version); });
            }
          } else if constexpr (std::is_same_v<A, es::Load>) {
            const std::string key = EntityKey(KeyKind::kJournal, *config_, entity_id_);
            proxy_->store_executor().Post([self = StoreSelf<A>(self), key] {
              absl::StatusOr<EsRecovery> result =
                  LoadEventSourced(self->proxy_->store(), self->proxy_->metrics(), key);
              asio::post(self->strand_, [self, result = std::move(result)]() mutable {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnLoaded(std::move(result)));
                }
              });
            });
          } else if constexpr (std::is_same_v<A, es::Persist>) {
            const std::string key = EntityKey(KeyKind::kJournal, *config_, entity_id_);
            proxy_->metrics().Add("persisted_events", "event-sourced",
                                  static_cast<int64_t>(a.events.size()));
            proxy_->store_executor().Post([self = StoreSelf<A>(self), key, persist = std::move(a)] {
              absl::StatusOr<int64_t> result =
                  PersistEventSourced(self->proxy_->store(), self->proxy_->metrics(), key, persist);
              if (result.ok() && !persist.events.empty()) {
                self->proxy_->OnJournalAppend(self->config_->persistence_id);  // eventing hook
              }
              asio::post(self->strand_, [self, result] {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnPersisted(result));
                }
              });
            });
          } else if constexpr (std::is_same_v<A, ve::Load>) {
            const std::string pid = EntityKey(KeyKind::kValue, *config_, entity_id_);
            proxy_->store_executor().Post([self = StoreSelf<A>(self), pid] {
              absl::StatusOr<std::optional<google::protobuf::Any>> result = LoadValueEntity(
                  self->proxy_->store(), self->proxy_->metrics(), pid, self->entity_id_);
              asio::post(self->strand_, [self, result = std::move(result)]() mutable {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnLoaded(std::move(result)));
                }
              });
            });
          } else if constexpr (std::is_same_v<A, ve::Upsert> || std::is_same_v<A, ve::Delete>) {
            const std::string pid = EntityKey(KeyKind::kValue, *config_, entity_id_);
            std::optional<StoredAny> value;
            if constexpr (std::is_same_v<A, ve::Upsert>) {
              value = StoredAny{a.value.type_url(), a.value.value()};
            }
            proxy_->store_executor().Post([self = StoreSelf<A>(self), pid, value] {
              absl::Status status = WriteValueEntity(self->proxy_->store(), self->proxy_->metrics(),
                                                     pid, self->entity_id_, value);
              asio::post(self->strand_, [self, status] {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnWritten(status));
                }
              });
            });
          }
        },
        action);
  }
  ArmPassivation();
}

template <class Traits>
void Shell<Traits>::ArmPassivation() {
  const uint64_t arm = ++timer_arm_;
  if (core_ == nullptr || core_->stopped() || !core_->idle()) {
    passivation_timer_.reset();
    return;
  }
  const auto timeout = absl::ToChronoMilliseconds(proxy_->PassivationTimeout(*config_));
  auto self = this->shared_from_this();
  passivation_timer_ = timers_->After(timeout, [self, arm] { self->OnPassivationTimer(arm); });
}

template <class Traits>
void Shell<Traits>::ArmCommandTimer(CallHandle handle) {
  auto self = this->shared_from_this();
  command_timers_[handle] = timers_->After(absl::ToChronoMilliseconds(proxy_->CommandTimeout()),
                                           [self, handle] { self->OnCommandTimeout(handle); });
}

// The function did not answer in time: the command ends with DEADLINE_EXCEEDED, the other calls
// of this incarnation with UNAVAILABLE, and the stream is cancelled so that the next command
// starts a new incarnation instead of queueing behind a function that does not answer.
template <class Traits>
void Shell<Traits>::OnCommandTimeout(CallHandle handle) {
  if (command_timers_.erase(handle) == 0 || !completions_.contains(handle)) {
    return;
  }
  const std::string message = absl::StrCat("The user function did not answer within ",
                                           absl::FormatDuration(proxy_->CommandTimeout()), " (",
                                           config_->service_name, " entity ", entity_id_, ")");
  proxy_->LogLimited(spdlog::level::warn, "command-timeout", message);
  proxy_->metrics().AddCounter("errors", {{"type", "command_timeout"}});
  Completion completion = std::move(completions_[handle]);
  completions_.erase(handle);
  if (stream_ != nullptr) {
    stream_->Cancel();
    stream_.reset();
  }
  ++stream_gen_;  // what the cancelled stream still says is ignored
  if (core_ != nullptr) {
    auto actions = core_->Terminate(message);
    SetFailureCode<typename Traits::Complete>(&actions, absl::StatusCode::kUnavailable);
    Execute(std::move(actions));
  }
  completion(ErrorOutput(handle, message, absl::StatusCode::kDeadlineExceeded));
}

template <class Traits>
void Shell<Traits>::OnPassivationTimer(uint64_t arm) {
  if (arm != timer_arm_ || core_ == nullptr || core_->stopped()) {
    return;
  }
  auto actions = core_->Passivate();
  if (!core_->stopped()) {
    return;
  }
  spdlog::debug("passivating {} entity {} of {}", EntityKindName(config_->kind), entity_id_,
                config_->service_name);
  proxy_->metrics().Increment("passivated_entities", EntityKindName(config_->kind));
  ++timer_arm_;
  for (auto& a : actions) {
    std::vector<typename Traits::Action> one;
    one.push_back(std::move(a));
    Execute(std::move(one));
  }
  if constexpr (std::is_same_v<Traits, EsTraits>) {
    proxy_->es_registry().TryRemove(config_, this);
  } else if constexpr (std::is_same_v<Traits, VeTraits>) {
    proxy_->ve_registry().TryRemove(config_, this);
  } else {
    proxy_->crdt_registry().TryRemove(config_, this);
  }
}

template <class Traits>
void Shell<Traits>::PeerChanged(const std::optional<cloudstate::crdt::CrdtDelta>& delta,
                                uint64_t version) {
  if constexpr (Traits::kCrdt) {
    // A core that started from this change or a later one has it already.
    if (core_ == nullptr || core_->stopped() || version <= joined_version_) {
      return;
    }
    Execute(delta.has_value() ? core_->OnReplicatedDelta(*delta, proxy_->clock().WallMillis())
                              : core_->OnReplicatedDelete());
  }
}

template class Shell<EsTraits>;
template class Shell<VeTraits>;
template class Shell<CrdtTraits>;

}  // namespace cloudstate::proxy
