#pragma once
// A small HTTP/1.1 server (Boost.Beast) for the operational endpoints. Handlers are registered by
// exact path; a fallback handler receives everything else, which is where the HTTP/JSON transcoder
// (src/http/) plugs in:
//
//   server.Handle("/ready", [](const HttpRequest&) { return HttpResponse{200, "text/plain", "OK"};
//   }); server.SetFallback([&](const HttpRequest& r) { return transcoder.Handle(r); });
//
// Handlers run on the server's own thread and must not block for long.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace cloudstate::proxy {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // path + query as received
  std::string path;                                          // without the query
  std::string query;                                         // after '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    int port = 0;  // 0 = pick a free port
    int threads = 1;
  };
  explicit HttpServer(Options options);
  ~HttpServer();

  // Register before Start().
  void Handle(std::string path, HttpHandler handler);
  void SetFallback(HttpHandler handler);

  absl::Status Start();
  void Stop();
  int port() const { return port_; }

 private:
  struct Impl;
  Options options_;
  std::map<std::string, HttpHandler> handlers_;
  HttpHandler fallback_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace cloudstate::proxy
