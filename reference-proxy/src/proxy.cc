// The proxy's start (Serve: open the store, start the executors and the management port,
// discover the function, serve gRPC, bind the client port) and shutdown.

#include "cloudstate/proxy/proxy.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

#include "cloudstate/common/status_macros.h"
#include "shell/grpc_function_transport.h"
#include "shell/proxy_impl.h"
#include "shell/server_call.h"

namespace cloudstate::proxy {

ProxyImpl::ProxyImpl(ProxyOptions options) : options_(std::move(options)) {}

ProxyImpl::~ProxyImpl() { Shutdown(); }

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
  store_executor_ = std::make_unique<ThreadPoolExecutor>(std::max(1, options_.store_threads));
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
  es_transport_ =
      std::make_unique<GrpcFunctionTransport<cloudstate::eventsourced::EventSourcedStreamIn,
                                             cloudstate::eventsourced::EventSourcedStreamOut>>(
          [this](auto* context, auto* reactor) { es_stub_->async()->handle(context, reactor); },
          stream_tracker_);
  ve_transport_ =
      std::make_unique<GrpcFunctionTransport<cloudstate::valueentity::ValueEntityStreamIn,
                                             cloudstate::valueentity::ValueEntityStreamOut>>(
          [this](auto* context, auto* reactor) { ve_stub_->async()->handle(context, reactor); },
          stream_tracker_);
  crdt_transport_ = std::make_unique<
      GrpcFunctionTransport<cloudstate::crdt::CrdtStreamIn, cloudstate::crdt::CrdtStreamOut>>(
      [this](auto* context, auto* reactor) { crdt_stub_->async()->handle(context, reactor); },
      stream_tracker_);

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
        *model_, *store_, io_, *store_executor_,
        [this](const Route& route, google::protobuf::Any payload, cloudstate::Metadata metadata,
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
  if (store_executor_ != nullptr) {
    store_executor_->Join();
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
