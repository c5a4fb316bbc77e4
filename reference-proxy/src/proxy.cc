// The proxy's IO shell: discovery, the generic gRPC service, entity shells around the sans-IO
// cores, action bridges, and the reply router (side effects, forwards, replies).

#include "cloudstate/proxy/proxy.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/thread_pool.hpp"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/server_posix.h"
#include "spdlog/spdlog.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/crdt.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#include "cloudstate/common/status_macros.h"
#include "cloudstate/proxy/store.h"
#include "core/crdt_core.h"
#include "core/event_sourced_core.h"
#include "core/service_model.h"
#include "core/value_entity_core.h"
#include "eventing/eventing_service.h"
#include "http/transcoder.h"
#include "http_server.h"
#include "metrics.h"
#include "reflection.h"
#include "uf_stream.h"

#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::proxy {

namespace asio = boost::asio;

std::vector<std::string> SupportedEntityTypes() {
  return {std::string(kCrdtType), std::string(kActionType), std::string(kEventSourcedType),
          std::string(kValueEntityType)};
}

namespace {

using cloudstate::ClientAction;
using cloudstate::Metadata;
using cloudstate::SideEffect;

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where the outcome of a dispatched call goes: a client call, a forward's caller or a side effect.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Send(std::string bytes) = 0;
  virtual void Finish(grpc::Status status) = 0;
};

class CallbackSink final : public Sink {
 public:
  explicit CallbackSink(std::function<void(grpc::Status)> done) : done_(std::move(done)) {}
  void Send(std::string) override {}
  void Finish(grpc::Status status) override {
    if (done_) {
      auto done = std::move(done_);
      done_ = nullptr;
      done(std::move(status));
    }
  }

 private:
  std::function<void(grpc::Status)> done_;
};

// Elements of a stream produced through a forward: messages pass, a successful finish is dropped
// (the outer stream decides when it ends), an error ends the outer stream.
class StreamElementSink final : public Sink {
 public:
  explicit StreamElementSink(std::shared_ptr<Sink> outer) : outer_(std::move(outer)) {}
  void Send(std::string bytes) override { outer_->Send(std::move(bytes)); }
  void Finish(grpc::Status status) override {
    if (!status.ok()) {
      outer_->Finish(std::move(status));
    }
  }

 private:
  std::shared_ptr<Sink> outer_;
};

grpc::Status UnknownStatus(std::string_view message) {
  return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(message));
}

class ProxyImpl;

// Rate limit for log lines that a broken or dead function can cause once per command.
class LogLimiter {
 public:
  void Log(spdlog::level::level_enum level, const std::string& key, const std::string& message) {
    constexpr int kLinesPerSecond = 5;
    int64_t suppressed = 0;
    {
      std::lock_guard lock(mu_);
      Window& window = windows_[key];
      const auto now = std::chrono::steady_clock::now();
      if (now - window.start >= std::chrono::seconds(1)) {
        window.start = now;
        window.lines = 0;
      }
      if (window.lines >= kLinesPerSecond) {
        ++window.suppressed;
        return;
      }
      ++window.lines;
      suppressed = std::exchange(window.suppressed, 0);
    }
    if (suppressed > 0) {
      spdlog::log(level, "{} ({} similar lines left out)", message, suppressed);
    } else {
      spdlog::log(level, "{}", message);
    }
  }

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int lines = 0;
    int64_t suppressed = 0;
  };
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

