#include "cloudstate/tck/discovery.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpcpp/grpcpp.h"

#include "cloudstate/entity.grpc.pb.h"

#include "cloudstate/common/protocol.h"

#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::tck {

cloudstate::ProxyInfo KitProxyInfo() {
  cloudstate::ProxyInfo info;
  info.set_protocol_major_version(cloudstate::kProtocolMajorVersion);
  info.set_protocol_minor_version(cloudstate::kProtocolMinorVersion);
  info.set_proxy_name("cloudstate-tck");
  info.set_proxy_version(CS_KIT_VERSION);
  info.add_supported_entity_types(cloudstate::kActionEntityType);
  info.add_supported_entity_types(cloudstate::kValueEntityType);
  info.add_supported_entity_types(cloudstate::kEventSourcedEntityType);
  info.add_supported_entity_types(cloudstate::kCrdtEntityType);
  return info;
}

absl::StatusOr<cloudstate::EntitySpec> CallDiscover(const std::shared_ptr<grpc::Channel>& channel,
                                                    const cloudstate::ProxyInfo& info,
                                                    std::chrono::milliseconds timeout) {
  auto stub = cloudstate::EntityDiscovery::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  cloudstate::EntitySpec spec;
  grpc::Status status = stub->discover(&context, info, &spec);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("discover failed: gRPC status ",
                                               static_cast<int>(status.error_code()), " ",
                                               status.error_message()));
  }
  return spec;
}

absl::StatusOr<cloudstate::EntitySpec> WaitForDiscover(
    const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  absl::Status last = absl::DeadlineExceededError("discover was never attempted");
  while (true) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the function did not answer discover in time; last error: ", last.message()));
    }
    auto attempt = std::min(remaining, std::chrono::milliseconds(2000));
    auto started = std::chrono::steady_clock::now();
    auto spec = CallDiscover(channel, KitProxyInfo(), attempt);
    if (spec.ok()) {
      return spec;
    }
    last = spec.status();
    // Connection refused returns at once; poll again shortly (this is start-up polling, not a
    // case waiting for a message).
    auto spent = std::chrono::steady_clock::now() - started;
    if (spent < std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50) - spent);
    }
  }
}

const cloudstate::Entity* DiscoveryInfo::FindEntity(std::string_view service_name) const {
  for (const auto& entity : spec.entities()) {
    if (entity.service_name() == service_name) {
      return &entity;
    }
  }
  return nullptr;
}

const google::protobuf::ServiceDescriptor* DiscoveryInfo::FindService(
    std::string_view full_name) const {
  if (pool == nullptr) {
    return nullptr;
  }
  return pool->FindServiceByName(std::string(full_name));
}

std::unique_ptr<DiscoveryInfo> AnalyzeDiscovery(cloudstate::ProxyInfo proxy_info,
                                                cloudstate::EntitySpec spec) {
  auto info = std::make_unique<DiscoveryInfo>();
  info->proxy_info = std::move(proxy_info);
  info->spec = std::move(spec);
  for (const auto& entity : info->spec.entities()) {
    info->declared_services.insert(entity.service_name());
  }
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromString(info->spec.proto())) {
    info->descriptor_errors.push_back("EntitySpec.proto is not a serialized FileDescriptorSet");
    return info;
  }
  info->descriptor_set_parsed = true;
  info->database = std::make_unique<google::protobuf::SimpleDescriptorDatabase>();
  for (const auto& file : set.file()) {
    if (!info->database->Add(file)) {
      info->descriptor_errors.push_back(absl::StrCat(file.name(), ": duplicate or invalid file"));
    }
  }
  info->pool = std::make_unique<google::protobuf::DescriptorPool>(info->database.get());
  for (const auto& file : set.file()) {
    // The pool builds each file on demand, resolving imports through the database; a missing
    // import makes the lookup fail.
    if (info->pool->FindFileByName(file.name()) == nullptr) {
      std::string missing;
      for (const auto& dep : file.dependency()) {
        google::protobuf::FileDescriptorProto unused;
        if (!info->database->FindFileByName(dep, &unused)) {
          absl::StrAppend(&missing, missing.empty() ? "" : ", ", dep);
        }
      }
      info->descriptor_errors.push_back(
          absl::StrCat(file.name(), ": does not build",
                       missing.empty() ? "" : absl::StrCat(" (missing imports: ", missing, ")")));
    }
  }
  return info;
}

}  // namespace cloudstate::tck
