#pragma once
// HTTP/JSON requests to a proxy's transcoded API for `bench`, run by a pool of worker threads; each
// worker keeps one HTTP/1.1 connection open (keep-alive) and reconnects when the server closes it,
// so the figures do not include a TCP connect per request; the open loop still measures from
// intended times.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cloudstate/tck/bench/load.h"

namespace cloudstate::tck::bench {

class HttpIssuer : public RequestIssuer {
 public:
  // POST `path(seq)` with `body(seq)` to `address` (HOST:PORT); 2xx is OK, else the status is
  // counted (as a gRPC code: the HTTP status mapped the way the gRPC-HTTP gateway maps them).
  HttpIssuer(std::string address, std::function<std::string(uint64_t)> path,
             std::function<std::string(uint64_t)> body, int workers, double deadline_seconds);
  ~HttpIssuer() override;  // finishes queued requests, then joins the workers
  void Issue(uint64_t seq, std::function<void(int code)> done) override;

 private:
  void Work();
  std::string address_;
  std::function<std::string(uint64_t)> path_;
  std::function<std::string(uint64_t)> body_;
  double deadline_seconds_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, std::function<void(int)>>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// The gRPC code for an HTTP status (200..299 -> 0).
int GrpcCodeForHttpStatus(int status);

}  // namespace cloudstate::tck::bench
