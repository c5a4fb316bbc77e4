#pragma once
// The proxy's hub: owns the store, the executors, the channel to the user function, the service
// model, the entity registries and the servers. Its methods are spread by job:
//   proxy.cc              start (Serve/Init) and shutdown
//   shell/discovery.cc    discovery of the user function
//   shell/router.cc       dispatch, delivery, side effects, forwards, cancellation, reportError
//   shell/http_glue.cc    /alive /ready /metrics, the HTTP/JSON gate, HTTP/2 hand-over to gRPC
// and the pieces it drives live next to it: entity shells and their registry (shell/entity_*),
// incoming gRPC calls (shell/server_call.*), calls to the Action protocol (shell/action_bridge.*).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/crdt.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/proxy/proxy.h"
#include "cloudstate/proxy/store.h"
#include "cloudstate/proxy_core/clock.h"
#include "cloudstate/proxy_core/entity_key.h"
#include "cloudstate/proxy_core/function_transport.h"
#include "cloudstate/proxy_core/router.h"
#include "cloudstate/proxy_core/service_model.h"
#include "eventing/eventing_service.h"
#include "http/transcoder.h"
#include "http_server.h"
#include "metrics.h"
#include "reflection.h"
#include "shell/entity_registry.h"
#include "shell/log_limiter.h"
#include "shell/sink.h"
#include "shell/thread_pool_executor.h"
#include "uf_stream.h"

namespace cloudstate::proxy {

class GenericService;

class ProxyImpl final : public Proxy {
 public:
  explicit ProxyImpl(ProxyOptions options);
  ~ProxyImpl() override;

  absl::Status Serve() override;

  int http_port() const override { return port_; }
  int management_port() const override { return management_ != nullptr ? management_->port() : -1; }
  void Shutdown() override;
  void Wait() override {
    std::unique_lock lock(shutdown_mu_);
    shutdown_cv_.wait(lock, [&] { return shutdown_done_; });
  }
  bool FunctionReachable() override {
    if (channel_ == nullptr) {
      return false;
    }
    const grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
    return state != GRPC_CHANNEL_TRANSIENT_FAILURE && state != GRPC_CHANNEL_SHUTDOWN;
  }

  // Routes a call's payload to its target; the outcome goes to `sink`.
  void Dispatch(const Route& route, std::string payload, cloudstate::Metadata metadata,
                std::shared_ptr<Sink> sink, CallHandle handle = 0);
  // Delivers an entity/action outcome: side effects first, then the client action.
  void Deliver(const Route& origin, CallOutput output, std::shared_ptr<Sink> sink);
  void ReportError(const std::string& message);
  CallHandle NewHandle() { return next_handle_++; }

  Store& store() { return *store_; }
  Executor& store_executor() { return *store_executor_; }
  Clock& clock() { return *clock_; }
  asio::io_context& io() { return io_; }
  Metrics& metrics() { return metrics_; }
  const ServiceModel& model() const { return *model_; }
  absl::Duration CommandTimeout() const { return options_.command_timeout; }
  int MaxMessageBytes() const { return options_.max_message_bytes; }
  const std::shared_ptr<StreamTracker>& stream_tracker() const { return stream_tracker_; }
  // Entity state (a value entity's value, an event-sourced snapshot) must fit in one message.
  size_t MaxStateBytes() const { return static_cast<size_t>(options_.max_message_bytes); }
  // Messages to and from the function carry a client message plus their envelope (entity id,
  // command name, type URL, metadata), so that channel allows this much more than the front door.
  static constexpr int kEnvelopeHeadroom = 1024 * 1024;
  int FunctionMessageLimit() const { return options_.max_message_bytes + kEnvelopeHeadroom; }
  // Logs `message`, at most a few times per second per `key` (a broken function can fail every
  // command); the number of lines left out is logged with the next one.
  void LogLimited(spdlog::level::level_enum level, const std::string& key,
                  const std::string& message);
  absl::Duration PassivationTimeout(const EntityConfig& config) const {
    return config.passivation_timeout.value_or(options_.passivation_timeout);
  }
  bool shutting_down() const { return shutting_down_; }
  const ReflectionIndex* reflection() const { return reflection_.get(); }

  Registry<EsTraits>& es_registry() { return es_; }
  Registry<VeTraits>& ve_registry() { return ve_; }
  Registry<CrdtTraits>& crdt_registry() { return crdt_; }
  using CrdtShared = CrdtSharedState<Shell<CrdtTraits>>;
  std::shared_ptr<CrdtShared> CrdtSlotFor(const EntityConfig& config, const std::string& id) {
    std::lock_guard lock(slots_mu_);
    // By persistence id, so services declaring the same one share it (EntityKey kCrdtState).
    auto& slot = crdt_slots_[EntityKey(KeyKind::kCrdtState, config, id)];
    if (slot == nullptr) {
      slot = std::make_shared<CrdtShared>();
    }
    return slot;
  }

