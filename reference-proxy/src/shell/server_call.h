#pragma once
// Incoming gRPC calls: one generic reactor per call routes it (entity command, action stream,
// server reflection) or rejects it (unknown method, shutting down), and writes the outcome back.

#include "grpcpp/generic/async_generic_service.h"

namespace cloudstate::proxy {

class ProxyImpl;

// The proxy's one gRPC service: every method of the discovered services (and reflection).
class GenericService final : public grpc::CallbackGenericService {
 public:
  explicit GenericService(ProxyImpl* proxy) : proxy_(proxy) {}
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

 private:
  ProxyImpl* proxy_;
};

}  // namespace cloudstate::proxy
