#pragma once
// The gRPC side of CRDT entities: the callback service of `cloudstate.crdt.Crdt`, one
// CrdtStreamCore per `handle` stream (driven by CoreBidiReactor: one write in flight per stream,
// any number of streams at once). Usually reached through AddCrdtEntity (crdt.h); tests may add it
// to a grpc::ServerBuilder directly.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "cloudstate/crdt.grpc.pb.h"

#include "cloudstate/sdk/crdt_entity.h"
#include "cloudstate/sdk/crdt_stream_core.h"

namespace cloudstate::sdk {

class CrdtService final : public cloudstate::crdt::Crdt::CallbackService {
 public:
  CrdtService() = default;

  // Adds a user service (before the server starts). Fails on a missing descriptor or a duplicate.
  absl::Status Register(CrdtEntityOptions options, CrdtEntityFactory factory);
  // The registration of `service_name`, or nullptr.
  const CrdtEntityRegistration* Find(std::string_view service_name) const;

  grpc::ServerBidiReactor<CrdtStreamCore::In, CrdtStreamCore::Out>* handle(
      grpc::CallbackServerContext* context) override;

 private:
  mutable std::mutex mu_;
  // Node-based map: registrations keep their address while streams use them.
  std::map<std::string, CrdtEntityRegistration, std::less<>> registrations_;
};

}  // namespace cloudstate::sdk
