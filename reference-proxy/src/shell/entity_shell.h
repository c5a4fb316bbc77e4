#pragma once
// Entity shells: each owns a sans-IO core, a strand, the stream to the function, the passivation
// timer and the per-command timers, and carries out the actions its core returns. One template
// serves the three entity kinds; what differs per kind is in the traits below and in
// entity_store_ops.h.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/strand.hpp"

#include "cloudstate/crdt.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/proxy_core/crdt_core.h"
#include "cloudstate/proxy_core/entity_io.h"
#include "cloudstate/proxy_core/event_sourced_core.h"
#include "cloudstate/proxy_core/function_transport.h"
#include "cloudstate/proxy_core/service_model.h"
#include "cloudstate/proxy_core/value_entity_core.h"
#include "shell/strand_timers.h"

namespace cloudstate::proxy {

namespace asio = boost::asio;

class ProxyImpl;

template <class Traits>
class Shell : public std::enable_shared_from_this<Shell<Traits>> {
 public:
  using Core = typename Traits::Core;
  using Stream = FunctionStream<typename Traits::In, typename Traits::Out>;
  using Completion = std::function<void(CallOutput)>;

  Shell(ProxyImpl* proxy, const EntityConfig* config, std::string entity_id, asio::io_context& io)
      : proxy_(proxy),
        config_(config),
        entity_id_(std::move(entity_id)),
        strand_(asio::make_strand(io)),
        timers_(std::make_unique<StrandTimers>(strand_)) {}

  const std::string& entity_id() const { return entity_id_; }
  asio::strand<asio::io_context::executor_type>& strand() { return strand_; }
  std::atomic<int>& pending() { return pending_; }

  // On the strand.
  void Command(ClientCommand command, Completion completion) {
    EnsureCore();
    const CallHandle handle = command.handle;
    completions_[handle] = std::move(completion);
    ArmCommandTimer(handle);
    Execute(core_->OnCommand(std::move(command)));
  }
  void ClientCancelled(CallHandle handle) {
    if constexpr (Traits::kCrdt) {
      if (core_ != nullptr) {
        Execute(core_->OnClientCancelled(handle));
      }
    }
    completions_.erase(handle);
    command_timers_.erase(handle);
  }
  void Terminate(const std::string& reason) {
    passivation_timer_.reset();
    if (core_ != nullptr) {
      Execute(core_->Terminate(reason));
    }
  }

 private:
  void EnsureCore();
  void Execute(std::vector<typename Traits::Action> actions);
  void ArmPassivation();
  void OnPassivationTimer(uint64_t arm);
  void ArmCommandTimer(CallHandle handle);
  void OnCommandTimeout(CallHandle handle);

  ProxyImpl* proxy_;
  const EntityConfig* config_;
  std::string entity_id_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::unique_ptr<Timers> timers_;
  std::unique_ptr<Timers::Handle> passivation_timer_;
  uint64_t timer_arm_ = 0;
  std::atomic<int> pending_{0};
  std::unique_ptr<Core> core_;
  std::shared_ptr<Stream> stream_;
  uint64_t stream_gen_ = 0;
  std::map<CallHandle, Completion> completions_;
  // Per-command timeout, disarmed by the command's first answer.
  std::map<CallHandle, std::unique_ptr<Timers::Handle>> command_timers_;
  std::shared_ptr<CrdtSlot> slot_;  // CRDT only: the state kept across incarnations
};

struct EsTraits {
  using Core = EventSourcedCore;
  using In = cloudstate::eventsourced::EventSourcedStreamIn;
  using Out = cloudstate::eventsourced::EventSourcedStreamOut;
  using Action = es::Action;
  using Complete = es::Complete;
  static constexpr bool kCrdt = false;
};
struct VeTraits {
  using Core = ValueEntityCore;
  using In = cloudstate::valueentity::ValueEntityStreamIn;
  using Out = cloudstate::valueentity::ValueEntityStreamOut;
  using Action = ve::Action;
  using Complete = ve::Complete;
  static constexpr bool kCrdt = false;
};
struct CrdtTraits {
  using Core = CrdtCore;
  using In = cloudstate::crdt::CrdtStreamIn;
  using Out = cloudstate::crdt::CrdtStreamOut;
  using Action = crdt::Action;
  using Complete = crdt::Complete;
  static constexpr bool kCrdt = true;
};

extern template class Shell<EsTraits>;
extern template class Shell<VeTraits>;
extern template class Shell<CrdtTraits>;

}  // namespace cloudstate::proxy