// Times one store operation into a latency histogram.
class JournalTimer {
 public:
  JournalTimer(Metrics& metrics, std::string operation,
               std::string metric = "journal_duration_seconds")
      : metrics_(metrics),
        operation_(std::move(operation)),
        metric_(std::move(metric)),
        start_(std::chrono::steady_clock::now()) {}
  ~JournalTimer() {
    metrics_.Observe(
        metric_, {{"operation", operation_}},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  Metrics& metrics_;
  std::string operation_;
  std::string metric_;
  std::chrono::steady_clock::time_point start_;
};

// ---------------------------------------------------------------------------------------------
// Entity shells: own a core, a strand, the function stream and the passivation timer.

template <class Traits>
class Shell : public std::enable_shared_from_this<Shell<Traits>> {
 public:
  using Core = typename Traits::Core;
  using Stream = UfStream<typename Traits::In, typename Traits::Out>;
  using Completion = std::function<void(CallOutput)>;

  Shell(ProxyImpl* proxy, const EntityConfig* config, std::string entity_id, asio::io_context& io)
      : proxy_(proxy),
        config_(config),
        entity_id_(std::move(entity_id)),
        strand_(asio::make_strand(io)),
        timer_(strand_) {}

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
    timer_.cancel();
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
  asio::steady_timer timer_;
  uint64_t timer_arm_ = 0;
  std::atomic<int> pending_{0};
  std::unique_ptr<Core> core_;
  std::shared_ptr<Stream> stream_;
  uint64_t stream_gen_ = 0;
  std::map<CallHandle, Completion> completions_;
  // Per-command timeout, disarmed by the command's first answer.
  std::map<CallHandle, std::unique_ptr<asio::steady_timer>> command_timers_;
  std::shared_ptr<CrdtSlot> slot_;  // CRDT only
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

// All live shells of one entity kind, by "<service>/<entity id>".
template <class Traits>
class Registry {
 public:
  using ShellT = Shell<Traits>;

  // Runs fn(shell) on the entity's strand, creating the shell if needed.
  void Dispatch(ProxyImpl* proxy, const EntityConfig* config, const std::string& entity_id,
                asio::io_context& io, std::function<void(ShellT&)> fn) {
    std::shared_ptr<ShellT> shell;
    {
      std::lock_guard lock(mu_);
      auto& slot = shells_[Key(config, entity_id)];
      if (slot == nullptr) {
        slot = std::make_shared<ShellT>(proxy, config, entity_id, io);
      }
      shell = slot;
      shell->pending()++;
    }
    asio::post(shell->strand(), [shell, fn = std::move(fn)] {
      shell->pending()--;
      fn(*shell);
    });
  }

  // Called on the shell's strand when it passivated; false if work is queued for it.
  bool TryRemove(const EntityConfig* config, ShellT* shell) {
    std::lock_guard lock(mu_);
    if (shell->pending() != 0) {
      return false;
    }
    auto it = shells_.find(Key(config, shell->entity_id()));
    if (it != shells_.end() && it->second.get() == shell) {
      shells_.erase(it);
    }
    return true;
  }

  std::vector<std::shared_ptr<ShellT>> All() {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<ShellT>> out;
    for (auto& [k, v] : shells_) {
      out.push_back(v);
    }
    return out;
  }

  size_t size() {
    std::lock_guard lock(mu_);
    return shells_.size();
  }

 private:
  static std::string Key(const EntityConfig* config, const std::string& id) {
    return config->service_name + "/" + id;
  }
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<ShellT>> shells_;
};

// ---------------------------------------------------------------------------------------------

class ProxyImpl final : public Proxy {
 public:
  explicit ProxyImpl(ProxyOptions options) : options_(std::move(options)) {}
  ~ProxyImpl() override { Shutdown(); }

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
  void Dispatch(const Route& route, std::string payload, Metadata metadata,
                std::shared_ptr<Sink> sink, CallHandle handle = 0);
  // Delivers an entity/action outcome: side effects first, then the client action.
  void Deliver(const Route& origin, CallOutput output, std::shared_ptr<Sink> sink);
  void ReportError(const std::string& message);
  CallHandle NewHandle() { return next_handle_++; }

  Store& store() { return *store_; }
  asio::thread_pool& store_pool() { return *store_pool_; }
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
  std::shared_ptr<CrdtSlot> CrdtSlotFor(const EntityConfig& config, const std::string& id) {
    std::lock_guard lock(slots_mu_);
    // CRDTs have no persistence id in the spec: keyed by service so that two services' entities
    // with the same id stay apart (tck/PROXY_SUITE.md F2).
    auto& slot = crdt_slots_[config.service_name + "/" + config.persistence_id + "-" + id];
    if (slot == nullptr) {
      slot = std::make_shared<CrdtSlot>();
    }
    return slot;
  }

  cloudstate::eventsourced::EventSourced::Stub& es_stub() { return *es_stub_; }
  cloudstate::valueentity::ValueEntity::Stub& ve_stub() { return *ve_stub_; }
  cloudstate::crdt::Crdt::Stub& crdt_stub() { return *crdt_stub_; }
  cloudstate::action::ActionProtocol::Stub& action_stub() { return *action_stub_; }

  // Client-side cancellation hooks for calls dispatched to CRDT streams.
  void RegisterCancel(CallHandle handle, std::function<void()> cancel);

  // ---- eventing hooks (src/eventing/) ----
  // A journal append of this persistence id succeeded: event-log consumers read it.
  void OnJournalAppend(const std::string& persistence_id) {
    if (eventing_ != nullptr) {
      eventing_->OnJournalAppend(persistence_id);
    }
  }
  // Runs a consumed event as a command on `route` (payload type URL kept as is).
  void DispatchEvent(const Route& route, google::protobuf::Any payload, Metadata metadata,
                     std::function<void(absl::Status)> done);

 private:
  absl::Status Init();
  absl::Status Discover();
  void AddHealthHandlers(HttpServer& server);
  HttpResponse TranscodeHttp(const HttpRequest& request);
  void LeaveHttpGate();
  void HandOverToGrpc(int fd);
  void RunSideEffects(const Route& origin, std::shared_ptr<std::vector<SideEffect>> effects,
                      size_t index, std::function<void(grpc::Status)> done);
  void HandleAction(const Route& origin, std::optional<ClientAction> action, bool final,
                    std::shared_ptr<Sink> sink);
  void DispatchAction(const Route& route, std::string payload, Metadata metadata,
                      std::shared_ptr<Sink> sink, std::string type_url = "");

  class GenericService;

  ProxyOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<asio::thread_pool> store_pool_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> workers_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cloudstate::EntityDiscovery::Stub> discovery_stub_;
  std::unique_ptr<cloudstate::eventsourced::EventSourced::Stub> es_stub_;
  std::unique_ptr<cloudstate::valueentity::ValueEntity::Stub> ve_stub_;
  std::unique_ptr<cloudstate::crdt::Crdt::Stub> crdt_stub_;
  std::unique_ptr<cloudstate::action::ActionProtocol::Stub> action_stub_;
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
  std::mutex slots_mu_;
  std::map<std::string, std::shared_ptr<CrdtSlot>> crdt_slots_;

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

// ---------------------------------------------------------------------------------------------
// Shell implementation.

template <class Traits>
void Shell<Traits>::EnsureCore() {
  if (core_ != nullptr && !core_->stopped()) {
    return;
  }
  if constexpr (Traits::kCrdt) {
    slot_ = proxy_->CrdtSlotFor(*config_, entity_id_);
    core_ = std::make_unique<Core>(config_->service_name, entity_id_, slot_.get());
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
                  self->Execute(self->core_->OnStreamMessage(message, NowMs()));
                } else {
                  self->Execute(self->core_->OnStreamMessage(message));
                }
              });
            };
            auto on_closed = [self, gen](const grpc::Status& status) {
              absl::Status st =
                  status.ok() ? absl::OkStatus()
                              : absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                             status.error_message());
              asio::post(self->strand_, [self, gen, st] {
                if (gen != self->stream_gen_ || self->core_ == nullptr) {
                  return;
                }
                self->stream_.reset();
                self->Execute(self->core_->OnStreamClosed(st));
              });
            };
            ProxyImpl* proxy = proxy_;
            stream_ = Stream::Open(
                [proxy](grpc::ClientContext* ctx,
                        grpc::ClientBidiReactor<typename Traits::In, typename Traits::Out>* r) {
                  if constexpr (std::is_same_v<Traits, EsTraits>) {
                    proxy->es_stub().async()->handle(ctx, r);
                  } else if constexpr (std::is_same_v<Traits, VeTraits>) {
                    proxy->ve_stub().async()->handle(ctx, r);
                  } else {
                    proxy->crdt_stub().async()->handle(ctx, r);
                  }
                },
                on_message, on_closed, proxy_->stream_tracker());
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
          } else if constexpr (std::is_same_v<A, es::Load>) {
            const std::string key = config_->persistence_id + "|" + entity_id_;
            asio::post(proxy_->store_pool(), [self, key] {
              absl::StatusOr<EsRecovery> result = [&]() -> absl::StatusOr<EsRecovery> {
                EsRecovery recovery;
                Store& store = self->proxy_->store();
                JournalTimer timer(self->proxy_->metrics(), "replay");
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
              }();
              asio::post(self->strand_, [self, result = std::move(result)]() mutable {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnLoaded(std::move(result)));
                }
              });
            });
          } else if constexpr (std::is_same_v<A, es::Persist>) {
            const std::string key = config_->persistence_id + "|" + entity_id_;
            proxy_->metrics().Add("persisted_events", "event-sourced",
                                  static_cast<int64_t>(a.events.size()));
            asio::post(proxy_->store_pool(), [self, key, persist = std::move(a)] {
              std::vector<StoredAny> events;
              for (const auto& e : persist.events) {
                events.push_back(StoredAny{e.type_url(), e.value()});
              }
              absl::StatusOr<int64_t> result = [&] {
                JournalTimer timer(self->proxy_->metrics(), "append");
                return self->proxy_->store().AppendEvents(key, persist.expected_sequence, events);
              }();
              if (result.ok() && persist.snapshot.has_value()) {
                JournalTimer timer(self->proxy_->metrics(), "snapshot");
                absl::Status s = self->proxy_->store().SaveSnapshot(
                    key, StoredSnapshot{*result, StoredAny{persist.snapshot->type_url(),
                                                           persist.snapshot->value()}});
                if (!s.ok()) {
                  spdlog::warn("saving snapshot of {} failed: {}", key, s.ToString());
                }
              }
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
            const std::string pid = config_->persistence_id + entity_id_;
            asio::post(proxy_->store_pool(), [self, pid] {
              absl::StatusOr<std::optional<google::protobuf::Any>> result =
                  [&]() -> absl::StatusOr<std::optional<google::protobuf::Any>> {
                JournalTimer timer(self->proxy_->metrics(), "load", "value_store_duration_seconds");
                CS_ASSIGN_OR_RETURN(auto value,
                                    self->proxy_->store().LoadValue(pid, self->entity_id_));
                if (!value.has_value()) {
                  return std::optional<google::protobuf::Any>();
                }
                google::protobuf::Any any;
                any.set_type_url(value->type_url);
                any.set_value(value->value);
                return std::optional<google::protobuf::Any>(std::move(any));
              }();
              asio::post(self->strand_, [self, result = std::move(result)]() mutable {
                if (self->core_ != nullptr) {
                  self->Execute(self->core_->OnLoaded(std::move(result)));
                }
              });
            });
          } else if constexpr (std::is_same_v<A, ve::Upsert> || std::is_same_v<A, ve::Delete>) {
            const std::string pid = config_->persistence_id + entity_id_;
            std::optional<StoredAny> value;
            if constexpr (std::is_same_v<A, ve::Upsert>) {
              value = StoredAny{a.value.type_url(), a.value.value()};
            }
            asio::post(proxy_->store_pool(), [self, pid, value] {
              JournalTimer timer(self->proxy_->metrics(), value.has_value() ? "upsert" : "delete",
                                 "value_store_duration_seconds");
              absl::Status status =
                  value.has_value()
                      ? self->proxy_->store().UpsertValue(pid, self->entity_id_, *value)
                      : self->proxy_->store().DeleteValue(pid, self->entity_id_);
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
    timer_.cancel();
    return;
  }
  const auto timeout = absl::ToChronoMilliseconds(proxy_->PassivationTimeout(*config_));
  timer_.expires_after(timeout);
  auto self = this->shared_from_this();
  timer_.async_wait([self, arm](const boost::system::error_code& ec) {
    if (!ec) {
      self->OnPassivationTimer(arm);
    }
  });
}

template <class Traits>
void Shell<Traits>::ArmCommandTimer(CallHandle handle) {
  auto timer = std::make_unique<asio::steady_timer>(strand_);
  timer->expires_after(absl::ToChronoMilliseconds(proxy_->CommandTimeout()));
  auto self = this->shared_from_this();
  timer->async_wait([self, handle](const boost::system::error_code& ec) {
    if (!ec) {
      self->OnCommandTimeout(handle);
    }
  });
  command_timers_[handle] = std::move(timer);
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

// ---------------------------------------------------------------------------------------------
// Incoming gRPC calls.

// Call-level state shared between the reactor and whoever produces its responses.
class ServerCall final : public grpc::ServerGenericBidiReactor {
 public:
  class Output final : public Sink {
   public:
    explicit Output(ServerCall* call) : call_(call) {}
    void Send(std::string bytes) override {
      std::lock_guard lock(mu_);
      if (call_ == nullptr || finishing_) {
        return;
      }
      if (single_response_ && sent_) {
        return;  // unary: only the first response counts
      }
      sent_ = true;
      queue_.push_back(ToBuffer(bytes));
      PumpLocked();
    }
    void Finish(grpc::Status status) override {
      std::lock_guard lock(mu_);
      if (call_ == nullptr || finishing_) {
        return;
      }
      if (status.ok() && single_response_ && !sent_) {
        status = grpc::Status(grpc::StatusCode::UNKNOWN,
                              "The user function sent no reply for a unary call");
      }
      finishing_ = true;
      if (on_finish_) {
        on_finish_(status);
      }
      final_status_ = std::move(status);
      PumpLocked();
    }
    // Called once with the call's final status (metrics).
    void set_on_finish(std::function<void(const grpc::Status&)> fn) { on_finish_ = std::move(fn); }
    void WriteDone(bool ok) {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) {
        queue_.clear();
      }
      PumpLocked();
    }
    void Detach() {
      std::lock_guard lock(mu_);
      call_ = nullptr;
    }
    void set_single_response(bool v) { single_response_ = v; }

   private:
    void PumpLocked() {
      if (call_ == nullptr || writing_ || finished_) {
        return;
      }
      if (!queue_.empty()) {
        writing_ = true;
        current_ = std::move(queue_.front());
        queue_.pop_front();
        call_->StartWrite(&current_);
        return;
      }
      if (finishing_) {
        finished_ = true;
        call_->Finish(final_status_);
      }
    }
    std::recursive_mutex mu_;
    ServerCall* call_;
    std::deque<grpc::ByteBuffer> queue_;
    grpc::ByteBuffer current_;
    bool writing_ = false;
    bool finishing_ = false;
    bool finished_ = false;
    bool sent_ = false;
    bool single_response_ = true;
    grpc::Status final_status_;
    std::function<void(const grpc::Status&)> on_finish_;
  };

  // What happens to incoming messages of this call.
  struct Handler {
    std::function<void(std::string)> on_message;
    std::function<void()> on_half_close;
    std::function<void()> on_cancel;
  };

  ServerCall(ProxyImpl* proxy, grpc::GenericCallbackServerContext* context)
      : proxy_(proxy), context_(context), output_(std::make_shared<Output>(this)) {
    Start();
  }

  std::shared_ptr<Output> output() { return output_; }

 private:
  void Start();

  void OnReadDone(bool ok) override {
    if (rejected_) {
      handler_.on_half_close();
      return;
    }
    if (!ok) {
      if (!got_message_ && !client_streaming_) {
        output_->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "missing request message"));
        return;
      }
      if (handler_.on_half_close) {
        handler_.on_half_close();
      }
      return;
    }
    got_message_ = true;
    if (request_.Length() > static_cast<size_t>(proxy_->MaxMessageBytes())) {
      output_->Finish(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("Received message larger than max (", request_.Length(),
                                    " vs. ", proxy_->MaxMessageBytes(), ")")));
      return;
    }
    std::string bytes = ToString(request_);
    const bool more = client_streaming_;
    handler_.on_message(std::move(bytes));
    if (more) {
      StartRead(&request_);
    }
  }
  void OnWriteDone(bool ok) override { output_->WriteDone(ok); }
  void OnCancel() override {
    if (handler_.on_cancel) {
      handler_.on_cancel();
    }
    // A reactor must still finish a cancelled call, or OnDone never runs (the call leaks and
    // Server::Shutdown waits for it forever). Later outputs for it are dropped.
    output_->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
  }
  void OnDone() override {
    output_->Detach();
    delete this;
  }

  ProxyImpl* proxy_;
  grpc::GenericCallbackServerContext* context_;
  std::shared_ptr<Output> output_;
  const Route* route_ = nullptr;
  grpc::ByteBuffer request_;
  bool got_message_ = false;
  bool rejected_ = false;
  bool client_streaming_ = false;
  Handler handler_;
};

