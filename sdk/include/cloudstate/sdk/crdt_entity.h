#pragma once
// CRDT entities: the user function keeps one CRDT value per entity (see crdt_types.h) and the SDK
// exchanges deltas with the proxy. A command handler changes the value through ctx.state(); the
// net change of the whole command is sent as one delta with the reply. A failed command is rolled
// back and sends neither a delta nor side effects.
//
//   class Likes : public cloudstate::sdk::CrdtEntity {
//    public:
//     explicit Likes(CrdtCreationContext& ctx) {
//       if (ctx.state() == nullptr) ctx.SetState(std::make_unique<GCounter>());
//     }
//     absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
//         const google::protobuf::Any& command, CrdtCommandContext& ctx) override {
//       ctx.StateAs<GCounter>()->Increment(1);
//       return cloudstate::PackAny(LikesReply{...});
//     }
//   };
//
// Streamed commands (server-streaming methods): call ctx.OnChange(...) to be called after every
// change of the value (own commands and deltas from the proxy) and emit stream elements, and
// ctx.OnCancel(...) to react when the client cancels the call.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/descriptor.h"

#include "cloudstate/crdt.pb.h"

#include "cloudstate/sdk/crdt_types.h"
#include "cloudstate/sdk/effects.h"

namespace cloudstate::sdk {

using CrdtWriteConsistency = cloudstate::crdt::CrdtWriteConsistency;

// Read/write access to the entity's single CRDT value (shared by every context).
class CrdtStateAccess {
 public:
  CrdtStateAccess(std::string_view entity_id, std::unique_ptr<Crdt>* state)
      : entity_id_(entity_id), state_(state) {}

  const std::string& entity_id() const { return entity_id_; }
  // The current value, or nullptr when the entity has none yet.
  Crdt* state() const { return state_->get(); }
  // The value as T, or nullptr when absent or of another type.
  template <typename T>
  T* StateAs() const {
    return dynamic_cast<T*>(state_->get());
  }
  // Creates the value. Fails when the entity already has one.
  absl::Status SetState(std::unique_ptr<Crdt> value);

 private:
  std::string entity_id_;
  std::unique_ptr<Crdt>* state_;
};

// Given to the entity factory once per stream, after `init` (whose delta, if any, is the value).
class CrdtCreationContext : public CrdtStateAccess {
 public:
  using CrdtStateAccess::CrdtStateAccess;
};

class CrdtSubscriptionContext;
class CrdtStreamCancelledContext;

// Returns the stream element to emit (nullopt: nothing), may add side effects, fail or end.
using CrdtChangeHandler =
    std::function<std::optional<google::protobuf::Any>(CrdtSubscriptionContext&)>;
using CrdtCancelHandler = std::function<void(CrdtStreamCancelledContext&)>;

class CrdtCommandContext : public CrdtStateAccess, public EffectsCollector {
 public:
  CrdtCommandContext(std::string_view entity_id, std::unique_ptr<Crdt>* state, int64_t command_id,
                     std::string command_name, bool streamed)
      : CrdtStateAccess(entity_id, state),
        command_id_(command_id),
        command_name_(std::move(command_name)),
        streamed_(streamed) {}

  int64_t command_id() const { return command_id_; }
  const std::string& command_name() const { return command_name_; }
  // True when the proxy sent the command as a streamed (server-streaming) call.
  bool streamed() const { return streamed_; }

  // Deletes the entity: the reply carries a delete action instead of any delta.
  void Delete() { deleted_ = true; }
  bool deleted() const { return deleted_; }
  void SetWriteConsistency(CrdtWriteConsistency consistency) { write_consistency_ = consistency; }
  CrdtWriteConsistency write_consistency() const { return write_consistency_; }

  // Streamed commands only (ignored, returning false, otherwise). Registering either handler keeps
  // the call open (`reply.streamed = true`).
  bool OnChange(CrdtChangeHandler handler);
  bool OnCancel(CrdtCancelHandler handler);
  CrdtChangeHandler& change_handler() { return change_handler_; }
  CrdtCancelHandler& cancel_handler() { return cancel_handler_; }

 private:
  int64_t command_id_;
  std::string command_name_;
  bool streamed_;
  bool deleted_ = false;
  CrdtWriteConsistency write_consistency_ = cloudstate::crdt::LOCAL;
  CrdtChangeHandler change_handler_;
  CrdtCancelHandler cancel_handler_;
};

// Passed to a change handler. Handlers should only read the value.
class CrdtSubscriptionContext : public CrdtStateAccess, public EffectsCollector {
 public:
  CrdtSubscriptionContext(std::string_view entity_id, std::unique_ptr<Crdt>* state,
                          int64_t command_id)
      : CrdtStateAccess(entity_id, state), command_id_(command_id) {}
  int64_t command_id() const { return command_id_; }
  // Completes the client's stream after this element.
  void EndStream() { ended_ = true; }
  bool ended() const { return ended_; }

 private:
  int64_t command_id_;
  bool ended_ = false;
};

// Passed to a cancel handler; it may change the value (sent with the cancellation response).
class CrdtStreamCancelledContext : public CrdtStateAccess, public EffectsCollector {
 public:
  CrdtStreamCancelledContext(std::string_view entity_id, std::unique_ptr<Crdt>* state,
                             int64_t command_id)
      : CrdtStateAccess(entity_id, state), command_id_(command_id) {}
  int64_t command_id() const { return command_id_; }
  void SetWriteConsistency(CrdtWriteConsistency consistency) { write_consistency_ = consistency; }
  CrdtWriteConsistency write_consistency() const { return write_consistency_; }

 private:
  int64_t command_id_;
  CrdtWriteConsistency write_consistency_ = cloudstate::crdt::LOCAL;
};

class CrdtEntity {
 public:
  virtual ~CrdtEntity() = default;
  // Returns the reply payload (nullopt: no reply); an error status fails the whole stream.
  virtual absl::StatusOr<std::optional<google::protobuf::Any>> HandleCommand(
      const google::protobuf::Any& command, CrdtCommandContext& ctx) = 0;

  // Deliberate faults of the reference function only: rewrite a message just before it is sent,
  // or ignore a delta from the proxy.
  virtual void RewriteOutgoing(cloudstate::crdt::CrdtStreamOut& message) {}
  virtual bool AcceptDelta(const cloudstate::crdt::CrdtDelta& delta) { return true; }
  // ... or answer the proxy's CrdtDelete, which CRDT-048 says must get no answer.
  virtual std::optional<cloudstate::crdt::CrdtStreamOut> AnswerDelete() { return std::nullopt; }
};

using CrdtEntityFactory = std::function<std::unique_ptr<CrdtEntity>(CrdtCreationContext&)>;

struct CrdtEntityOptions {
  const google::protobuf::ServiceDescriptor* service = nullptr;
  std::optional<int64_t> passivation_timeout_ms;
  // Last, so that existing aggregate initialisers stay valid. Namespace of the entities' state in
  // the proxy; empty: the service's simple name (as the Java and JavaScript SDKs default it), so
  // two CRDT services never share state.
  std::string persistence_id;
};

struct CrdtEntityRegistration {
  CrdtEntityOptions options;
  CrdtEntityFactory factory;
};

// Finds the registration of a user service by full name (nullptr: unknown).
using CrdtEntityResolver =
    std::function<const CrdtEntityRegistration*(std::string_view service_name)>;

}  // namespace cloudstate::sdk