  cloudstate::eventsourced::EventSourced::Stub& es_stub() { return *es_stub_; }
  cloudstate::valueentity::ValueEntity::Stub& ve_stub() { return *ve_stub_; }
  cloudstate::crdt::Crdt::Stub& crdt_stub() { return *crdt_stub_; }
  cloudstate::action::ActionProtocol::Stub& action_stub() { return *action_stub_; }
  // Entity streams to the function (over the stubs above).
  using EsTransport = FunctionTransport<cloudstate::eventsourced::EventSourcedStreamIn,
                                        cloudstate::eventsourced::EventSourcedStreamOut>;
  using VeTransport = FunctionTransport<cloudstate::valueentity::ValueEntityStreamIn,
                                        cloudstate::valueentity::ValueEntityStreamOut>;
  using CrdtTransport =
      FunctionTransport<cloudstate::crdt::CrdtStreamIn, cloudstate::crdt::CrdtStreamOut>;
  EsTransport& es_transport() { return *es_transport_; }
  VeTransport& ve_transport() { return *ve_transport_; }
  CrdtTransport& crdt_transport() { return *crdt_transport_; }

  // Client-side cancellation hooks for calls dispatched to CRDT streams: registers `cancel` for
  // the call, or with nullptr runs (and forgets) the one registered.
  void RegisterCancel(CallHandle handle, std::function<void()> cancel);
  // The call ended: its hook is not needed any more.
  void ForgetCancel(CallHandle handle);

  // ---- eventing hooks (src/eventing/) ----
  // A journal append of this persistence id succeeded: event-log consumers read it.
  void OnJournalAppend(const std::string& persistence_id) {
    if (eventing_ != nullptr) {
      eventing_->OnJournalAppend(persistence_id);
    }
  }
  // Runs a consumed event as a command on `route` (an action gets the event's own type URL).
  void DispatchEvent(const Route& route, google::protobuf::Any payload,
                     cloudstate::Metadata metadata, std::function<void(absl::Status)> done);

 private:
  absl::Status Init();
  absl::Status Discover();
  void AddHealthHandlers(HttpServer& server);
  HttpResponse TranscodeHttp(const HttpRequest& request);
  void LeaveHttpGate();
  void HandOverToGrpc(int fd);
  // Carry out the plans of cloudstate/proxy_core/router.h.
  void CallAction(const Route& route, cloudstate::action::ActionCommand command,
                  std::shared_ptr<Sink> sink);
  void RunSideEffects(std::shared_ptr<std::vector<routing::SideEffect>> effects, size_t index,
                      std::function<void(grpc::Status)> done);
  void RunClientStep(routing::ClientStep step, std::shared_ptr<Sink> sink);
  // Eventing hook: a reply of a method with an out topic is published before it is sent; false
  // (and the call failed) if publishing failed.
  bool PublishToOutTopic(const Route& origin, const google::protobuf::Any& reply, Sink& sink);

  ProxyOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ThreadPoolExecutor> store_executor_;
  Clock* clock_ = &SystemClock();
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> workers_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cloudstate::EntityDiscovery::Stub> discovery_stub_;
  std::unique_ptr<cloudstate::eventsourced::EventSourced::Stub> es_stub_;
  std::unique_ptr<cloudstate::valueentity::ValueEntity::Stub> ve_stub_;
  std::unique_ptr<cloudstate::crdt::Crdt::Stub> crdt_stub_;
  std::unique_ptr<cloudstate::action::ActionProtocol::Stub> action_stub_;
  std::unique_ptr<EsTransport> es_transport_;
  std::unique_ptr<VeTransport> ve_transport_;
  std::unique_ptr<CrdtTransport> crdt_transport_;
  std::unique_ptr<ServiceModel> model_;
  std::unique_ptr<ReflectionIndex> reflection_;
  std::unique_ptr<eventing::EventingService> eventing_;  // after discovery; null without eventing
  // HTTP/JSON transcoder (src/http/), set once gRPC serves. Every transcoded call passes the gate
  // (http_calls_) while it is open; shutdown closes it and waits for the calls to leave before
  // it shuts the gRPC server down, because they call into that server.
  std::mutex transcoder_mu_;
  std::condition_variable transcoder_cv_;
  std::shared_ptr<const http::Transcoder> transcoder_;
  bool http_gate_open_ = true;
  int http_calls_ = 0;
  std::unique_ptr<GenericService> service_;
  std::unique_ptr<grpc::Server> server_;
  // Guards handing accepted HTTP/2 connections to server_ (never after its Shutdown began).
  std::mutex handoff_mu_;
  bool grpc_accepting_ = false;
  std::unique_ptr<HttpServer> management_;  // /ready /alive /metrics only
  std::unique_ptr<HttpServer> front_;       // the client port: gRPC + HTTP/1.1
  Metrics metrics_;
  int port_ = 0;
  std::atomic<uint64_t> next_handle_{1};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> ready_{false};

  Registry<EsTraits> es_;
  Registry<VeTraits> ve_;
  Registry<CrdtTraits> crdt_;
  // Cancellation hooks by call (RegisterCancel); each proxy has its own, and an entry lives only
  // as long as its call.
  std::mutex cancel_mu_;
  std::map<CallHandle, std::function<void()>> cancels_;
  std::mutex slots_mu_;
  std::map<std::string, std::shared_ptr<CrdtShared>> crdt_slots_;

  std::shared_ptr<StreamTracker> stream_tracker_ = std::make_shared<StreamTracker>();
  // Shared with callbacks that may outlive the proxy (reportError calls).
  std::shared_ptr<LogLimiter> log_limiter_ = std::make_shared<LogLimiter>();

  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool shutdown_started_ = false;
  bool shutdown_done_ = false;
  bool serve_running_ = false;                        // under shutdown_mu_
  grpc::ClientContext* discovery_context_ = nullptr;  // under shutdown_mu_
};

}  // namespace cloudstate::proxy