Metadata RequestMetadata(const grpc::ServerContextBase& context) {
  Metadata metadata;
  for (const auto& [key, value] : context.client_metadata()) {
    std::string k(key.data(), key.size());
    if (k.empty() || k[0] == ':' || k.ends_with("-bin")) {
      continue;
    }
    auto* entry = metadata.add_entries();
    entry->set_key(std::move(k));
    entry->set_string_value(std::string(value.data(), value.size()));
  }
  return metadata;
}

// Bridges a client-streaming action call (streamed-in or bidi) to the function.
template <bool kBidi>
class ActionStreamBridge final
    : public std::conditional_t<kBidi,
                                grpc::ClientBidiReactor<cloudstate::action::ActionCommand,
                                                        cloudstate::action::ActionResponse>,
                                grpc::ClientWriteReactor<cloudstate::action::ActionCommand>> {
 public:
  static std::shared_ptr<ActionStreamBridge> Create(ProxyImpl* proxy, const Route& route,
                                                    Metadata metadata, std::shared_ptr<Sink> sink) {
    auto bridge = std::shared_ptr<ActionStreamBridge>(
        new ActionStreamBridge(proxy, route, std::move(metadata), std::move(sink)));
    bridge->self_ = bridge;
    bridge->Begin();
    return bridge;
  }

 private:
  ActionStreamBridge(ProxyImpl* proxy, const Route& route, Metadata metadata,
                     std::shared_ptr<Sink> sink)
      : proxy_(proxy), route_(route), sink_(std::move(sink)) {
    cloudstate::action::ActionCommand first;
    first.set_service_name(route.entity->service_name);
    first.set_name(route.method->name());
    *first.mutable_metadata() = std::move(metadata);
    queue_.push_back(std::move(first));
  }
  void Begin() {
    if constexpr (kBidi) {
      proxy_->action_stub().async()->handleStreamed(&context_, this);
      this->StartRead(&response_);
    } else {
      proxy_->action_stub().async()->handleStreamedIn(&context_, &response_, this);
    }
    this->AddHold();  // after the call is bound to this reactor
    {
      std::lock_guard lock(mu_);
      PumpLocked();
    }
    this->StartCall();
  }

 public:
  void Message(std::string bytes) {
    cloudstate::action::ActionCommand command;
    command.mutable_payload()->set_type_url(route_.input_type_url);
    command.mutable_payload()->set_value(std::move(bytes));
    std::lock_guard lock(mu_);
    if (closed_) {
      return;
    }
    queue_.push_back(std::move(command));
    PumpLocked();
  }
  void HalfClose() {
    std::lock_guard lock(mu_);
    half_close_ = true;
    PumpLocked();
  }
  void Cancel() { context_.TryCancel(); }

 private:
  void PumpLocked() {
    if (writing_ || closed_) {
      return;
    }
    if (!queue_.empty()) {
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      this->StartWrite(&current_);
      return;
    }
    if (half_close_) {
      closed_ = true;
      this->StartWritesDone();
      this->RemoveHold();
    }
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) {
      queue_.clear();
      if (!closed_) {
        closed_ = true;
        this->RemoveHold();
      }
      return;
    }
    PumpLocked();
  }
  void OnReadDone(bool ok) {
    if (!ok) {
      std::lock_guard lock(mu_);
      if (!closed_ && !writing_) {
        closed_ = true;
        queue_.clear();
        this->RemoveHold();
      } else if (!closed_) {
        half_close_ = true;
        queue_.clear();
      }
      return;
    }
    got_response_ = true;
    CallOutput output;
    output.final = false;
    switch (response_.response_case()) {
      case cloudstate::action::ActionResponse::kReply:
        output.action.emplace();
        *output.action->mutable_reply() = response_.reply();
        break;
      case cloudstate::action::ActionResponse::kForward:
        output.action.emplace();
        *output.action->mutable_forward() = response_.forward();
        break;
      case cloudstate::action::ActionResponse::kFailure:
        output.action.emplace();
        *output.action->mutable_failure() = response_.failure();
        break;
      default:
        break;
    }
    output.side_effects.assign(response_.side_effects().begin(), response_.side_effects().end());
    proxy_->Deliver(route_, std::move(output), sink_);
    this->StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    if constexpr (!kBidi) {
      if (status.ok()) {
        // Streamed-in: the single response arrives with the status.
        CallOutput output;
        const auto& r = response_;
        if (r.has_reply()) {
          output.action.emplace();
          *output.action->mutable_reply() = r.reply();
        } else if (r.has_forward()) {
          output.action.emplace();
          *output.action->mutable_forward() = r.forward();
        } else if (r.has_failure()) {
          output.action.emplace();
          *output.action->mutable_failure() = r.failure();
        }
        output.side_effects.assign(r.side_effects().begin(), r.side_effects().end());
        proxy_->Deliver(route_, std::move(output), sink_);
        Release();
        return;
      }
    }
    // A bidi stream ends with the function's status (a second Finish is ignored).
    sink_->Finish(status);
    Release();
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      queue_.clear();
    }
    auto keep = std::move(self_);  // may destroy this at scope end
  }

  std::shared_ptr<ActionStreamBridge> self_;
  ProxyImpl* proxy_;
  const Route& route_;
  std::shared_ptr<Sink> sink_;
  grpc::ClientContext context_;
  cloudstate::action::ActionResponse response_;
  std::mutex mu_;
  std::deque<cloudstate::action::ActionCommand> queue_;
  cloudstate::action::ActionCommand current_;
  bool writing_ = false;
  bool half_close_ = false;
  bool closed_ = false;
  bool got_response_ = false;
};

