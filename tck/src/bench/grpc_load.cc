#include "cloudstate/tck/bench/grpc_load.h"

#include <chrono>
#include <deque>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"

namespace cloudstate::tck::bench {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) {
    return out;
  }
  for (const auto& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

std::chrono::system_clock::time_point DeadlineIn(double seconds) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

// Echoes every message of every call, then ends the call with OK when the client half-closes.
class EchoReactor : public grpc::ServerGenericBidiReactor {
 public:
  EchoReactor() { StartRead(&buffer_); }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&buffer_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "echo write failed"));
      return;
    }
    StartRead(&buffer_);
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer buffer_;
};

// SplitMix64: a cheap, stateless mix so uniform keys need no shared generator.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

class EchoServer::Service : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    return new EchoReactor();
  }
};

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(const std::string& host) {
  std::unique_ptr<EchoServer> server(new EchoServer());
  server->service_ = std::make_unique<Service>();
  server->host_ = host;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(host, ":0"), grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterCallbackGenericService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("echo server could not listen on ", host));
  }
  return server;
}

EchoServer::~EchoServer() {
  if (server_ != nullptr) {
    server_->Shutdown(DeadlineIn(2));
    server_->Wait();
  }
}

std::string EchoServer::address() const { return absl::StrCat(host_, ":", port_); }

std::string KeyDistribution::KeyFor(uint64_t seq) const {
  switch (kind) {
    case Kind::kHot:
      return absl::StrCat(prefix, "hot");
    case Kind::kUniform:
      return absl::StrCat(prefix, Mix(seq) % static_cast<uint64_t>(std::max(n, 1)));
    case Kind::kNew:
      return absl::StrCat(prefix, "new-", seq);
  }
  return prefix;
}

std::string KeyDistribution::Name() const {
  switch (kind) {
    case Kind::kHot:
      return "hot";
    case Kind::kUniform:
      return absl::StrCat("uniform-", n);
    case Kind::kNew:
      return "new";
  }
  return "?";
}

absl::StatusOr<KeyDistribution> ParseDistribution(const std::string& text) {
  KeyDistribution d;
  if (text == "hot") {
    d.kind = KeyDistribution::Kind::kHot;
  } else if (text == "new") {
    d.kind = KeyDistribution::Kind::kNew;
  } else if (text == "uniform" || (text.rfind("uniform-", 0) == 0 &&
                                   absl::SimpleAtoi(text.substr(8), &d.n) && d.n > 0)) {
    d.kind = KeyDistribution::Kind::kUniform;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown key distribution '", text, "' (hot, uniform[-N], new)"));
  }
  return d;
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address,
                                                         int connections) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, connections); ++i) {
    grpc::ChannelArguments args;
    // A distinct argument and a private subchannel pool give each channel its own connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("cloudstate.bench.channel", i);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

bool WaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   double timeout_seconds) {
  const auto deadline = DeadlineIn(timeout_seconds);
  for (const auto& channel : channels) {
    if (!channel->WaitForConnected(deadline)) {
      return false;
    }
  }
  return true;
}

