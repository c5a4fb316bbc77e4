#pragma once
// The kit's side of EntityDiscovery: the ProxyInfo it sends, the call, and the analysed answer that
// discovery cases validate and gating uses.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"

#include "cloudstate/entity.pb.h"

namespace grpc {
class Channel;
}

namespace cloudstate::tck {

// protocol 0.2, proxy_name "cloudstate-tck", the kit version, all four entity types.
cloudstate::ProxyInfo KitProxyInfo();

// One discover call bounded by `timeout`.
absl::StatusOr<cloudstate::EntitySpec> CallDiscover(const std::shared_ptr<grpc::Channel>& channel,
                                                    const cloudstate::ProxyInfo& info,
                                                    std::chrono::milliseconds timeout);

// Calls discover until it answers or `timeout` passes (the function may still be starting).
absl::StatusOr<cloudstate::EntitySpec> WaitForDiscover(
    const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout);

struct DiscoveryInfo {
  cloudstate::ProxyInfo proxy_info;
  cloudstate::EntitySpec spec;
  bool descriptor_set_parsed = false;          // EntitySpec.proto is a FileDescriptorSet
  std::vector<std::string> descriptor_errors;  // files that failed to build, with the reason
  std::unique_ptr<google::protobuf::SimpleDescriptorDatabase> database;
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  std::set<std::string> declared_services;  // Entity.service_name of every entity

  const cloudstate::Entity* FindEntity(std::string_view service_name) const;
  // A service of the descriptor set by full name (nullptr when absent or unresolvable).
  const google::protobuf::ServiceDescriptor* FindService(std::string_view full_name) const;
  bool Declares(std::string_view service_name) const {
    return declared_services.count(std::string(service_name)) > 0;
  }
};

std::unique_ptr<DiscoveryInfo> AnalyzeDiscovery(cloudstate::ProxyInfo proxy_info,
                                                cloudstate::EntitySpec spec);

}  // namespace cloudstate::tck