// Server-streaming action: one command, many responses.
class ActionStreamedOut final : public grpc::ClientReadReactor<cloudstate::action::ActionResponse> {
 public:
  ActionStreamedOut(ProxyImpl* proxy, const Route& route, cloudstate::action::ActionCommand command,
                    std::shared_ptr<Sink> sink)
      : proxy_(proxy), route_(route), command_(std::move(command)), sink_(std::move(sink)) {
    proxy->action_stub().async()->handleStreamedOut(&context_, &command_, this);
    StartRead(&response_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }

 private:
  void OnReadDone(bool ok) override {
    if (!ok) {
      return;
    }
    CallOutput output;
    output.final = false;
    if (response_.has_reply()) {
      output.action.emplace();
      *output.action->mutable_reply() = response_.reply();
    } else if (response_.has_forward()) {
      output.action.emplace();
      *output.action->mutable_forward() = response_.forward();
    } else if (response_.has_failure()) {
      output.action.emplace();
      *output.action->mutable_failure() = response_.failure();
    }
    output.side_effects.assign(response_.side_effects().begin(), response_.side_effects().end());
    proxy_->Deliver(route_, std::move(output), sink_);
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    sink_->Finish(status);
    delete this;
  }

  ProxyImpl* proxy_;
  const Route& route_;
  cloudstate::action::ActionCommand command_;
  std::shared_ptr<Sink> sink_;
  grpc::ClientContext context_;
  cloudstate::action::ActionResponse response_;
};

class ProxyImpl::GenericService final : public grpc::CallbackGenericService {
 public:
  explicit GenericService(ProxyImpl* proxy) : proxy_(proxy) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new ServerCall(proxy_, context);
  }

 private:
  ProxyImpl* proxy_;
};

void ServerCall::Start() {
  const std::string& method = context_->method();
  route_ = proxy_->model().FindRoute(method);
  {
    // Per-method request count and latency; unknown paths share one label value.
    const std::string label =
        route_ != nullptr || method == kReflectionMethodPath ? method : std::string("unknown");
    ProxyImpl* proxy = proxy_;
    const auto start = std::chrono::steady_clock::now();
    output_->set_on_finish([proxy, label, start](const grpc::Status& status) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      proxy->metrics().AddCounter(
          "requests", {{"method", label}, {"code", std::to_string(status.error_code())}});
      proxy->metrics().Observe("request_duration_seconds", {{"method", label}}, seconds);
    });
  }
  if (route_ == nullptr && method == kReflectionMethodPath && proxy_->reflection() != nullptr &&
      !proxy_->shutting_down()) {
    // Server reflection over the discovered services: one answer per request message.
    const ReflectionIndex* reflection = proxy_->reflection();
    std::shared_ptr<Output> output = output_;
    output_->set_single_response(false);
    client_streaming_ = true;
    handler_.on_message = [output, reflection](std::string bytes) {
      output->Send(reflection->Answer(bytes));
    };
    handler_.on_half_close = [output] { output->Finish(grpc::Status::OK); };
    StartRead(&request_);
    return;
  }
  // Rejections are sent once the first read completes: finishing inside CreateReactor, before
  // gRPC has bound the reactor to the call, is not reliable.
  if (route_ == nullptr || proxy_->shutting_down()) {
    grpc::Status status =
        route_ == nullptr
            ? grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + context_->method())
            : grpc::Status(grpc::StatusCode::UNAVAILABLE, "proxy is shutting down");
    route_ = nullptr;
    std::shared_ptr<Output> output = output_;
    handler_.on_message = [output, status](std::string) { output->Finish(status); };
    handler_.on_half_close = [output, status] { output->Finish(status); };
    rejected_ = true;
    StartRead(&request_);
    return;
  }
  output_->set_single_response(!route_->server_streaming);
  client_streaming_ = route_->client_streaming;
  proxy_->metrics().Increment("received_commands", EntityKindName(route_->entity->kind));
  const Route& route = *route_;
  ProxyImpl* proxy = proxy_;
  std::shared_ptr<Sink> sink = output_;
  if (route.entity->kind == EntityKind::kAction && route.client_streaming) {
    // The bridge lives until the function's call is done, which is after the client's call ends
    // or is cancelled (we cancel it then), so these raw pointers stay valid.
    auto wire = [&](auto bridge) {
      handler_.on_message = [bridge](std::string bytes) { bridge->Message(std::move(bytes)); };
      handler_.on_half_close = [bridge] { bridge->HalfClose(); };
      handler_.on_cancel = [bridge] { bridge->Cancel(); };
    };
    if (route.server_streaming) {
      wire(ActionStreamBridge<true>::Create(proxy, route, RequestMetadata(*context_), sink));
    } else {
      wire(ActionStreamBridge<false>::Create(proxy, route, RequestMetadata(*context_), sink));
    }
  } else {
    Metadata metadata = RequestMetadata(*context_);
    const CallHandle handle = proxy->NewHandle();
    handler_.on_message = [proxy, &route, sink, handle,
                           metadata = std::move(metadata)](std::string bytes) mutable {
      proxy->Dispatch(route, std::move(bytes), std::move(metadata), sink, handle);
    };
    handler_.on_cancel = [proxy, handle] { proxy->RegisterCancel(handle, nullptr); };
  }
  StartRead(&request_);
}