UnaryIssuer::UnaryIssuer(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                         std::string method, std::function<std::string(uint64_t)> build,
                         std::function<int(const std::string&)> check, double deadline_seconds)
    : method_(std::move(method)),
      build_(std::move(build)),
      check_(std::move(check)),
      deadline_seconds_(deadline_seconds) {
  for (const auto& channel : channels) {
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
}

void UnaryIssuer::Issue(uint64_t seq, std::function<void(int)> done) {
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  auto* call = new Call();
  call->context.set_deadline(DeadlineIn(deadline_seconds_));
  call->request = ToBuffer(build_(seq));
  auto& stub = *stubs_[next_.fetch_add(1) % stubs_.size()];
  stub.UnaryCall(&call->context, method_, grpc::StubOptions(), &call->request, &call->response,
                 [this, call, done = std::move(done)](const grpc::Status& status) {
                   int code = status.error_code();
                   if (status.ok() && check_) {
                     code = check_(ToString(call->response));
                   }
                   delete call;
                   done(code);
                 });
}

// One entity stream. Writes are queued (one in flight at a time), replies are matched to commands
// in order. A hold keeps the call open while the issuer may still start writes from outside the
// reactor; it is released on Close() or when the other side ends the stream.
class EntityStreamIssuer::Stream
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Stream(grpc::GenericStub* stub, const StreamProtocol* protocol, std::string key,
         double deadline_seconds)
      : stub_(stub), protocol_(protocol), key_(std::move(key)) {
    context_.set_deadline(DeadlineIn(deadline_seconds));
  }

  void Start() {
    stub_->PrepareBidiStreamingCall(&context_, protocol_->method, grpc::StubOptions(), this);
    AddHold();
    std::string init = protocol_->init ? protocol_->init(key_) : std::string();
    {
      std::lock_guard lock(mu_);
      if (!init.empty()) {
        queue_.push_back(std::move(init));
        writing_ = true;
        StartNextWriteLocked();
      }
    }
    StartRead(&read_buffer_);
    StartCall();
  }

  void Send(uint64_t seq, std::function<void(int)> done) {
    std::unique_lock lock(mu_);
    if (read_closed_ || closing_ || finished_) {
      lock.unlock();
      done(grpc::StatusCode::UNAVAILABLE);
      return;
    }
    queue_.push_back(protocol_->command(key_, seq, ++command_id_));
    awaiting_.push_back(std::move(done));
    if (!writing_) {
      writing_ = true;
      StartNextWriteLocked();
    }
  }

  void Close() {
    bool writes_done = false;
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      if (!writing_ && !writes_done_ && !read_closed_) {
        writes_done_ = writes_done = true;
      }
    }
    if (writes_done) {
      StartWritesDone();
    }
    ReleaseHold();
  }

  void Cancel() { context_.TryCancel(); }

  bool WaitDone(double seconds) {
    std::unique_lock lock(mu_);
    return done_cv_.wait_for(lock, std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)),
                             [&] { return finished_; });
  }

  void OnWriteDone(bool ok) override {
    bool writes_done = false;
    {
      std::lock_guard lock(mu_);
      if (ok && !queue_.empty() && !read_closed_) {
        StartNextWriteLocked();
        return;
      }
      writing_ = false;
      if (ok && closing_ && !writes_done_ && !read_closed_) {
        writes_done_ = writes_done = true;
      }
    }
    if (writes_done) {
      StartWritesDone();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      {
        std::lock_guard lock(mu_);
        read_closed_ = true;
      }
      ReleaseHold();
      return;
    }
    const int code = protocol_->classify(ToString(read_buffer_));
    std::function<void(int)> done;
    {
      std::lock_guard lock(mu_);
      if (!awaiting_.empty()) {
        done = std::move(awaiting_.front());
        awaiting_.pop_front();
      }
    }
    if (done) {
      done(code);
    }
    StartRead(&read_buffer_);
  }

  void OnDone(const grpc::Status& status) override {
    std::deque<std::function<void(int)>> failed;
    {
      std::lock_guard lock(mu_);
      failed.swap(awaiting_);
    }
    // Commands left unanswered when the stream ends count as the stream's status (UNAVAILABLE when
    // it ended cleanly without answering them).
    const int code = status.ok() ? grpc::StatusCode::UNAVAILABLE : status.error_code();
    for (auto& done : failed) {
      done(code);
    }
    std::lock_guard lock(mu_);
    finished_ = true;
    done_cv_.notify_all();
  }

 private:
  void StartNextWriteLocked() {
    write_buffer_ = ToBuffer(queue_.front());
    queue_.pop_front();
    StartWrite(&write_buffer_);
  }

  void ReleaseHold() {
    {
      std::lock_guard lock(mu_);
      if (hold_released_) {
        return;
      }
      hold_released_ = true;
    }
    RemoveHold();
  }

  grpc::GenericStub* stub_;
  const StreamProtocol* protocol_;
  std::string key_;
  grpc::ClientContext context_;
  grpc::ByteBuffer read_buffer_;
  grpc::ByteBuffer write_buffer_;
  std::mutex mu_;
  std::condition_variable done_cv_;
  std::deque<std::string> queue_;
  std::deque<std::function<void(int)>> awaiting_;
  int64_t command_id_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool writes_done_ = false;
  bool read_closed_ = false;
  bool hold_released_ = false;
  bool finished_ = false;
};

EntityStreamIssuer::EntityStreamIssuer(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                       StreamProtocol protocol, KeyDistribution keys,
                                       double stream_deadline_seconds)
    : protocol_(std::move(protocol)),
      keys_(std::move(keys)),
      stream_deadline_seconds_(stream_deadline_seconds) {
  for (const auto& channel : channels) {
    stubs_.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
}

EntityStreamIssuer::~EntityStreamIssuer() { CloseAll(5); }

EntityStreamIssuer::Stream* EntityStreamIssuer::StreamFor(const std::string& key, bool* fresh) {
  std::lock_guard lock(mu_);
  *fresh = false;
  auto* stub = stubs_[opened_ % stubs_.size()].get();
  if (keys_.kind == KeyDistribution::Kind::kNew) {
    ++opened_;
    one_shots_.push_back(std::make_unique<Stream>(stub, &protocol_, key, stream_deadline_seconds_));
    *fresh = true;
    one_shots_.back()->Start();
    return one_shots_.back().get();
  }
  auto& slot = streams_[key];
  if (slot == nullptr) {
    ++opened_;
    slot = std::make_unique<Stream>(stub, &protocol_, key, stream_deadline_seconds_);
    *fresh = true;
    slot->Start();  // under the lock: no command may be sent before the call is prepared
  }
  return slot.get();
}

void EntityStreamIssuer::Issue(uint64_t seq, std::function<void(int)> done) {
  bool fresh = false;
  Stream* stream = StreamFor(keys_.KeyFor(seq), &fresh);
  if (keys_.kind == KeyDistribution::Kind::kNew) {
    stream->Send(seq, [stream, done = std::move(done)](int code) {
      stream->Close();
      done(code);
    });
    return;
  }
  stream->Send(seq, std::move(done));
}

void EntityStreamIssuer::CloseAll(double grace_seconds) {
  std::vector<Stream*> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, stream] : streams_) {
      all.push_back(stream.get());
    }
    for (auto& stream : one_shots_) {
      all.push_back(stream.get());
    }
  }
  for (auto* stream : all) {
    stream->Close();
  }
  for (auto* stream : all) {
    if (!stream->WaitDone(grace_seconds)) {
      stream->Cancel();
      stream->WaitDone(3600);
    }
  }
  std::lock_guard lock(mu_);
  streams_.clear();
  one_shots_.clear();
}

}  // namespace cloudstate::tck::bench
