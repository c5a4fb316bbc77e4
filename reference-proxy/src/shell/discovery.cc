// Discovery: ask the user function for its entity spec, retrying with backoff while it cannot be
// reached, until shutdown interrupts it.

#include <algorithm>
#include <chrono>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

#include "shell/proxy_impl.h"

#ifndef CS_KIT_VERSION
#define CS_KIT_VERSION "0.0.0"
#endif

namespace cloudstate::proxy {

absl::Status ProxyImpl::Discover() {
  cloudstate::ProxyInfo info;
  info.set_protocol_major_version(0);
  info.set_protocol_minor_version(2);
  info.set_proxy_name("cloudstate-cpp-proxy");
  info.set_proxy_version(CS_KIT_VERSION);
  for (const std::string& type : SupportedEntityTypes()) {
    info.add_supported_entity_types(type);
  }
  const std::string target =
      absl::StrCat(options_.user_function_host, ":", options_.user_function_port);
  // A channel of its own (own subchannel, reconnecting every 100 ms while the function is
  // down) so that a function coming up is seen at once, whatever step the back-off is at; the
  // entity channel keeps its slower reconnect back-off.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  auto stub = cloudstate::EntityDiscovery::NewStub(channel);
  absl::Duration backoff = options_.discovery_backoff_min;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.set_wait_for_ready(false);
    {
      std::lock_guard lock(shutdown_mu_);
      if (shutdown_started_) {
        return absl::CancelledError("shut down during discovery");
      }
      discovery_context_ = &context;  // Shutdown cancels it
    }
    cloudstate::EntitySpec spec;
    spdlog::info("discovery attempt {} to {}", attempt, target);
    grpc::Status status = stub->discover(&context, info, &spec);
    {
      std::lock_guard lock(shutdown_mu_);
      discovery_context_ = nullptr;
      if (shutdown_started_) {
        return absl::CancelledError("shut down during discovery");
      }
    }
    if (status.ok()) {
      spdlog::info(
          "Received EntitySpec from user function with info: service {} {} ({} {} {}), "
          "protocol {}.{}",
          spec.service_info().service_name(), spec.service_info().service_version(),
          spec.service_info().service_runtime(), spec.service_info().support_library_name(),
          spec.service_info().support_library_version(),
          spec.service_info().protocol_major_version(),
          spec.service_info().protocol_minor_version());
      if (options_.protocol_compatibility_check) {
        absl::Status compat = CheckProtocolVersion(spec.service_info());
        if (!compat.ok()) {
          spdlog::error("{}", std::string(compat.message()));
          ReportError(std::string(compat.message()));
          return compat;
        }
      }
      auto model = ServiceModel::Build(spec, SupportedEntityTypes());
      if (!model.ok()) {
        spdlog::error("invalid entity spec: {}", std::string(model.status().message()));
        ReportError(std::string(model.status().message()));
        return model.status();
      }
      model_ = std::move(*model);
      return absl::OkStatus();
    }
    spdlog::warn("discovery attempt {} failed: {} ({}); retrying in {}", attempt,
                 status.error_message(), static_cast<int>(status.error_code()),
                 absl::FormatDuration(backoff));
    if (options_.discovery_max_attempts > 0 && attempt >= options_.discovery_max_attempts) {
      return absl::UnavailableError("user function did not answer discovery: " +
                                    status.error_message());
    }
    // UNAVAILABLE from a connected function (its own answer) is waited out like any failure.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        channel->GetState(false) != GRPC_CHANNEL_READY) {
      // Not reachable: wait up to the back-off, but try again as soon as a connection is made.
      const auto until = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(backoff);
      while (std::chrono::system_clock::now() < until) {
        {
          std::lock_guard lock(shutdown_mu_);
          if (shutdown_started_) {
            return absl::CancelledError("shut down during discovery");
          }
        }
        // In slices, so that a shutdown request is seen within 100 ms.
        if (channel->WaitForConnected(std::min(
                until, std::chrono::system_clock::now() + std::chrono::milliseconds(100)))) {
          break;
        }
      }
    } else {
      // Reachable but failing: wait for the back-off or a shutdown request.
      std::unique_lock lock(shutdown_mu_);
      shutdown_cv_.wait_for(lock, absl::ToChronoMilliseconds(backoff),
                            [&] { return shutdown_started_; });
    }
    backoff = std::min(backoff * 2, options_.discovery_backoff_max);
  }
}

}  // namespace cloudstate::proxy