// ---------------------------------------------------------------------------------------------
// Routing and delivery.

void ProxyImpl::RegisterCancel(CallHandle handle, std::function<void()> cancel) {
  // Cancellation of a call routed to a CRDT stream: the shell is found again by the key captured
  // at dispatch. Kept simple: the cancel closure is stored per handle.
  static std::mutex mu;
  static std::map<CallHandle, std::function<void()>> cancels;
  std::function<void()> run;
  {
    std::lock_guard lock(mu);
    if (cancel) {
      cancels[handle] = std::move(cancel);
      return;
    }
    auto it = cancels.find(handle);
    if (it != cancels.end()) {
      run = std::move(it->second);
      cancels.erase(it);
    }
  }
  if (run) {
    run();
  }
}

void ProxyImpl::Dispatch(const Route& route, std::string payload, Metadata metadata,
                         std::shared_ptr<Sink> sink, CallHandle handle) {
  if (handle == 0) {
    handle = NewHandle();
  }
  if (route.entity->kind == EntityKind::kAction) {
    DispatchAction(route, std::move(payload), std::move(metadata), std::move(sink));
    return;
  }
  absl::StatusOr<std::string> id = route.ExtractEntityId(payload);
  if (!id.ok()) {
    sink->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(id.status().message())));
    return;
  }
  // The command as sent to the function: payload, entity id (also in the init message), names
  // and metadata. Refused here rather than failing the entity's stream.
  const size_t envelope = payload.size() + 2 * id->size() + route.input_type_url.size() +
                          route.method->name().size() + metadata.ByteSizeLong() + 256;
  if (envelope > static_cast<size_t>(FunctionMessageLimit())) {
    sink->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     absl::StrCat("command with its entity key is too large for the user "
                                  "function (",
                                  envelope, " bytes, limit ", FunctionMessageLimit(), ")")));
    return;
  }
  ClientCommand command;
  command.handle = handle;
  command.name = route.method->name();
  command.payload.set_type_url(route.input_type_url);
  command.payload.set_value(std::move(payload));
  command.streamed = route.server_streaming;
  auto completion = [this, &route, sink](CallOutput output) {
    Deliver(route, std::move(output), sink);
  };
  switch (route.entity->kind) {
    case EntityKind::kEventSourced:
      es_.Dispatch(this, route.entity, *id, io_,
                   [command = std::move(command), completion](Shell<EsTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kValueEntity:
      ve_.Dispatch(this, route.entity, *id, io_,
                   [command = std::move(command), completion](Shell<VeTraits>& shell) mutable {
                     shell.Command(std::move(command), completion);
                   });
      break;
    case EntityKind::kCrdt: {
      if (route.server_streaming) {
        const EntityConfig* config = route.entity;
        std::string entity_id = *id;
        RegisterCancel(handle, [this, config, entity_id, handle] {
          crdt_.Dispatch(this, config, entity_id, io_,
                         [handle](Shell<CrdtTraits>& shell) { shell.ClientCancelled(handle); });
        });
      }
      crdt_.Dispatch(this, route.entity, *id, io_,
                     [command = std::move(command), completion](Shell<CrdtTraits>& shell) mutable {
                       shell.Command(std::move(command), completion);
                     });
      break;
    }
    default:
      break;
  }
}

void ProxyImpl::DispatchAction(const Route& route, std::string payload, Metadata metadata,
                               std::shared_ptr<Sink> sink, std::string type_url) {
  cloudstate::action::ActionCommand command;
  command.set_service_name(route.entity->service_name);
  command.set_name(route.method->name());
  if (type_url.empty()) {
    command.mutable_payload()->set_type_url(route.input_type_url);
  } else {
    command.mutable_payload()->set_type_url(std::move(type_url));  // an event's own Any
  }
  command.mutable_payload()->set_value(std::move(payload));
  *command.mutable_metadata() = std::move(metadata);
  if (route.client_streaming) {
    // A forward or side effect to a client-streaming method: one message, then half-close.
    Metadata first_metadata = command.metadata();
    auto run = [&](auto bridge) {
      bridge->Message(std::move(*command.mutable_payload()->mutable_value()));
      bridge->HalfClose();
    };
    if (route.server_streaming) {
      run(ActionStreamBridge<true>::Create(this, route, std::move(first_metadata), sink));
    } else {
      run(ActionStreamBridge<false>::Create(this, route, std::move(first_metadata), sink));
    }
    return;
  }
  if (route.server_streaming) {
    new ActionStreamedOut(this, route, std::move(command), sink);
    return;
  }
  struct UnaryCall {
    grpc::ClientContext context;
    cloudstate::action::ActionCommand request;
    cloudstate::action::ActionResponse response;
  };
  auto call = std::make_shared<UnaryCall>();
  call->request = std::move(command);
  action_stub_->async()->handleUnary(&call->context, &call->request, &call->response,
                                     [this, call, &route, sink](grpc::Status status) {
                                       if (!status.ok()) {
                                         sink->Finish(status);
                                         return;
                                       }
                                       CallOutput output;
                                       const auto& r = call->response;
                                       if (r.has_reply()) {
                                         output.action.emplace();
                                         *output.action->mutable_reply() = r.reply();
                                       } else if (r.has_forward()) {
                                         output.action.emplace();
                                         *output.action->mutable_forward() = r.forward();
                                       } else if (r.has_failure()) {
                                         output.action.emplace();
                                         *output.action->mutable_failure() = r.failure();
                                       }
                                       output.side_effects.assign(r.side_effects().begin(),
                                                                  r.side_effects().end());
                                       Deliver(route, std::move(output), sink);
                                     });
}

void ProxyImpl::Deliver(const Route& origin, CallOutput output, std::shared_ptr<Sink> sink) {
  if (!output.error.ok()) {
    metrics_.Increment("failed_commands", EntityKindName(origin.entity->kind));
    metrics_.AddCounter("errors", {{"type", "command"}});
    sink->Finish(grpc::Status(static_cast<grpc::StatusCode>(output.error.code()),
                              std::string(output.error.message())));
    return;
  }
  metrics_.Increment("completed_commands", EntityKindName(origin.entity->kind));
  auto effects = std::make_shared<std::vector<SideEffect>>(std::move(output.side_effects));
  const bool final = output.final;
  auto action = std::move(output.action);
  if (effects->empty()) {
    HandleAction(origin, std::move(action), final, std::move(sink));
    return;
  }
  RunSideEffects(origin, effects, 0,
                 [this, &origin, action = std::move(action), final, sink](grpc::Status status) {
                   if (!status.ok()) {
                     sink->Finish(status);
                     return;
                   }
                   HandleAction(origin, action, final, sink);
                 });
}

void ProxyImpl::RunSideEffects(const Route& origin,
                               std::shared_ptr<std::vector<SideEffect>> effects, size_t index,
                               std::function<void(grpc::Status)> done) {
  while (index < effects->size()) {
    const SideEffect& effect = (*effects)[index];
    const Route* target = model_->FindRoute(effect.service_name(), effect.command_name());
    if (target == nullptr) {
      const std::string message = absl::StrCat(
          "Service [", effect.service_name(), "] or command [", effect.command_name(),
          "] unknown\n  side-effect of\n", origin.entity->service_name, ".", origin.method->name());
      spdlog::error("{}", message);
      ReportError(message);
      if (effect.synchronous()) {
        done(grpc::Status(grpc::StatusCode::INTERNAL, message));
        return;
      }
      ++index;
      continue;
    }
    std::string payload = effect.payload().value();
    if (effect.synchronous()) {
      auto next = [this, &origin, effects, index, done](grpc::Status status) {
        if (!status.ok()) {
          LogLimited(
              spdlog::level::warn, "side-effect",
              absl::StrCat("synchronous side effect ", index, " failed: ", status.error_message()));
        }
        RunSideEffects(origin, effects, index + 1, done);
      };
      Dispatch(*target, std::move(payload), effect.metadata(),
               std::make_shared<CallbackSink>(std::move(next)));
      return;
    }
    Dispatch(*target, std::move(payload), effect.metadata(),
             std::make_shared<CallbackSink>([this](grpc::Status status) {
               if (!status.ok()) {
                 LogLimited(spdlog::level::warn, "side-effect",
                            "asynchronous side effect failed: " + status.error_message());
               }
             }));
    ++index;
  }
  done(grpc::Status::OK);
}

void ProxyImpl::HandleAction(const Route& origin, std::optional<ClientAction> action, bool final,
                             std::shared_ptr<Sink> sink) {
  if (!action.has_value() || action->action_case() == ClientAction::ACTION_NOT_SET) {
    if (final) {
      sink->Finish(grpc::Status::OK);
    }
    return;
  }
  switch (action->action_case()) {
    case ClientAction::kReply: {
      const auto& reply = action->reply();
      if (reply.has_payload() && reply.payload().type_url() != origin.output_type_url) {
        const std::string warning =
            absl::StrCat("Warning: ", origin.entity->service_name, ".", origin.method->name(),
                         ": Expected reply type_url to be [", origin.output_type_url, "] but was [",
                         reply.payload().type_url(), "].");
        spdlog::warn("{}", warning);
        ReportError(warning);
      }
      if (eventing_ != nullptr && eventing_->HasOutTopic(origin)) {  // eventing hook: out.topic
        absl::Status published = eventing_->PublishReply(origin, reply.payload(), Metadata());
        if (!published.ok()) {
          sink->Finish(
              grpc::Status(static_cast<grpc::StatusCode>(published.code()),
                           "publishing the reply failed: " + std::string(published.message())));
          return;
        }
      }
      sink->Send(reply.payload().value());
      if (final) {
        sink->Finish(grpc::Status::OK);
      }
      return;
    }
    case ClientAction::kFailure:
      spdlog::info("User Function responded with a failure: {}", action->failure().description());
      sink->Finish(UnknownStatus(action->failure().description()));
      return;
    case ClientAction::kForward: {
      const auto& forward = action->forward();
      const Route* target = model_->FindRoute(forward.service_name(), forward.command_name());
      if (target == nullptr) {
        const std::string message = absl::StrCat(
            "Service [", forward.service_name(), "] or command [", forward.command_name(),
            "] unknown\n  forward of\n", origin.entity->service_name, ".", origin.method->name());
        spdlog::error("{}", message);
        ReportError(message);
        sink->Finish(grpc::Status(grpc::StatusCode::INTERNAL, message));
        return;
      }
      std::shared_ptr<Sink> target_sink = final ? sink : std::make_shared<StreamElementSink>(sink);
      Dispatch(*target, forward.payload().value(), forward.metadata(), std::move(target_sink));
      return;
    }
    default:
      return;
  }
}

// Eventing hook: a consumed event as a command, outcome to `done` (forwards and side effects run
// as for a client call).
void ProxyImpl::DispatchEvent(const Route& route, google::protobuf::Any payload, Metadata metadata,
                              std::function<void(absl::Status)> done) {
  auto sink = std::make_shared<CallbackSink>([done = std::move(done)](grpc::Status status) {
    done(status.ok() ? absl::OkStatus()
                     : absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                    status.error_message()));
  });
  if (route.entity->kind == EntityKind::kAction) {
    DispatchAction(route, std::move(*payload.mutable_value()), std::move(metadata), std::move(sink),
                   std::move(*payload.mutable_type_url()));
    return;
  }
  Dispatch(route, std::move(*payload.mutable_value()), std::move(metadata), std::move(sink));
}

