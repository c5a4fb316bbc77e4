#include "cloudstate/tck/proxy_suite/http_client.h"

#include "absl/strings/str_cat.h"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cloudstate::tck::proxy_suite {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

absl::StatusOr<HttpResult> HttpCall(const std::string& address, const std::string& method,
                                    const std::string& target, const std::string& body,
                                    std::chrono::milliseconds timeout) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not HOST:PORT: ", address));
  }
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);

  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code failure;
  std::string stage = "resolve";
  HttpResult result;

  asio::ip::tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", address, ": ", ec.message()));
  }

  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, address);
  request.set(http::field::user_agent, "cloudstate-tck proxy suite");
  request.set(http::field::connection, "close");
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();

  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const asio::ip::tcp::endpoint&) {
    if (e) {
      failure = e;
      stage = "connect";
      return;
    }
    http::async_write(stream, request, [&](beast::error_code e2, std::size_t) {
      if (e2) {
        failure = e2;
        stage = "write";
        return;
      }
      http::async_read(stream, buffer, response, [&](beast::error_code e3, std::size_t) {
        if (e3) {
          failure = e3;
          stage = "read";
          return;
        }
        stage = "done";
      });
    });
  });
  ioc.run_for(timeout + std::chrono::milliseconds(200));
  if (stage != "done") {
    if (!failure) {
      return absl::DeadlineExceededError(absl::StrCat(
          method, " http://", address, target, ": no answer within ", timeout.count(), " ms"));
    }
    return absl::UnavailableError(absl::StrCat(method, " http://", address, target, ": ", stage,
                                               " failed: ", failure.message()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  result.status = static_cast<int>(response.result_int());
  result.content_type = std::string(response[http::field::content_type]);
  result.body = response.body();
  return result;
}

}  // namespace cloudstate::tck::proxy_suite
