#include "cloudstate/tck/stream_transport.h"

#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace cloudstate::tck {

namespace {

std::string StatusText(const grpc::Status& status) {
  int code = static_cast<int>(status.error_code());
  // gRPC and absl number their status codes alike and name them alike.
  std::string name = code >= 0 && code <= static_cast<int>(absl::StatusCode::kUnauthenticated)
                         ? absl::StatusCodeToString(static_cast<absl::StatusCode>(code))
                         : absl::StrCat(code);
  if (status.error_message().empty()) {
    return name;
  }
  return absl::StrCat(name, ": ", status.error_message());
}

// One asynchronous operation awaited by the thread that started it; the completion queue's pump
// thread completes it.
class Op {
 public:
  void Complete(bool ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    ok_ = ok;
    cv_.notify_all();
  }
  bool Await() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return done_; });
    done_ = false;
    return ok_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool ok_ = false;
};

// A bidirectional call through the public generic stub: every operation is started on the calling
// thread and awaited there, while one thread drains the call's completion queue. A reader thread
// keeps one read outstanding and queues what arrives.
class GrpcStreamTransport : public StreamTransport {
 public:
  GrpcStreamTransport(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      std::chrono::milliseconds budget)
      : stub_(channel) {
    context_.set_deadline(std::chrono::system_clock::now() + budget);
    call_ = stub_.PrepareCall(&context_, method, &cq_);
    pump_ = std::thread([this] { Pump(); });
    call_->StartCall(&start_);
    started_ = start_.Await();
    reader_ = std::thread([this] { ReadLoop(); });
  }

  ~GrpcStreamTransport() override {
    context_.TryCancel();
    if (reader_.joinable()) {
      reader_.join();
    }
    if (!finished_) {
      CollectStatus();
    }
    cq_.Shutdown();
    pump_.join();
  }

  bool Write(const std::string& bytes) override {
    if (!started_) {
      return false;
    }
    grpc::Slice slice(bytes);
    grpc::ByteBuffer buffer(&slice, 1);
    call_->Write(buffer, &write_);
    return write_.Await();
  }

  void WritesDone() override {
    if (!started_) {
      return;
    }
    call_->WritesDone(&writes_done_);
    (void)writes_done_.Await();
  }

  void Cancel() override { context_.TryCancel(); }

  Arrival Wait(std::chrono::milliseconds timeout, std::string* bytes) override {
    return inbound_.Wait(timeout, bytes);
  }

  bool ReadDone() override { return inbound_.ended(); }

  const EndStatus& Finish(std::chrono::milliseconds grace) override {
    if (!finished_) {
      if (!inbound_.WaitForEnd(grace)) {
        context_.TryCancel();
      }
      if (reader_.joinable()) {
        reader_.join();
      }
      CollectStatus();
    }
    return end_;
  }

 private:
  void Pump() {
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      static_cast<Op*>(tag)->Complete(ok);
    }
  }

  void ReadLoop() {
    while (started_) {
      grpc::ByteBuffer buffer;
      call_->Read(&buffer, &read_);
      if (!read_.Await()) {
        break;
      }
      grpc::Slice slice;
      std::string bytes;
      if (buffer.TrySingleSlice(&slice).ok() || buffer.DumpToSingleSlice(&slice).ok()) {
        bytes.assign(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      inbound_.Push(std::move(bytes));
    }
    inbound_.End();
  }

  // Reads are over (the reader has ended); asks for the status.
  void CollectStatus() {
    grpc::Status status;
    call_->Finish(&status, &finish_);
    (void)finish_.Await();
    end_ = EndStatus{.ok = status.ok(), .text = StatusText(status)};
    finished_ = true;
  }

  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  Op start_;
  Op read_;
  Op write_;
  Op writes_done_;
  Op finish_;
  bool started_ = false;
  std::thread pump_;
  std::thread reader_;
  InboundFrames inbound_;
  bool finished_ = false;
  EndStatus end_;
};

}  // namespace

std::unique_ptr<StreamTransport> OpenGrpcStream(const std::shared_ptr<grpc::Channel>& channel,
                                                const std::string& method,
                                                std::chrono::milliseconds budget) {
  return std::make_unique<GrpcStreamTransport>(channel, method, budget);
}

}  // namespace cloudstate::tck