void ProxyImpl::LogLimited(spdlog::level::level_enum level, const std::string& key,
                           const std::string& message) {
  log_limiter_->Log(level, key, message);
}

void ProxyImpl::ReportError(const std::string& message) {
  metrics_.AddCounter("errors", {{"type", "report_error"}});
  if (discovery_stub_ == nullptr) {
    return;
  }
  struct Call {
    grpc::ClientContext context;
    cloudstate::UserFunctionError request;
    google::protobuf::Empty response;
  };
  auto call = std::make_shared<Call>();
  call->request.set_message(message);
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  discovery_stub_->async()->reportError(&call->context, &call->request, &call->response,
                                        [limiter = log_limiter_, call](grpc::Status status) {
                                          if (!status.ok()) {
                                            limiter->Log(
                                                spdlog::level::warn, "report-error",
                                                "reportError failed: " + status.error_message());
                                          }
                                        });
}

// ---------------------------------------------------------------------------------------------
// Start-up and shutdown.

absl::Status ProxyImpl::Discover() {
  cloudstate::ProxyInfo info;
  info.set_protocol_major_version(0);
  info.set_protocol_minor_version(2);
  info.set_proxy_name("cloudstate-cpp-proxy");
  info.set_proxy_version(CS_KIT_VERSION);
  for (const std::string& type : SupportedEntityTypes()) {
    info.add_supported_entity_types(type);
  }
  const std::string target =
      absl::StrCat(options_.user_function_host, ":", options_.user_function_port);
  // A channel of its own (own subchannel, reconnecting every 100 ms while the function is
  // down) so that a function coming up is seen at once, whatever step the back-off is at; the
  // entity channel keeps its slower reconnect back-off.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  auto stub = cloudstate::EntityDiscovery::NewStub(channel);
  absl::Duration backoff = options_.discovery_backoff_min;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.set_wait_for_ready(false);
    {
      std::lock_guard lock(shutdown_mu_);
      if (shutdown_started_) {
        return absl::CancelledError("shut down during discovery");
      }
      discovery_context_ = &context;  // Shutdown cancels it
    }
    cloudstate::EntitySpec spec;
    spdlog::info("discovery attempt {} to {}", attempt, target);
    grpc::Status status = stub->discover(&context, info, &spec);
    {
      std::lock_guard lock(shutdown_mu_);
      discovery_context_ = nullptr;
      if (shutdown_started_) {
        return absl::CancelledError("shut down during discovery");
      }
    }
    if (status.ok()) {
      spdlog::info(
          "Received EntitySpec from user function with info: service {} {} ({} {} {}), "
          "protocol {}.{}",
          spec.service_info().service_name(), spec.service_info().service_version(),
          spec.service_info().service_runtime(), spec.service_info().support_library_name(),
          spec.service_info().support_library_version(),
          spec.service_info().protocol_major_version(),
          spec.service_info().protocol_minor_version());
      if (options_.protocol_compatibility_check) {
        absl::Status compat = CheckProtocolVersion(spec.service_info());
        if (!compat.ok()) {
          spdlog::error("{}", std::string(compat.message()));
          ReportError(std::string(compat.message()));
          return compat;
        }
      }
      auto model = ServiceModel::Build(spec, SupportedEntityTypes());
      if (!model.ok()) {
        spdlog::error("invalid entity spec: {}", std::string(model.status().message()));
        ReportError(std::string(model.status().message()));
        return model.status();
      }
      model_ = std::move(*model);
      return absl::OkStatus();
    }
    spdlog::warn("discovery attempt {} failed: {} ({}); retrying in {}", attempt,
                 status.error_message(), static_cast<int>(status.error_code()),
                 absl::FormatDuration(backoff));
    if (options_.discovery_max_attempts > 0 && attempt >= options_.discovery_max_attempts) {
      return absl::UnavailableError("user function did not answer discovery: " +
                                    status.error_message());
    }
    // UNAVAILABLE from a connected function (its own answer) is waited out like any failure.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        channel->GetState(false) != GRPC_CHANNEL_READY) {
      // Not reachable: wait up to the back-off, but try again as soon as a connection is made.
      const auto until = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(backoff);
      while (std::chrono::system_clock::now() < until) {
        {
          std::lock_guard lock(shutdown_mu_);
          if (shutdown_started_) {
            return absl::CancelledError("shut down during discovery");
          }
        }
        // In slices, so that a shutdown request is seen within 100 ms.
        if (channel->WaitForConnected(std::min(
                until, std::chrono::system_clock::now() + std::chrono::milliseconds(100)))) {
          break;
        }
      }
    } else {
      // Reachable but failing: wait for the back-off or a shutdown request.
      std::unique_lock lock(shutdown_mu_);
      shutdown_cv_.wait_for(lock, absl::ToChronoMilliseconds(backoff),
                            [&] { return shutdown_started_; });
    }
    backoff = std::min(backoff * 2, options_.discovery_backoff_max);
  }
}

