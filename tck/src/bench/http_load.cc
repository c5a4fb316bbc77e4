#include "cloudstate/tck/bench/http_load.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cloudstate::tck::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

// One persistent HTTP/1.1 connection per worker (keep-alive), as load generators use them, so the
// figures do not include a TCP connect per request. Reconnects when the server closes.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(std::string address) : address_(std::move(address)) {}

  // The response status, or an error when no response arrived within `timeout`.
  absl::StatusOr<int> Post(const std::string& target, const std::string& body,
                           std::chrono::milliseconds timeout) {
    const bool reused = stream_.has_value();
    auto status = Exchange(target, body, timeout);
    if (!status.ok() && reused && !response_started_ && closed_by_peer_) {
      // The server may close an idle connection between two requests: a request that met a
      // closed connection before any response byte is retried once, on a new connection.
      status = Exchange(target, body, timeout);
    }
    return status;
  }

 private:
  absl::StatusOr<int> Exchange(const std::string& target, const std::string& body,
                               std::chrono::milliseconds timeout) {
    response_started_ = false;
    closed_by_peer_ = false;
    std::string stage = "connect";
    beast::error_code failure;
    if (!stream_.has_value()) {
      const auto colon = address_.rfind(':');
      if (colon == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("not HOST:PORT: ", address_));
      }
      asio::ip::tcp::resolver resolver(ioc_);
      beast::error_code ec;
      auto endpoints = resolver.resolve(address_.substr(0, colon), address_.substr(colon + 1), ec);
      if (ec) {
        return absl::UnavailableError(
            absl::StrCat("cannot resolve ", address_, ": ", ec.message()));
      }
      stream_.emplace(ioc_);
      stream_->expires_after(timeout);
      stream_->async_connect(endpoints, [&](beast::error_code e, const asio::ip::tcp::endpoint&) {
        failure = e;
        stage = e ? "connect" : "connected";
      });
      Run(timeout);
      if (stage != "connected") {
        Close();
        return absl::UnavailableError(absl::StrCat(
            "connect to ", address_, " failed: ", failure ? failure.message() : "timed out"));
      }
    }
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, address_);
    request.set(http::field::user_agent, "cloudstate-tck bench");
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    http::response<http::string_body> response;
    buffer_.clear();
    stage = "write";
    stream_->expires_after(timeout);
    http::async_write(*stream_, request, [&](beast::error_code e, std::size_t) {
      if (e) {
        failure = e;
        return;
      }
      stage = "read";
      http::async_read(*stream_, buffer_, response, [&](beast::error_code e2, std::size_t n) {
        response_started_ = n > 0;
        if (e2) {
          failure = e2;
          return;
        }
        stage = "done";
      });
    });
    Run(timeout);
    if (stage != "done") {
      closed_by_peer_ = failure == http::error::end_of_stream || failure == asio::error::eof ||
                        failure == asio::error::connection_reset ||
                        failure == asio::error::broken_pipe;
      Close();
      return absl::UnavailableError(absl::StrCat(
          "POST ", target, ": ", stage, " failed: ", failure ? failure.message() : "timed out"));
    }
    if (!response.keep_alive()) {
      Close();
    }
    return static_cast<int>(response.result_int());
  }

  void Run(std::chrono::milliseconds timeout) {
    ioc_.restart();
    ioc_.run_for(timeout + std::chrono::milliseconds(200));
  }

  void Close() {
    if (stream_.has_value()) {
      beast::error_code ignored;
      stream_->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      stream_.reset();
    }
    // Handlers of the closed stream may still be queued: run them out before the next exchange.
    ioc_.restart();
    ioc_.poll();
  }

  std::string address_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  bool response_started_ = false;
  bool closed_by_peer_ = false;  // the last exchange failed on a connection the server closed
};

}  // namespace

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
  KeepAliveClient client(address_);
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
    auto result = client.Post(path_(seq), body_(seq), timeout);
    done(result.ok() ? GrpcCodeForHttpStatus(*result) : grpc::StatusCode::UNAVAILABLE);
  }
}

}  // namespace cloudstate::tck::bench
