#pragma once
// Where the outcome of a dispatched call goes: a client call, a forward's caller or a side effect.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "grpcpp/support/status.h"

namespace cloudstate::proxy {

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

inline grpc::Status UnknownStatus(std::string_view message) {
  return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(message));
}

}  // namespace cloudstate::proxy