void ProxyImpl::AddHealthHandlers(HttpServer& server) {
  server.Handle("/alive", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "OK"}; });
  server.Handle("/ready", [this](const HttpRequest&) {
    if (!ready_) {
      return HttpResponse{
          503, "text/plain",
          shutting_down_ ? "not ready: shutting down" : "not ready: discovery pending"};
    }
    absl::Status s = store_->CheckReady();
    if (!s.ok()) {
      return HttpResponse{503, "text/plain", "store not ready: " + std::string(s.message())};
    }
    if (!FunctionReachable()) {
      return HttpResponse{503, "text/plain", "user function unreachable"};
    }
    return HttpResponse{200, "text/plain", "OK"};
  });
  server.Handle("/metrics", [this](const HttpRequest&) {
    metrics_.SetGauge("active_entities", {{"entity_type", "event-sourced"}},
                      static_cast<double>(es_.size()));
    metrics_.SetGauge("active_entities", {{"entity_type", "value-entity"}},
                      static_cast<double>(ve_.size()));
    metrics_.SetGauge("active_entities", {{"entity_type", "crdt"}},
                      static_cast<double>(crdt_.size()));
    metrics_.SetGauge("ready", {}, ready_ ? 1 : 0);
    return HttpResponse{200, "text/plain; version=0.0.4", metrics_.Render()};
  });
}

HttpResponse ProxyImpl::TranscodeHttp(const HttpRequest& request) {
  std::shared_ptr<const http::Transcoder> transcoder;
  {
    std::lock_guard lock(transcoder_mu_);
    if (!http_gate_open_ || transcoder_ == nullptr) {
      return HttpResponse{503, "text/plain", "Service Unavailable"};
    }
    transcoder = transcoder_;
    ++http_calls_;
  }
  HttpResponse response = transcoder->Handle(request);
  if (!response.stream) {
    LeaveHttpGate();
    return response;
  }
  // A streamed reply goes on after Handle returned: the call stays inside the gate, with its
  // transcoder, until the stream callable is gone (run to the end or dropped), in that order.
  struct StreamedCall {
    ProxyImpl* proxy = nullptr;
    std::shared_ptr<const http::Transcoder> transcoder;
    std::function<void(const ChunkWriter&)> produce;
    ~StreamedCall() {
      produce = nullptr;  // ends (cancels) the gRPC call
      transcoder.reset();
      proxy->LeaveHttpGate();
    }
  };
  auto streamed = std::make_shared<StreamedCall>();  // built in place: its destructor counts
  streamed->proxy = this;
  streamed->transcoder = std::move(transcoder);
  streamed->produce = std::move(response.stream);
  response.stream = [streamed](const ChunkWriter& write) { streamed->produce(write); };
  return response;
}

void ProxyImpl::LeaveHttpGate() {
  std::lock_guard lock(transcoder_mu_);
  if (--http_calls_ == 0) {
    transcoder_cv_.notify_all();
  }
}

void ProxyImpl::HandOverToGrpc(int fd) {
  std::lock_guard lock(handoff_mu_);
  if (!grpc_accepting_) {
    close(fd);
    return;
  }
  grpc::AddInsecureChannelFromFd(server_.get(), fd);
}

absl::Status ProxyImpl::Serve() {
  {
    std::lock_guard lock(shutdown_mu_);
    if (shutdown_started_) {
      return absl::CancelledError("shut down before start");
    }
    serve_running_ = true;
  }
  absl::Status status = Init();
  {
    std::lock_guard lock(shutdown_mu_);
    serve_running_ = false;
    if (status.ok() && shutdown_started_) {
      status = absl::CancelledError("shut down while starting");
    }
  }
  shutdown_cv_.notify_all();
  return status;
}

