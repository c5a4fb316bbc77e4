#include "cloudstate/sdk/server.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

#include "cloudstate/action.grpc.pb.h"
#include "cloudstate/entity.grpc.pb.h"
#include "cloudstate/event_sourced.grpc.pb.h"
#include "cloudstate/value_entity.grpc.pb.h"

#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::sdk {

std::string SupportLibraryVersion() { return CS_KIT_VERSION; }

std::string ServiceRuntime() {
#if defined(__clang__)
  return absl::StrCat("C++ clang ", __clang_major__, ".", __clang_minor__, ".",
                      __clang_patchlevel__);
#elif defined(__GNUC__)
  return absl::StrCat("C++ GCC ", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__);
#else
  return "C++";
#endif
}

namespace {

using cloudstate::action::ActionCommand;
using cloudstate::action::ActionResponse;

class DiscoveryService final : public cloudstate::EntityDiscovery::CallbackService {
 public:
  explicit DiscoveryService(const Server& server) : server_(server) {}

  grpc::ServerUnaryReactor* discover(grpc::CallbackServerContext* context,
                                     const cloudstate::ProxyInfo* request,
                                     cloudstate::EntitySpec* response) override {
    spdlog::info("Discovery from proxy {} {} (protocol {}.{})", request->proxy_name(),
                 request->proxy_version(), request->protocol_major_version(),
                 request->protocol_minor_version());
    std::set<std::string> supported(request->supported_entity_types().begin(),
                                    request->supported_entity_types().end());
    for (const auto& declaration : server_.declarations()) {
      if (!supported.empty() && supported.count(declaration.entity_type) == 0) {
        spdlog::warn("The proxy does not support entity type {} (needed by {})",
                     declaration.entity_type, declaration.service->full_name());
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (Deviates(SdkFault::kDiscoverAnswersOnce) && calls_.fetch_add(1) > 0) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "discovery already answered"));
      return reactor;
    }
    if (Deviates(SdkFault::kDiscoverRejectsOtherVersion) &&
        (request->protocol_major_version() != kProtocolMajorVersion ||
         request->protocol_minor_version() != kProtocolMinorVersion)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                   "the proxy speaks another protocol version"));
      return reactor;
    }
    if (Deviates(SdkFault::kDiscoverRejectsPartialProxy)) {
      for (const auto& declaration : server_.declarations()) {
        if (supported.count(declaration.entity_type) == 0) {
          reactor->Finish(
              grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                           absl::StrCat("the proxy does not support ", declaration.entity_type)));
          return reactor;
        }
      }
    }
    absl::StatusOr<cloudstate::EntitySpec> spec = server_.BuildSpec();
    if (!spec.ok()) {
      reactor->Finish(ToGrpcStatus(spec.status()));
      return reactor;
    }
    *response = std::move(*spec);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* reportError(grpc::CallbackServerContext* context,
                                        const cloudstate::UserFunctionError* request,
                                        google::protobuf::Empty* response) override {
    spdlog::error("The proxy reported an error in this user function: {}", request->message());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (Deviates(SdkFault::kReportErrorUnimplemented)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "reportError"));
      return reactor;
    }
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  bool Deviates(SdkFault fault) const {
    const auto& plan = server_.options().fault_plan;
    return plan != nullptr && plan->Has(fault, "");
  }

  const Server& server_;
  std::atomic<int> calls_{0};
};

class EventSourcedService final : public cloudstate::eventsourced::EventSourced::CallbackService {
 public:
  EventSourcedService(EventSourcedResolver resolver, std::shared_ptr<const FaultPlan> faults)
      : resolver_(std::move(resolver)), faults_(std::move(faults)) {}

  grpc::ServerBidiReactor<EventSourcedStreamCore::In, EventSourcedStreamCore::Out>* handle(
      grpc::CallbackServerContext* context) override {
    return new CoreBidiReactor<EventSourcedStreamCore::In, EventSourcedStreamCore::Out>(
        std::make_unique<EventSourcedStreamCore>(resolver_, faults_));
  }

 private:
  EventSourcedResolver resolver_;
  std::shared_ptr<const FaultPlan> faults_;
};

class ValueEntityService final : public cloudstate::valueentity::ValueEntity::CallbackService {
 public:
  ValueEntityService(ValueEntityResolver resolver, std::shared_ptr<const FaultPlan> faults)
      : resolver_(std::move(resolver)), faults_(std::move(faults)) {}

