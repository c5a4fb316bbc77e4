#include "cloudstate/sdk/crdt_service.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cloudstate::sdk {

absl::Status CrdtService::Register(CrdtEntityOptions options, CrdtEntityFactory factory) {
  if (options.service == nullptr) {
    return absl::InvalidArgumentError("A CRDT entity has no service descriptor");
  }
  if (!factory) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRDT entity ", options.service->full_name(), " has no factory"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = options.service->full_name();
  auto [it, inserted] = registrations_.try_emplace(
      name, CrdtEntityRegistration{std::move(options), std::move(factory)});
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("CRDT entity ", name, " was added twice"));
  }
  return absl::OkStatus();
}

const CrdtEntityRegistration* CrdtService::Find(std::string_view service_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = registrations_.find(service_name);
  return it == registrations_.end() ? nullptr : &it->second;
}

grpc::ServerBidiReactor<CrdtStreamCore::In, CrdtStreamCore::Out>* CrdtService::handle(
    grpc::CallbackServerContext* context) {
  return new CoreBidiReactor<CrdtStreamCore::In, CrdtStreamCore::Out>(
      std::make_unique<CrdtStreamCore>(
          [this](std::string_view service_name) { return Find(service_name); }));
}

}  // namespace cloudstate::sdk