absl::Status ProxyImpl::Init() {
  CS_ASSIGN_OR_RETURN(store_, OpenStore(options_.store));
  spdlog::info("store: {}", store_->Kind());
  store_pool_ = std::make_unique<asio::thread_pool>(std::max(1, options_.store_threads));
  work_.emplace(io_.get_executor());
  int threads = options_.worker_threads > 0
                    ? options_.worker_threads
                    : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this] { io_.run(); });
  }

  if (options_.management_port >= 0) {
    HttpServer::Options management_options;
    management_options.bind = options_.bind;
    management_options.port = options_.management_port;
    management_options.max_connections = options_.max_connections;
    management_ = std::make_unique<HttpServer>(management_options);
    AddHealthHandlers(*management_);
    CS_RETURN_IF_ERROR(management_->Start());
    spdlog::info("management endpoint (/ready /alive /metrics) on {}:{}", options_.bind,
                 management_->port());
  }

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(FunctionMessageLimit());
  args.SetMaxSendMessageSize(FunctionMessageLimit());
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  channel_ = grpc::CreateCustomChannel(
      absl::StrCat(options_.user_function_host, ":", options_.user_function_port),
      grpc::InsecureChannelCredentials(), args);
  discovery_stub_ = cloudstate::EntityDiscovery::NewStub(channel_);
  es_stub_ = cloudstate::eventsourced::EventSourced::NewStub(channel_);
  ve_stub_ = cloudstate::valueentity::ValueEntity::NewStub(channel_);
  crdt_stub_ = cloudstate::crdt::Crdt::NewStub(channel_);
  action_stub_ = cloudstate::action::ActionProtocol::NewStub(channel_);

  CS_RETURN_IF_ERROR(Discover());

  reflection_ = std::make_unique<ReflectionIndex>(*model_);
  service_ = std::make_unique<GenericService>(this);
  // No listening port of its own: the front door accepts and hands HTTP/2 connections over.
  grpc::ServerBuilder builder;
  // The size limit is checked by ServerCall, so that the client's code (RESOURCE_EXHAUSTED) is
  // also the one counted in /metrics; gRPC's own limit only stops what is far beyond it.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<int64_t>(2 * int64_t{options_.max_message_bytes}, INT32_MAX)));
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  // gRPC 1.51 inflates a compressed message completely before it checks the size limit: 1 MB of
  // gzip on the wire becomes 1 GiB in memory. Compressed requests are therefore refused (gRPC
  // answers UNIMPLEMENTED before inflating anything); responses are never compressed.
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  if (options_.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams);
  }
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::InternalError("cannot start the gRPC server");
  }
  {
    std::lock_guard lock(handoff_mu_);
    grpc_accepting_ = true;
  }
  for (const auto& [path, route] : model_->routes()) {
    spdlog::info("serving {} ({}{}{})", path, EntityKindName(route.entity->kind),
                 route.client_streaming ? ", client-streaming" : "",
                 route.server_streaming ? ", server-streaming" : "");
  }
  {
    // HTTP/JSON goes through our own gRPC server, so both share one code path.
    grpc::ChannelArguments in_process_args;
    in_process_args.SetMaxReceiveMessageSize(options_.max_message_bytes);
    in_process_args.SetMaxSendMessageSize(options_.max_message_bytes);
    auto transcoder = http::Transcoder::Create(*model_, server_->InProcessChannel(in_process_args));
    if (!transcoder.ok()) {
      spdlog::error("HTTP/JSON transcoding disabled: {}",
                    std::string(transcoder.status().message()));
      ReportError(std::string(transcoder.status().message()));
    } else {
      std::lock_guard lock(transcoder_mu_);
      transcoder_ = std::move(*transcoder);
    }
  }

  {
    // Eventing hook: consumers start once the routes exist, like the original.
    auto eventing = eventing::EventingService::Create(
        *model_, *store_, io_, *store_pool_,
        [this](const Route& route, google::protobuf::Any payload, Metadata metadata,
               std::function<void(absl::Status)> done) {
          DispatchEvent(route, std::move(payload), std::move(metadata), std::move(done));
        },
        [this](const std::string& message) { ReportError(message); }, {});
    if (!eventing.ok()) {
      spdlog::error("eventing: {}", std::string(eventing.status().message()));
      ReportError(std::string(eventing.status().message()));
      return eventing.status();
    }
    if (!(*eventing)->config().empty()) {
      eventing_ = std::move(*eventing);
      CS_RETURN_IF_ERROR(eventing_->Start());
    }
  }

  // Bound only now, like the original (which binds once the routes exist): a client that can
  // connect can be served.
  HttpServer::Options front_options;
  front_options.bind = options_.bind;
  front_options.port = options_.grpc_port >= 0 ? options_.grpc_port : options_.http_port;
  front_options.threads = 2;
  front_options.handler_threads = 16;  // a transcoded call blocks its thread until it ends
  front_options.max_connections = options_.max_connections;
  front_options.knative_probe = true;
  front_options.http2_handoff = [this](int fd) { HandOverToGrpc(fd); };
  front_ = std::make_unique<HttpServer>(front_options);
  AddHealthHandlers(*front_);
  front_->SetFallback([this](const HttpRequest& request) { return TranscodeHttp(request); });
  CS_RETURN_IF_ERROR(front_->Start());
  port_ = front_->port();
  ready_ = true;
  spdlog::info("Cloudstate proxy online at {}:{} (gRPC and HTTP)", options_.bind, port_);
  return absl::OkStatus();
}

void ProxyImpl::Shutdown() {
  {
    std::unique_lock lock(shutdown_mu_);
    if (shutdown_started_) {
      return;
    }
    shutdown_started_ = true;
    shutting_down_ = true;
    if (discovery_context_ != nullptr) {
      discovery_context_->TryCancel();
    }
    shutdown_cv_.notify_all();
    // A concurrent Serve() returns promptly now; tear down only after it did.
    shutdown_cv_.wait(lock, [&] { return !serve_running_; });
  }
  ready_ = false;
  spdlog::info("shutting down: draining calls");
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options_.shutdown_timeout);
  if (front_ != nullptr) {
    front_->StopAccepting();
  }
  // Transcoded HTTP calls run through server_, so they end before it shuts down: wait for them
  // (they may finish normally), then cancel the stragglers.
  {
    std::shared_ptr<const http::Transcoder> transcoder;
    std::unique_lock lock(transcoder_mu_);
    http_gate_open_ = false;
    transcoder = transcoder_;
    if (!transcoder_cv_.wait_until(lock, deadline, [&] { return http_calls_ == 0; })) {
      lock.unlock();
      if (transcoder != nullptr) {
        transcoder->CancelAll();
      }
      lock.lock();
      transcoder_cv_.wait(lock, [&] { return http_calls_ == 0; });
    }
  }
  {
    std::lock_guard lock(handoff_mu_);
    grpc_accepting_ = false;
  }
  if (server_ != nullptr) {
    server_->Shutdown(deadline);
  }
  if (eventing_ != nullptr) {
    eventing_->Stop();  // eventing hook: consumers stop and save their offsets
  }
  // Passivate every entity (their streams to the function are half-closed) and wait until each
  // strand has run its termination, so nothing is lost when the workers stop.
  {
    auto remaining = std::make_shared<std::atomic<int>>(0);
    auto terminate_all = [&](auto& registry) {
      for (auto& shell : registry.All()) {
        ++*remaining;
        asio::post(shell->strand(), [this, shell, remaining] {
          shell->Terminate("Entity terminating: proxy shutdown");
          if (--*remaining == 0) {
            std::lock_guard lock(shutdown_mu_);
            shutdown_cv_.notify_all();
          }
        });
      }
    };
    terminate_all(es_);
    terminate_all(ve_);
    terminate_all(crdt_);
    std::unique_lock lock(shutdown_mu_);
    shutdown_cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.shutdown_timeout),
                          [&] { return *remaining == 0; });
  }
  // gRPC has to be done with every entity stream before the executor stops: a stream that ended
  // later posted into a destroyed io_context (heap corruption; seen as gRPC's "ref_counted.h:
  // prior > 0" abort after shutdown). The streams were half-closed above, so the function ends
  // them; those it does not end in time are cancelled.
  const auto grace = absl::ToChronoMilliseconds(options_.shutdown_timeout);
  if (!stream_tracker_->WaitAllDone(grace) && !stream_tracker_->CancelAllAndWait(grace)) {
    spdlog::warn("some streams to the user function did not end within the shutdown timeout");
  }
  work_.reset();
  if (store_pool_ != nullptr) {
    store_pool_->join();
  }
  io_.stop();
  for (auto& t : workers_) {
    if (t.joinable()) {
      t.join();
    }
  }
  if (front_ != nullptr) {
    front_->Stop();
  }
  {
    std::lock_guard lock(transcoder_mu_);
    transcoder_.reset();
  }
  if (management_ != nullptr) {
    management_->Stop();
  }
  spdlog::info("shutdown complete");
  {
    std::lock_guard lock(shutdown_mu_);
    shutdown_done_ = true;
  }
  shutdown_cv_.notify_all();
}

}  // namespace

std::unique_ptr<Proxy> Proxy::Create(const ProxyOptions& options) {
  return std::make_unique<ProxyImpl>(options);
}

absl::StatusOr<std::unique_ptr<Proxy>> Proxy::Start(const ProxyOptions& options) {
  std::unique_ptr<Proxy> proxy = Create(options);
  absl::Status status = proxy->Serve();
  if (!status.ok()) {
    proxy->Shutdown();
    return status;
  }
  return proxy;
}

}  // namespace cloudstate::proxy