  grpc::ServerBidiReactor<ValueEntityStreamCore::In, ValueEntityStreamCore::Out>* handle(
      grpc::CallbackServerContext* context) override {
    return new CoreBidiReactor<ValueEntityStreamCore::In, ValueEntityStreamCore::Out>(
        std::make_unique<ValueEntityStreamCore>(resolver_, faults_));
  }

 private:
  ValueEntityResolver resolver_;
  std::shared_ptr<const FaultPlan> faults_;
};

// The deliberate fault exit_on_action_cancel: what a use-after-free on cancellation would do.
[[noreturn]] void ExitOnCancel() {
  spdlog::error("Deliberate fault: exiting because a streamed action call was cancelled");
  std::_Exit(3);
}

// Client-streaming action call: reads until the core has an answer or the input ends.
class StreamedInReactor final : public grpc::ServerReadReactor<ActionCommand> {
 public:
  StreamedInReactor(const ActionDispatcher& dispatcher, ActionResponse* response)
      : core_(dispatcher), response_(response) {
    std::lock_guard<std::mutex> lock(mu_);
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) {
      return;
    }
    if (!ok) {
      FinishLocked(core_.End());
      return;
    }
    if (auto result = core_.Feed(in_)) {
      FinishLocked(std::move(*result));
      return;
    }
    in_.Clear();
    StartRead(&in_);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!finished_) {
      finished_ = true;
      Finish(grpc::Status::CANCELLED);
    }
  }

  void OnDone() override { delete this; }

 private:
  void FinishLocked(absl::StatusOr<ActionResponse> result) {
    finished_ = true;
    if (!result.ok()) {
      Finish(ToGrpcStatus(result.status()));
      return;
    }
    *response_ = std::move(*result);
    Finish(grpc::Status::OK);
  }

  std::mutex mu_;
  ActionStreamedInCore core_;
  ActionResponse* response_;
  ActionCommand in_;
  bool finished_ = false;
};

// Server-streaming action call: writes the handler's responses one by one, then finishes.
class StreamedOutReactor final : public grpc::ServerWriteReactor<ActionResponse> {
 public:
  StreamedOutReactor(absl::StatusOr<std::vector<ActionResponse>> result, bool exit_on_cancel)
      : exit_on_cancel_(exit_on_cancel) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!result.ok()) {
      done_writing_ = true;
      Finish(ToGrpcStatus(result.status()));
      return;
    }
    responses_ = std::move(*result);
    NextLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) {
      if (!done_writing_) {
        done_writing_ = true;
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      }
      return;
    }
    ++next_;
    NextLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (exit_on_cancel_) {
      ExitOnCancel();
    }
  }
  void OnDone() override { delete this; }

 private:
  void NextLocked() {
    if (done_writing_) {
      return;
    }
    if (next_ < responses_.size()) {
      StartWrite(&responses_[next_]);
      return;
    }
    done_writing_ = true;
    Finish(grpc::Status::OK);
  }

  std::mutex mu_;
  std::vector<ActionResponse> responses_;
  size_t next_ = 0;
  bool done_writing_ = false;
  bool exit_on_cancel_ = false;
};

class ActionService final : public cloudstate::action::ActionProtocol::CallbackService {
 public:
  ActionService(ActionResolver resolver, std::shared_ptr<const FaultPlan> faults)
      : dispatcher_(std::move(resolver), faults),
        exit_on_cancel_(faults != nullptr && faults->Has(SdkFault::kExitOnActionCancel, "")) {}

  grpc::ServerUnaryReactor* handleUnary(grpc::CallbackServerContext* context,
                                        const ActionCommand* request,
                                        ActionResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<ActionResponse> result = dispatcher_.Unary(*request);
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return reactor;
    }
    *response = std::move(*result);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerReadReactor<ActionCommand>* handleStreamedIn(grpc::CallbackServerContext* context,
                                                           ActionResponse* response) override {
    return new StreamedInReactor(dispatcher_, response);
  }

  grpc::ServerWriteReactor<ActionResponse>* handleStreamedOut(
      grpc::CallbackServerContext* context, const ActionCommand* request) override {
    return new StreamedOutReactor(dispatcher_.StreamedOut(*request), exit_on_cancel_);
  }

  grpc::ServerBidiReactor<ActionCommand, ActionResponse>* handleStreamed(
      grpc::CallbackServerContext* context) override {
    auto* reactor = new CoreBidiReactor<ActionCommand, ActionResponse>(
        std::make_unique<ActionStreamedCore>(dispatcher_));
    if (exit_on_cancel_) {
      reactor->SetCancelHook([] { ExitOnCancel(); });
    }
    return reactor;
  }

 private:
  ActionDispatcher dispatcher_;
  bool exit_on_cancel_;
};

