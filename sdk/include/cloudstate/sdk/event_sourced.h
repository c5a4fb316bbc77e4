#pragma once
// Event-sourced entities.
//
// An entity object lives for one entity stream (one incarnation). It rebuilds its state from an
// optional snapshot and the replayed events, then handles commands; a command may emit events,
// which the SDK applies to the entity right away (HandleEvent) so that the reply sees them.
//
//   class Counter : public cloudstate::sdk::EventSourcedEntity {
//    public:
//     absl::Status HandleEvent(const google::protobuf::Any& event) override { ... }
//     absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
//         const google::protobuf::Any& command, EventSourcedContext& ctx) override {
//       CS_RETURN_IF_ERROR(ctx.Emit(Incremented()));
//       return cloudstate::PackAny(Value(total_));
//     }
//   };
//
// Failure semantics: ctx.Fail() answers the client with an error. Events emitted by a failed
// command are never sent; if some were already applied to the entity, the failure carries
// restart=true so the proxy re-creates the entity from its journal (the in-memory state is then
// stale, so the stream refuses further commands). A handler returning an error status crashes the
// entity: the SDK sends a stream-level Failure and ends the stream.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/event_sourced.pb.h"

#include "cloudstate/sdk/effects.h"
#include "cloudstate/sdk/fault_plan.h"
#include "cloudstate/sdk/stream_core.h"

namespace cloudstate::sdk {

struct EventSourcedEntityOptions {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  std::string persistence_id;  // empty: the service's simple name (see Server::Declare)
  std::optional<int64_t> passivation_timeout_ms;
  // A snapshot is attached to the reply whose events make the sequence number cross a multiple
  // of this (0 = never).
  int64_t snapshot_every = 100;
};

class EventSourcedEntity;

class EventSourcedContext : public EffectsCollector {
 public:
  EventSourcedContext(EventSourcedEntity& entity, std::string entity_id, int64_t command_id,
                      std::string command_name, int64_t sequence, bool apply_immediately);

  const std::string& entity_id() const { return entity_id_; }
  int64_t command_id() const { return command_id_; }
  const std::string& command_name() const { return command_name_; }
  // Sequence number of the last event applied (including this command's emitted events).
  int64_t sequence() const { return sequence_; }

  // Emits an event and applies it to the entity (error: the entity rejected it).
  absl::Status Emit(const google::protobuf::Message& event);
  absl::Status EmitAny(google::protobuf::Any event);

  const std::vector<google::protobuf::Any>& events() const { return events_; }
  // Events emitted but not yet applied (only with apply_events_after_handler).
  absl::Status ApplyPending();

 private:
  EventSourcedEntity& entity_;
  std::string entity_id_;
  int64_t command_id_;
  std::string command_name_;
  int64_t sequence_;
  bool apply_immediately_;
  size_t applied_ = 0;
  std::vector<google::protobuf::Any> events_;
};

class EventSourcedEntity {
 public:
  virtual ~EventSourcedEntity() = default;
  // Replaces the state with a snapshot (from init). Default: snapshots unsupported.
  virtual absl::Status HandleSnapshot(const google::protobuf::Any& snapshot);
  // Applies one event (replayed or just emitted).
  virtual absl::Status HandleEvent(const google::protobuf::Any& event) = 0;
  // The current state as a snapshot; nullopt = this entity does not snapshot.
  virtual std::optional<google::protobuf::Any> Snapshot() const { return std::nullopt; }
  // Handles a command whose payload was checked against the method's input type. Returns the
  // reply payload (nullopt: no reply); see EventSourcedContext for forwards, effects, failures.
  virtual absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, EventSourcedContext& ctx) = 0;
};

using EventSourcedFactory =
    std::function<std::unique_ptr<EventSourcedEntity>(std::string_view entity_id)>;

struct EventSourcedRegistration {
  EventSourcedEntityOptions options;
  EventSourcedFactory factory;
};

// Finds the registration for a user service full name (nullptr: unknown service).
using EventSourcedResolver =
    std::function<const EventSourcedRegistration*(std::string_view service_name)>;

// The protocol logic of one `cloudstate.eventsourced.EventSourced/handle` stream.
class EventSourcedStreamCore : public StreamCore<cloudstate::eventsourced::EventSourcedStreamIn,
                                                 cloudstate::eventsourced::EventSourcedStreamOut> {
 public:
  using In = cloudstate::eventsourced::EventSourcedStreamIn;
  using Out = cloudstate::eventsourced::EventSourcedStreamOut;

  // `faults` (conformance kit only, see fault_plan.h): the deliberate deviations to make.
  explicit EventSourcedStreamCore(EventSourcedResolver resolver,
                                  std::shared_ptr<const FaultPlan> faults = nullptr);
  StreamStep<Out> OnMessage(const In& in) override;
  StreamStep<Out> OnInputEnd() override;

  int64_t sequence() const { return sequence_; }

 private:
  StreamStep<Out> OnInit(const cloudstate::eventsourced::EventSourcedInit& init);
  StreamStep<Out> OnEvent(const cloudstate::eventsourced::EventSourcedEvent& event);
  StreamStep<Out> OnCommand(const cloudstate::Command& command);
  absl::Status FlushReplay();
  StreamStep<Out> StreamFailure(int64_t command_id, std::string description);
  Out ClientFailure(int64_t command_id, std::string description, bool restart);
  // Whether the fault plan makes the stream's service deviate in `fault`.
  bool Deviates(SdkFault fault) const;

  EventSourcedResolver resolver_;
  std::shared_ptr<const FaultPlan> faults_;
  bool crash_on_protocol_error_;
  const EventSourcedRegistration* registration_ = nullptr;
  std::unique_ptr<EventSourcedEntity> entity_;
  std::string entity_id_;
  int64_t sequence_ = 0;
  bool seen_command_ = false;
  bool awaiting_restart_ = false;
  std::vector<google::protobuf::Any> pending_replay_;
};

}  // namespace cloudstate::sdk
