#pragma once
// The real function transport: entity streams over the gRPC channel to the user function.

#include <functional>
#include <memory>
#include <utility>

#include "grpcpp/grpcpp.h"

#include "cloudstate/proxy_core/function_transport.h"
#include "uf_stream.h"

namespace cloudstate::proxy {

template <class In, class Out>
class GrpcFunctionTransport final : public FunctionTransport<In, Out> {
 public:
  // `start` binds a reactor to the protocol's `handle` method (e.g. through a stub).
  using StartFn = typename UfStream<In, Out>::StartFn;

  GrpcFunctionTransport(StartFn start, std::shared_ptr<StreamTracker> tracker)
      : start_(std::move(start)), tracker_(std::move(tracker)) {}

  std::shared_ptr<FunctionStream<In, Out>> Open(
      typename FunctionTransport<In, Out>::OnMessage on_message,
      typename FunctionTransport<In, Out>::OnClosed on_closed) override {
    return UfStream<In, Out>::Open(
        start_, std::move(on_message),
        [on_closed = std::move(on_closed)](const grpc::Status& status) {
          on_closed(status.ok() ? absl::OkStatus()
                                : absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                               status.error_message()));
        },
        tracker_);
  }

 private:
  StartFn start_;
  std::shared_ptr<StreamTracker> tracker_;
};

}  // namespace cloudstate::proxy
