#pragma once
// A minimal HTTP/1.1 client (Boost.Beast) for the proxy's HTTP/JSON API: one request per
// connection, bounded by a timeout.
//
//   auto r = HttpCall("127.0.0.1:9000", "POST", "/tck/model/action/unary", R"({"groups":[]})",
//                     std::chrono::seconds(3));
//   if (r.ok() && r->status == 200) { ... r->body ... }

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace cloudstate::tck::proxy_suite {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

// `address` is HOST:PORT. POST/PUT requests carry `Content-Type: application/json`.
absl::StatusOr<HttpResult> HttpCall(const std::string& address, const std::string& method,
                                    const std::string& target, const std::string& body,
                                    std::chrono::milliseconds timeout);

}  // namespace cloudstate::tck::proxy_suite
