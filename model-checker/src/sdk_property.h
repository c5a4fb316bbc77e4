#pragma once
// Shared by the sdk targets: running one RapidCheck property with the run's seed and size, and
// printing and reporting its result (cli.h exit codes).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

#include "cloudstate/model_checker/sdk_target.h"

namespace cloudstate::model_checker {

struct SdkCase {
  std::string name{};         // report case name, e.g. "sdk[valueentity.ValueEntityTckModel]"
  std::string area{};         // report area, e.g. "valueentity"
  std::string service{};      // the entity service driven
  std::string description{};  // one line
};

int RunSdkProperty(const SdkTargetOptions& options, uint64_t seed, const SdkCase& sdk_case,
                   const std::function<void()>& property);

int RunValueEntityTarget(const SdkTargetOptions& options,
                         const std::shared_ptr<grpc::Channel>& channel, uint64_t seed);
int RunShoppingCartTarget(const SdkTargetOptions& options,
                          const std::shared_ptr<grpc::Channel>& channel, uint64_t seed);

}  // namespace cloudstate::model_checker
