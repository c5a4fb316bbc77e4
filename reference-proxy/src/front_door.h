#pragma once
// The proxy's front door, sans-IO parts: which protocol a new connection speaks (from the bytes it
// sent first, read with MSG_PEEK so nothing is consumed) and how long to wait after a failed
// accept. The listener itself lives in http_server.cc; a client port serves cleartext HTTP/2 gRPC
// (prior knowledge, handed over to gRPC) and HTTP/1.1 (Beast) on one socket, like the original
// proxy's client port (F-1).
//
//   switch (ClassifyPreface(peeked)) {
//     case Preface::kHttp2: hand the socket to gRPC; break;
//     case Preface::kHttp1: serve HTTP/1.1; break;
//     case Preface::kUndecided: peek again once more bytes arrived; break;
//   }

#include <algorithm>
#include <string_view>

#include "absl/time/time.h"

namespace cloudstate::proxy {

// The client connection preface of HTTP/2 (RFC 9113 section 3.4).
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class Preface { kUndecided, kHttp2, kHttp1 };

// kHttp2 once the bytes start with "PRI " (no HTTP/1.1 method is PRI: RFC 9113 reserves it for the
// preface), kHttp1 as soon as they cannot be the preface, kUndecided for a shorter prefix of it
// (including no bytes at all).
Preface ClassifyPreface(std::string_view first_bytes);

// Back-off after failed accepts (descriptor exhaustion, out of buffers): the listener waits
// Next() before accepting again instead of spinning, and Reset() after a successful accept.
class AcceptBackoff {
 public:
  AcceptBackoff(absl::Duration min, absl::Duration max) : min_(min), max_(max), next_(min) {}
  absl::Duration Next() {
    const absl::Duration wait = next_;
    next_ = std::min(next_ * 2, max_);
    ++failures_;
    return wait;
  }
  void Reset() {
    next_ = min_;
    failures_ = 0;
  }
  // Failed accepts since the last success; the listener logs the first and then every 64th.
  int failures() const { return failures_; }

 private:
  absl::Duration min_;
  absl::Duration max_;
  absl::Duration next_;
  int failures_ = 0;
};

}  // namespace cloudstate::proxy
