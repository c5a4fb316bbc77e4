#include "cloudstate/tck/proxy_suite/interceptor.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/tck/proxy_suite/wire.h"

namespace cloudstate::tck::proxy_suite {
namespace {

class InterceptorImpl;

// One relayed call. It owns both reactors and deletes itself once both have reported OnDone.
// Decisions are taken under `mu_`; gRPC operations are started after the lock is released.
class Relay {
 public:
  Relay(InterceptorImpl* owner, grpc::GenericCallbackServerContext* server_ctx, int call_id);

  grpc::ServerGenericBidiReactor* server_reactor() { return &server_; }

 private:
  class ServerSide final : public grpc::ServerGenericBidiReactor {
   public:
    explicit ServerSide(Relay* r) : r_(r) {}
    void OnReadDone(bool ok) override { r_->OnProxyRead(ok); }
    void OnWriteDone(bool ok) override { r_->OnProxyWriteDone(ok); }
    void OnCancel() override { r_->OnProxyCancel(); }
    void OnDone() override { r_->OnServerDone(); }

   private:
    Relay* r_;
  };
  class ClientSide final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit ClientSide(Relay* r) : r_(r) {}
    void OnReadDone(bool ok) override { r_->OnFunctionRead(ok); }
    void OnWriteDone(bool ok) override { r_->OnFunctionWriteDone(ok); }
    void OnWritesDoneDone(bool /*ok*/) override {}
    void OnDone(const grpc::Status& s) override { r_->OnClientDone(s); }

   private:
    Relay* r_;
  };

  void OnProxyRead(bool ok);
  void OnProxyWriteDone(bool ok);
  void OnProxyCancel();
  void OnServerDone();
  void OnFunctionRead(bool ok);
  void OnFunctionWriteDone(bool ok);
  void OnClientDone(const grpc::Status& status);
  // Starts the next write / half-close / finish that is due on either side (call without mu_).
  void Pump();
  void MaybeDelete(bool server, bool client);

  InterceptorImpl* owner_;
  const int call_id_;
  grpc::ClientContext client_ctx_;
  ServerSide server_{this};
  ClientSide client_{this};
  grpc::ByteBuffer proxy_in_;
  grpc::ByteBuffer function_out_;

  std::mutex mu_;
  // Serializes StartRead/Finish on the proxy side and StartWrite/StartWritesDone on the function
  // side against the end of the respective call, so that no operation starts after it ended.
  std::recursive_mutex server_ops_mu_;
  std::recursive_mutex client_ops_mu_;
  bool function_ended_ = false;
  std::deque<grpc::ByteBuffer> to_function_;
  bool function_write_busy_ = false;
  bool function_half_close_due_ = false;
  bool function_half_closed_ = false;
  std::deque<grpc::ByteBuffer> to_proxy_;
  bool proxy_write_busy_ = false;
  std::optional<grpc::Status> proxy_finish_due_;
  bool proxy_finished_ = false;
  bool server_done_ = false;
  bool client_done_ = false;
  grpc::ByteBuffer writing_to_function_;
  grpc::ByteBuffer writing_to_proxy_;
};

class InterceptorImpl final : public Interceptor, public grpc::CallbackGenericService {
 public:
  explicit InterceptorImpl(std::string function_address)
      : function_address_(std::move(function_address)) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel_ =
        grpc::CreateCustomChannel(function_address_, grpc::InsecureChannelCredentials(), args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  absl::Status Bind(const std::string& bind_address) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(bind_address, grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(64 << 20);
    builder.SetMaxSendMessageSize(64 << 20);
    builder.RegisterCallbackGenericService(this);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("the interceptor cannot listen on ", bind_address));
    }
    return absl::OkStatus();
  }

  ~InterceptorImpl() override { Shutdown(); }

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    int id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id = static_cast<int>(calls_.size());
      InterceptedCall call;
      call.id = id;
      call.method = ctx->method();
      call.opened = std::chrono::steady_clock::now();
      calls_.push_back(std::move(call));
    }
    cv_.notify_all();
    auto* relay = new Relay(this, ctx, id);
    return relay->server_reactor();
  }

  int port() const override { return port_; }
  const std::string& function_address() const override { return function_address_; }
  std::vector<InterceptedCall> Snapshot() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  size_t CallCount() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }
  bool WaitFor(const std::function<bool(const std::vector<InterceptedCall>&)>& done,
               std::chrono::milliseconds timeout) const override {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done(calls_); });
  }
  void Shutdown() override {
    std::unique_ptr<grpc::Server> server;
    {
      std::lock_guard<std::mutex> lock(mu_);
      server = std::move(server_);
    }
    if (server) {
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      server->Wait();
    }
  }

  // Recording (called by relays).
  template <typename F>
  void Update(int id, F&& f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      f(calls_[static_cast<size_t>(id)]);
    }
    cv_.notify_all();
  }

  grpc::GenericStub& stub() { return *stub_; }

 private:
  std::string function_address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<InterceptedCall> calls_;
};

// Request headers that belong to the transport and must not be copied onto the relayed call.
bool IsTransportHeader(std::string_view key) {
  return key.empty() || key[0] == ':' || key == "content-type" || key == "te" ||
         key == "user-agent" || key == "host" || key.substr(0, 5) == "grpc-";
}

