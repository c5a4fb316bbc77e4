#include "cloudstate/tck/bench/http_load.h"

#include <chrono>
#include <utility>

#include "grpcpp/support/status.h"

#include "cloudstate/tck/proxy_suite/http_client.h"

namespace cloudstate::tck::bench {

int GrpcCodeForHttpStatus(int status) {
  if (status >= 200 && status < 300) {
    return 0;
  }
  switch (status) {
    case 400:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case 401:
      return grpc::StatusCode::UNAUTHENTICATED;
    case 403:
      return grpc::StatusCode::PERMISSION_DENIED;
    case 404:
      return grpc::StatusCode::NOT_FOUND;
    case 409:
      return grpc::StatusCode::ABORTED;
    case 429:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 501:
      return grpc::StatusCode::UNIMPLEMENTED;
    case 503:
      return grpc::StatusCode::UNAVAILABLE;
    case 504:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    default:
      return status >= 500 ? grpc::StatusCode::INTERNAL : grpc::StatusCode::UNKNOWN;
  }
}

HttpIssuer::HttpIssuer(std::string address, std::function<std::string(uint64_t)> path,
                       std::function<std::string(uint64_t)> body, int workers,
                       double deadline_seconds)
    : address_(std::move(address)),
      path_(std::move(path)),
      body_(std::move(body)),
      deadline_seconds_(deadline_seconds) {
  for (int i = 0; i < std::max(1, workers); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
}

HttpIssuer::~HttpIssuer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    t.join();
  }
}

void HttpIssuer::Issue(uint64_t seq, std::function<void(int)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(seq, std::move(done));
  }
  cv_.notify_one();
}

void HttpIssuer::Work() {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(deadline_seconds_ * 1000));
  while (true) {
    std::pair<uint64_t, std::function<void(int)>> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto [seq, done] = std::move(item);
    auto result = proxy_suite::HttpCall(address_, "POST", path_(seq), body_(seq), timeout);
    done(result.ok() ? GrpcCodeForHttpStatus(result->status) : grpc::StatusCode::UNAVAILABLE);
  }
}

}  // namespace cloudstate::tck::bench