void AddFileWithImports(const google::protobuf::FileDescriptor* file, std::set<std::string>* seen,
                        google::protobuf::FileDescriptorSet* set) {
  if (file == nullptr || !seen->insert(file->name()).second) {
    return;
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileWithImports(file->dependency(i), seen, set);
  }
  file->CopyTo(set->add_file());
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::vector<EntityDeclaration> declarations;
  std::vector<const google::protobuf::FileDescriptor*> extra_files;
  std::function<void(cloudstate::EntitySpec&)> spec_hook;
  std::vector<std::string> errors;

  std::map<std::string, EventSourcedRegistration, std::less<>> event_sourced;
  std::map<std::string, ValueEntityRegistration, std::less<>> value_entities;
  std::map<std::string, ActionRegistration, std::less<>> actions;

  std::vector<std::pair<std::string, std::unique_ptr<grpc::Service>>> protocol_services;

  std::mutex mu;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  bool started = false;
  bool shut_down = false;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() { Shutdown(); }

const ServerOptions& Server::options() const { return impl_->options; }

const std::vector<EntityDeclaration>& Server::declarations() const { return impl_->declarations; }

Server& Server::Declare(EntityDeclaration declaration) {
  if (declaration.service == nullptr) {
    impl_->errors.push_back(
        absl::StrCat("An entity of type ", declaration.entity_type, " has no service descriptor"));
    return *this;
  }
  if (FindDeclaration(declaration.entity_type, declaration.service->full_name()) != nullptr) {
    impl_->errors.push_back(
        absl::StrCat("Service ", declaration.service->full_name(), " was added twice"));
    return *this;
  }
  // Stateful entities without a configured persistence id get the service's simple name, as in
  // the Java SDK (StatefulService.persistenceId) and the JavaScript CRDT support: an empty id
  // would make the proxy key the state of every such service by entity id alone.
  if (declaration.entity_type != kActionEntityType && declaration.persistence_id.empty()) {
    declaration.persistence_id = declaration.service->name();
  }
  impl_->declarations.push_back(std::move(declaration));
  return *this;
}

const EntityDeclaration* Server::FindDeclaration(std::string_view entity_type,
                                                 std::string_view service_full_name) const {
  for (const auto& declaration : impl_->declarations) {
    if (declaration.entity_type == entity_type && declaration.service != nullptr &&
        declaration.service->full_name() == service_full_name) {
      return &declaration;
    }
  }
  return nullptr;
}

grpc::Service* Server::GetOrAddProtocolService(
    const std::string& key, const std::function<std::unique_ptr<grpc::Service>()>& make) {
  for (auto& [existing_key, service] : impl_->protocol_services) {
    if (existing_key == key) {
      return service.get();
    }
  }
  impl_->protocol_services.emplace_back(key, make());
  return impl_->protocol_services.back().second.get();
}

Server& Server::AddDescriptorFile(const google::protobuf::FileDescriptor* file) {
  impl_->extra_files.push_back(file);
  return *this;
}

Server& Server::SetSpecHook(std::function<void(cloudstate::EntitySpec&)> hook) {
  impl_->spec_hook = std::move(hook);
  return *this;
}

Server& Server::AddEventSourcedEntity(EventSourcedEntityOptions options,
                                      EventSourcedFactory factory) {
  if (options.service == nullptr) {
    impl_->errors.push_back("An event sourced entity has no service descriptor");
    return *this;
  }
  Declare({kEventSourcedEntityType, options.service, options.persistence_id,
           options.passivation_timeout_ms});
  const std::string name = options.service->full_name();
  impl_->event_sourced.emplace(name,
                               EventSourcedRegistration{std::move(options), std::move(factory)});
  GetOrAddProtocolService(kEventSourcedEntityType, [this] {
    return std::make_unique<EventSourcedService>(
        [impl = impl_.get()](std::string_view service) -> const EventSourcedRegistration* {
          auto it = impl->event_sourced.find(service);
          return it == impl->event_sourced.end() ? nullptr : &it->second;
        },
        impl_->options.fault_plan);
  });
  return *this;
}

Server& Server::AddValueEntity(ValueEntityOptions options, ValueEntityFactory factory) {
  if (options.service == nullptr) {
    impl_->errors.push_back("A value entity has no service descriptor");
    return *this;
  }
  Declare(
      {kValueEntityType, options.service, options.persistence_id, options.passivation_timeout_ms});
  const std::string name = options.service->full_name();
  impl_->value_entities.emplace(name,
                                ValueEntityRegistration{std::move(options), std::move(factory)});
  GetOrAddProtocolService(kValueEntityType, [this] {
    return std::make_unique<ValueEntityService>(
        [impl = impl_.get()](std::string_view service) -> const ValueEntityRegistration* {
          auto it = impl->value_entities.find(service);
          return it == impl->value_entities.end() ? nullptr : &it->second;
        },
        impl_->options.fault_plan);
  });
  return *this;
}

Server& Server::AddAction(ActionOptions options, std::shared_ptr<Action> action) {
  if (options.service == nullptr || action == nullptr) {
    impl_->errors.push_back("An action has no service descriptor or no implementation");
    return *this;
  }
  Declare({kActionEntityType, options.service, "", std::nullopt});
  const std::string name = options.service->full_name();
  impl_->actions.emplace(name, ActionRegistration{std::move(options), std::move(action)});
  GetOrAddProtocolService(kActionEntityType, [this] {
    return std::make_unique<ActionService>(
        [impl = impl_.get()](std::string_view service) -> const ActionRegistration* {
          auto it = impl->actions.find(service);
          return it == impl->actions.end() ? nullptr : &it->second;
        },
        impl_->options.fault_plan);
  });
  return *this;
}

absl::StatusOr<cloudstate::EntitySpec> Server::BuildSpec() const {
  cloudstate::EntitySpec spec;
  google::protobuf::FileDescriptorSet files;
  std::set<std::string> seen;
  for (const auto& declaration : impl_->declarations) {
    AddFileWithImports(declaration.service->file(), &seen, &files);
  }
  for (const auto* file : impl_->extra_files) {
    AddFileWithImports(file, &seen, &files);
  }
  if (!files.SerializeToString(spec.mutable_proto())) {
    return absl::InternalError("Could not serialize the descriptor set");
  }
  for (const auto& declaration : impl_->declarations) {
    cloudstate::Entity* entity = spec.add_entities();
    entity->set_entity_type(declaration.entity_type);
    entity->set_service_name(declaration.service->full_name());
    entity->set_persistence_id(declaration.persistence_id);
    if (declaration.passivation_timeout_ms.has_value()) {
      entity->mutable_passivation_strategy()->mutable_timeout()->set_timeout(
          *declaration.passivation_timeout_ms);
    }
  }
  cloudstate::ServiceInfo* info = spec.mutable_service_info();
  info->set_service_name(impl_->options.service_name);
  info->set_service_version(impl_->options.service_version);
  info->set_service_runtime(ServiceRuntime());
  info->set_support_library_name(kSupportLibraryName);
  info->set_support_library_version(SupportLibraryVersion());
  info->set_protocol_major_version(kProtocolMajorVersion);
  info->set_protocol_minor_version(kProtocolMinorVersion);
  if (impl_->spec_hook) {
    impl_->spec_hook(spec);
  }
  return spec;
}

absl::Status Server::Start(const std::string& host, int port) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) {
    return absl::FailedPreconditionError("The server was already started");
  }
  if (!impl_->errors.empty()) {
    return absl::InvalidArgumentError(impl_->errors.front());
  }
  if (impl_->declarations.empty()) {
    return absl::FailedPreconditionError("No entities were added to the server");
  }
  auto discovery = std::make_unique<DiscoveryService>(*this);
  impl_->protocol_services.emplace_back("cloudstate.EntityDiscovery", std::move(discovery));

  grpc::ServerBuilder builder;
  const std::string address = host.find(':') != std::string::npos
                                  ? absl::StrCat("[", host, "]:", port)
                                  : absl::StrCat(host, ":", port);
  int selected_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected_port);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  for (auto& [key, service] : impl_->protocol_services) {
    builder.RegisterService(service.get());
  }
  impl_->grpc_server = builder.BuildAndStart();
  if (impl_->grpc_server == nullptr || selected_port == 0) {
    impl_->grpc_server.reset();
    return absl::UnavailableError(absl::StrCat("Could not listen on ", address));
  }
  impl_->port = selected_port;
  impl_->started = true;
  spdlog::info("Cloudstate user function {} listening on {}:{} ({} entities)",
               impl_->options.service_name, host, selected_port, impl_->declarations.size());
  return absl::OkStatus();
}

int Server::port() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->port;
}

void Server::Wait() {
  grpc::Server* server = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    server = impl_->grpc_server.get();
  }
  if (server != nullptr) {
    server->Wait();
  }
}

void Server::Shutdown() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (!impl_->started || impl_->shut_down) {
    return;
  }
  impl_->shut_down = true;
  // Open entity streams never end by themselves: cancel them after a short grace period.
  impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
}

}  // namespace cloudstate::sdk