Relay::Relay(InterceptorImpl* owner, grpc::GenericCallbackServerContext* server_ctx, int call_id)
    : owner_(owner), call_id_(call_id) {
  for (const auto& [key, value] : server_ctx->client_metadata()) {
    std::string k(key.data(), key.size());
    if (!IsTransportHeader(k)) {
      client_ctx_.AddMetadata(k, std::string(value.data(), value.size()));
    }
  }
  owner_->stub().PrepareBidiStreamingCall(&client_ctx_, server_ctx->method(), grpc::StubOptions(),
                                          &client_);
  client_.StartRead(&function_out_);
  client_.StartCall();
  server_.StartRead(&proxy_in_);
}

void Relay::OnProxyRead(bool ok) {
  if (ok) {
    std::string bytes = BufferToString(proxy_in_);
    owner_->Update(call_id_, [&](InterceptedCall& c) { c.in.push_back(bytes); });
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!function_ended_) {
        to_function_.push_back(proxy_in_);
      }
    }
    proxy_in_.Clear();
    std::lock_guard<std::recursive_mutex> ops(server_ops_mu_);
    bool finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished = proxy_finished_;
    }
    if (!finished) {
      server_.StartRead(&proxy_in_);
    }
  } else {
    owner_->Update(call_id_, [&](InterceptedCall& c) { c.in_closed = true; });
    std::lock_guard<std::mutex> lock(mu_);
    function_half_close_due_ = true;
  }
  Pump();
}

void Relay::OnProxyWriteDone(bool /*ok*/) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    proxy_write_busy_ = false;
  }
  Pump();
}

void Relay::OnProxyCancel() {
  owner_->Update(call_id_, [&](InterceptedCall& c) {
    c.cancelled = true;
    c.in_closed = true;
  });
  client_ctx_.TryCancel();
}

void Relay::OnFunctionRead(bool ok) {
  if (!ok) {
    return;  // OnClientDone follows with the status
  }
  std::string bytes = BufferToString(function_out_);
  owner_->Update(call_id_, [&](InterceptedCall& c) { c.out.push_back(bytes); });
  {
    std::lock_guard<std::mutex> lock(mu_);
    to_proxy_.push_back(function_out_);
  }
  function_out_.Clear();
  client_.StartRead(&function_out_);
  Pump();
}

void Relay::OnFunctionWriteDone(bool /*ok*/) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    function_write_busy_ = false;
  }
  Pump();
}

void Relay::OnClientDone(const grpc::Status& status) {
  {
    std::lock_guard<std::recursive_mutex> ops(client_ops_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    function_ended_ = true;
  }
  owner_->Update(call_id_, [&](InterceptedCall& c) {
    c.done = true;
    c.status_code = static_cast<int>(status.error_code());
    c.status_message = status.error_message();
    c.finished = std::chrono::steady_clock::now();
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    function_ended_ = true;
    proxy_finish_due_ = status;
    // Nothing more can be written to the function.
    to_function_.clear();
    function_half_close_due_ = false;
  }
  Pump();
  MaybeDelete(false, true);
}

void Relay::OnServerDone() { MaybeDelete(true, false); }

void Relay::Pump() {
  bool write_function = false;
  bool half_close_function = false;
  bool write_proxy = false;
  std::optional<grpc::Status> finish;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!function_ended_ && !function_write_busy_ && !function_half_closed_) {
      if (!to_function_.empty()) {
        writing_to_function_ = std::move(to_function_.front());
        to_function_.pop_front();
        function_write_busy_ = true;
        write_function = true;
      } else if (function_half_close_due_) {
        function_half_closed_ = true;
        half_close_function = true;
      }
    }
    if (!proxy_finished_ && !proxy_write_busy_) {
      if (!to_proxy_.empty()) {
        writing_to_proxy_ = std::move(to_proxy_.front());
        to_proxy_.pop_front();
        proxy_write_busy_ = true;
        write_proxy = true;
      } else if (proxy_finish_due_) {
        finish = proxy_finish_due_;
        proxy_finished_ = true;
      }
    }
  }
  if (write_function || half_close_function) {
    std::lock_guard<std::recursive_mutex> ops(client_ops_mu_);
    bool ended;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended = function_ended_;
    }
    if (!ended) {
      if (write_function) {
        client_.StartWrite(&writing_to_function_);
      } else {
        client_.StartWritesDone();
      }
    }
  }
  if (write_proxy) {
    server_.StartWrite(&writing_to_proxy_);
  }
  if (finish) {
    std::lock_guard<std::recursive_mutex> ops(server_ops_mu_);
    server_.Finish(*finish);
  }
}

void Relay::MaybeDelete(bool server, bool client) {
  bool both;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server_done_ = server_done_ || server;
    client_done_ = client_done_ || client;
    both = server_done_ && client_done_;
  }
  if (both) {
    delete this;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Interceptor>> Interceptor::Start(
    const std::string& bind_address, const std::string& function_address) {
  auto impl = std::make_unique<InterceptorImpl>(function_address);
  auto status = impl->Bind(bind_address);
  if (!status.ok()) {
    return status;
  }
  return std::unique_ptr<Interceptor>(std::move(impl));
}

}  // namespace cloudstate::tck::proxy_suite
