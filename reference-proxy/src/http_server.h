#pragma once
// A small HTTP/1.1 server (Boost.Beast) that can also be the proxy's one client port. Handlers
// are registered by exact path; a fallback handler receives everything else, which is where the
// HTTP/JSON transcoder (src/http/) plugs in:
//
//   HttpServer::Options options;
//   options.http2_handoff = [&](int fd) { grpc::AddInsecureChannelFromFd(server, fd); };
//   HttpServer front(options);
//   front.Handle("/ready",
//                [](const HttpRequest&) { return HttpResponse{200, "text/plain", "OK"}; });
//   front.SetFallback([&](const HttpRequest& r) { return transcoder.Handle(r); });
//
// Exact-path handlers run on the I/O threads and must be quick (health, metrics); the fallback
// may block (a transcoded call waits for its gRPC reply) and runs on its own pool, so /alive,
// /ready and /metrics never wait behind client calls. With `http2_handoff` set, each connection is
// classified by its first bytes (front_door.h): the HTTP/2 preface hands the socket over.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace cloudstate::proxy {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // path + query as received
  std::string path;                                          // without the query
  std::string query;                                         // after '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
};

// Sends one chunk of a streamed response; false once the client is gone.
using ChunkWriter = std::function<bool(std::string_view chunk)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set (fallback handlers only), the body is sent as it is produced, with the chunked
  // transfer coding, instead of `body`: called on the handler thread once the head is sent, it
  // returns when the response is complete.
  std::function<void(const ChunkWriter&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    std::string bind = "127.0.0.1";
    int port = 0;     // 0 = pick a free port
    int threads = 1;  // I/O threads: accept, parse, exact-path handlers
    // Threads running the fallback handler; 0 = run it on the I/O threads (only for handlers
    // that never block).
    int handler_threads = 0;
    // Open connections served at once; beyond it the listener stops accepting (connections wait
    // in the kernel's backlog) until one closes.
    int max_connections = 1024;
    size_t max_header_bytes = 8 * 1024;               // larger request heads get 431
    size_t max_body_bytes = 1024 * 1024;              // larger bodies get 413
    absl::Duration idle_timeout = absl::Seconds(60);  // per request and between requests
    // Failed accepts (e.g. EMFILE) are retried after a back-off between these bounds.
    absl::Duration accept_backoff_min = absl::Milliseconds(10);
    absl::Duration accept_backoff_max = absl::Seconds(1);
    // Answers Knative's queue probe (header K-Network-Probe) like the original proxy (F-8).
    bool knative_probe = false;
    // When set, connections opening with the HTTP/2 preface are handed over: the callback owns
    // the (non-blocking) descriptor from then on.
    std::function<void(int fd)> http2_handoff;
  };
  explicit HttpServer(Options options);
  ~HttpServer();

  // Register before Start().
  void Handle(std::string path, HttpHandler handler);
  void SetFallback(HttpHandler handler);

  absl::Status Start();
  // Closes the listening socket; open connections go on being served.
  void StopAccepting();
  // Stops everything (idempotent): in-flight fallback handlers are waited for, so cancel their
  // work first if they may block long.
  void Stop();
  int port() const { return port_; }
  // Connections being served (HTTP/1.1 or still being classified).
  int open_connections() const;

  struct Impl;  // defined in http_server.cc, shared with its connections

 private:
  Options options_;
  std::map<std::string, HttpHandler> handlers_;
  HttpHandler fallback_;
  std::shared_ptr<Impl> impl_;
  bool accepting_stopped_ = false;
  int port_ = 0;
};

}  // namespace cloudstate::proxy
