#include "cloudstate/tck/proxy_suite/wire.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace cloudstate::tck::proxy_suite {

std::string BufferToString(const grpc::ByteBuffer& buffer) {
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

grpc::ByteBuffer StringToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::shared_ptr<grpc::Channel> MakeProxyChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// ---- ClientCall ----

class ClientCall::Reactor final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Reactor(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
          std::chrono::milliseconds deadline,
          const std::vector<std::pair<std::string, std::string>>& metadata)
      : stub_(channel) {
    ctx_.set_deadline(std::chrono::system_clock::now() + deadline);
    for (const auto& [k, v] : metadata) {
      ctx_.AddMetadata(k, v);
    }
    stub_.PrepareBidiStreamingCall(&ctx_, method, grpc::StubOptions(), this);
    StartRead(&incoming_);
    // Held until the server ended the call and no write of ours is in flight, so that writes
    // started from the case's thread never race with OnDone.
    AddHold();
    StartCall();
  }

  void OnReadDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) {
        received_.push_back(BufferToString(incoming_));
        incoming_.Clear();
      } else {
        reads_ended_ = true;
      }
      cv_.notify_all();
    }
    if (ok) {
      StartRead(&incoming_);
    } else {
      MaybeReleaseHold();
    }
  }
  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      write_busy_ = false;
      write_ok_ = ok;
      cv_.notify_all();
    }
    MaybeReleaseHold();
  }
  void OnWritesDoneDone(bool /*ok*/) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      writes_done_busy_ = false;
    }
    MaybeReleaseHold();
  }
  void OnDone(const grpc::Status& s) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = s;
    reads_ended_ = true;
    cv_.notify_all();
  }

  bool Write(const std::string& bytes, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return !write_busy_ || reads_ended_; }) || closed_ ||
        reads_ended_ || writes_done_busy_) {
      return false;
    }
    outgoing_ = StringToBuffer(bytes);
    write_busy_ = true;
    lock.unlock();
    StartWrite(&outgoing_);
    lock.lock();
    if (!cv_.wait_for(lock, timeout, [&] { return !write_busy_; })) {
      return false;
    }
    return write_ok_;
  }

  void WritesDone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !write_busy_ || reads_ended_; });
    if (closed_ || reads_ended_ || write_busy_) {
      closed_ = true;
      return;
    }
    closed_ = true;
    writes_done_busy_ = true;
    lock.unlock();
    StartWritesDone();
  }

  std::optional<std::string> Read(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !received_.empty() || reads_ended_; });
    if (received_.empty()) {
      return std::nullopt;
    }
    std::string m = std::move(received_.front());
    received_.pop_front();
    return m;
  }

  std::optional<grpc::Status> Finish(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return status_.has_value(); });
    return status_;
  }

  bool ended() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_.has_value() && received_.empty();
  }

  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    ctx_.TryCancel();  // reads end, which releases the hold
  }

  void WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return status_.has_value(); });
  }

 private:
  void MaybeReleaseHold() {
    bool release = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!hold_released_ && reads_ended_ && !write_busy_ && !writes_done_busy_) {
        hold_released_ = true;
        release = true;
      }
    }
    if (release) {
      RemoveHold();
    }
  }

  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  grpc::ByteBuffer incoming_;
  grpc::ByteBuffer outgoing_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> received_;
  bool reads_ended_ = false;
  bool write_busy_ = false;
  bool write_ok_ = true;
  bool writes_done_busy_ = false;
  bool closed_ = false;
  bool hold_released_ = false;
  std::optional<grpc::Status> status_;
};

ClientCall::ClientCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       std::chrono::milliseconds deadline,
                       const std::vector<std::pair<std::string, std::string>>& metadata)
    : reactor_(std::make_unique<Reactor>(channel, method, deadline, metadata)) {}

ClientCall::~ClientCall() {
  reactor_->Cancel();
  reactor_->WaitDone();
}

bool ClientCall::Write(const std::string& bytes, std::chrono::milliseconds timeout) {
  return reactor_->Write(bytes, timeout);
}
void ClientCall::WritesDone() { reactor_->WritesDone(); }
std::optional<std::string> ClientCall::Read(std::chrono::milliseconds timeout) {
  return reactor_->Read(timeout);
}
std::optional<grpc::Status> ClientCall::Finish(std::chrono::milliseconds timeout) {
  return reactor_->Finish(timeout);
}
bool ClientCall::ended() { return reactor_->ended(); }
void ClientCall::Cancel() { reactor_->Cancel(); }

