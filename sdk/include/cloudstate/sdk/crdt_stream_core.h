#pragma once
// The protocol logic of one `cloudstate.crdt.Crdt/handle` stream, without any I/O: feed it the
// proxy's messages one at a time and send what it returns (see stream_core.h).
//
//   CrdtStreamCore core(resolver);
//   StreamStep<CrdtStreamOut> step = core.OnMessage(init);     // nothing to send
//   step = core.OnMessage(command);                           // reply (+ streamed messages)
//
// Protocol violations (no init, second init, unknown service, delta of the wrong type, ...) answer
// with a stream-level `failure` and end the stream; an unknown command or a payload of the wrong
// type only fails that command.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cloudstate/crdt.pb.h"

#include "cloudstate/sdk/crdt_entity.h"
#include "cloudstate/sdk/crdt_types.h"
#include "cloudstate/sdk/stream_core.h"

namespace cloudstate::sdk {

class CrdtStreamCore
    : public StreamCore<cloudstate::crdt::CrdtStreamIn, cloudstate::crdt::CrdtStreamOut> {
 public:
  using In = cloudstate::crdt::CrdtStreamIn;
  using Out = cloudstate::crdt::CrdtStreamOut;

  explicit CrdtStreamCore(CrdtEntityResolver resolver);
  StreamStep<Out> OnMessage(const In& in) override;

  // The local value (nullptr: none yet, or deleted).
  const Crdt* state() const { return state_.get(); }
  // Command ids of the open streamed calls.
  std::vector<int64_t> open_streams() const;

 private:
  struct Subscription {
    CrdtChangeHandler on_change;
    CrdtCancelHandler on_cancel;
  };

  StreamStep<Out> OnInit(const cloudstate::crdt::CrdtInit& init);
  StreamStep<Out> OnDelta(const cloudstate::crdt::CrdtDelta& delta);
  StreamStep<Out> OnDelete();
  StreamStep<Out> OnCommand(const cloudstate::Command& command);
  StreamStep<Out> OnStreamCancelled(const cloudstate::StreamCancelled& cancelled);
  // Runs the change handlers and appends the resulting streamed messages.
  void NotifySubscribers(std::vector<Out>& out);
  // The update action for the pending local changes, if any (and forgets them).
  std::optional<cloudstate::crdt::CrdtStateAction> TakeUpdate(CrdtWriteConsistency consistency);
  StreamStep<Out> Finalize(StreamStep<Out> step);
  StreamStep<Out> StreamFailure(int64_t command_id, std::string description);

  CrdtEntityResolver resolver_;
  const CrdtEntityRegistration* registration_ = nullptr;
  std::unique_ptr<CrdtEntity> entity_;
  std::string entity_id_;
  std::unique_ptr<Crdt> state_;
  bool deleted_ = false;
  std::map<int64_t, Subscription> subscriptions_;
};

}  // namespace cloudstate::sdk