UnaryResult CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::string& request, std::chrono::milliseconds timeout) {
  UnaryResult result;
  ClientCall call(channel, method, timeout);
  if (!call.Write(request, timeout)) {
    auto s = call.Finish(timeout);
    result.status = s ? *s : grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no answer");
    return result;
  }
  call.WritesDone();
  auto response = call.Read(timeout);
  auto status = call.Finish(timeout);
  if (!status) {
    result.status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                 "the proxy did not answer within the window");
    return result;
  }
  result.status = *status;
  if (status->ok()) {
    if (!response) {
      result.status = grpc::Status(grpc::StatusCode::INTERNAL, "OK status without a response");
    } else {
      result.response = std::move(*response);
    }
  }
  return result;
}

// ---- reflection wire format ----
namespace {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

void PutString(CodedOutputStream* out, int field, const std::string& value) {
  out->WriteTag(static_cast<uint32_t>(field << 3 | 2));
  out->WriteVarint32(static_cast<uint32_t>(value.size()));
  out->WriteString(value);
}

// Calls `on_field(number, wire_type, bytes_or_empty, varint)` for every field; false on bad input.
template <typename F>
bool ForEachField(const std::string& bytes, F&& on_field) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  while (true) {
    uint32_t tag = in.ReadTag();
    if (tag == 0) {
      return in.ConsumedEntireMessage() || in.CurrentPosition() == static_cast<int>(bytes.size());
    }
    const int field = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0: {
        uint64_t v;
        if (!in.ReadVarint64(&v)) {
          return false;
        }
        on_field(field, 0, std::string(), v);
        break;
      }
      case 1: {
        uint64_t v;
        if (!in.ReadLittleEndian64(&v)) {
          return false;
        }
        break;
      }
      case 2: {
        uint32_t len;
        std::string value;
        if (!in.ReadVarint32(&len) || !in.ReadString(&value, static_cast<int>(len))) {
          return false;
        }
        on_field(field, 2, value, 0);
        break;
      }
      case 5: {
        uint32_t v;
        if (!in.ReadLittleEndian32(&v)) {
          return false;
        }
        break;
      }
      default:
        return false;
    }
  }
}

std::optional<ReflectionRequest> DecodeReflectionRequest(const std::string& bytes) {
  ReflectionRequest r;
  bool ok = ForEachField(bytes, [&](int field, int type, const std::string& value, uint64_t) {
    if (type != 2) {
      return;
    }
    if (field == 1) {
      r.host = value;
    } else if (field == 7) {
      r.list_services = value;
    } else if (field == 4) {
      r.file_containing_symbol = value;
    }
  });
  if (!ok) {
    return std::nullopt;
  }
  return r;
}

}  // namespace

std::string EncodeReflectionRequest(const ReflectionRequest& request) {
  std::string bytes;
  {
    StringOutputStream stream(&bytes);
    CodedOutputStream out(&stream);
    if (!request.host.empty()) {
      PutString(&out, 1, request.host);
    }
    if (request.file_containing_symbol) {
      PutString(&out, 4, *request.file_containing_symbol);
    }
    if (request.list_services) {
      PutString(&out, 7, *request.list_services);
    }
  }
  return bytes;
}

std::optional<ReflectionResponse> DecodeReflectionResponse(const std::string& bytes) {
  ReflectionResponse r;
  bool bad = false;
  bool ok = ForEachField(bytes, [&](int field, int type, const std::string& value, uint64_t) {
    if (type != 2) {
      return;
    }
    switch (field) {
      case 1:
        r.valid_host = value;
        break;
      case 2:
        r.original = DecodeReflectionRequest(value);
        bad = bad || !r.original;
        break;
      case 4: {
        std::vector<std::string> files;
        bad = bad || !ForEachField(value, [&](int f, int t, const std::string& v, uint64_t) {
                if (f == 1 && t == 2) {
                  files.push_back(v);
                }
              });
        r.file_descriptors = std::move(files);
        break;
      }
      case 6: {
        std::vector<std::string> services;
        bad = bad || !ForEachField(value, [&](int f, int t, const std::string& v, uint64_t) {
                if (f == 1 && t == 2) {
                  std::string name;
                  bad =
                      bad || !ForEachField(v, [&](int nf, int nt, const std::string& nv, uint64_t) {
                        if (nf == 1 && nt == 2) {
                          name = nv;
                        }
                      });
                  services.push_back(name);
                }
              });
        r.services = std::move(services);
        break;
      }
      case 7: {
        std::pair<int, std::string> error{0, ""};
        bad = bad || !ForEachField(value, [&](int f, int t, const std::string& v, uint64_t n) {
                if (f == 1 && t == 0) {
                  error.first = static_cast<int>(n);
                } else if (f == 2 && t == 2) {
                  error.second = v;
                }
              });
        r.error = error;
        break;
      }
      default:
        break;
    }
  });
  if (!ok || bad) {
    return std::nullopt;
  }
  return r;
}

}  // namespace cloudstate::tck::proxy_suite
