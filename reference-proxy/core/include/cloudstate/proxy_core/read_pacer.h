#pragma once
// Flow control of a client-streaming call that the proxy forwards to the user function (streamed-in
// and duplex actions). The proxy reads the next client message only while it holds fewer than
// `capacity` messages that are not yet handed to the function's transport; otherwise the read is
// withheld until a write to the function completes. gRPC then stops granting the client HTTP/2
// flow-control window, so a slow function slows the client and the proxy's memory per call is
// bounded by `capacity` messages (plus the transports' own windows). Sans-IO: the caller reads,
// writes and locks; this only decides when the next read may start.

#include <algorithm>
#include <cstddef>

namespace cloudstate::proxy {

class ReadPacer {
 public:
  // One message being written to the function and one waiting behind it: the function's transport
  // is never idle for want of a message, and no more is buffered than that.
  static constexpr size_t kDefaultCapacity = 2;

  explicit ReadPacer(size_t capacity = kDefaultCapacity)
      : capacity_(std::max<size_t>(capacity, 1)) {}

  // A message was read (or queued by the proxy itself) and is now held. Returns true when the next
  // client read may start at once; false means it is withheld until OnReleased returns true.
  bool OnRead() {
    if (closed_) {
      return true;  // nothing is forwarded any more: keep draining the client
    }
    ++held_;
    high_water_ = std::max(high_water_, held_);
    if (held_ < capacity_) {
      return true;
    }
    withheld_ = true;
    return false;
  }

  // A held message was handed to the function (its write completed). Returns true when a withheld
  // read may start now.
  bool OnReleased() {
    if (held_ > 0) {
      --held_;
    }
    return MaybeResume();
  }

  // Forwarding stopped for good (the function's call ended or failed): held messages are dropped
  // and reads go on so that the client's call can end. Returns true when a withheld read may start.
  bool OnClosed() {
    closed_ = true;
    held_ = 0;
    return MaybeResume();
  }

  size_t held() const { return held_; }
  size_t high_water() const { return high_water_; }
  size_t capacity() const { return capacity_; }
  bool withheld() const { return withheld_; }

 private:
  bool MaybeResume() {
    if (withheld_ && (closed_ || held_ < capacity_)) {
      withheld_ = false;
      return true;
    }
    return false;
  }

  size_t capacity_;
  size_t held_ = 0;
  size_t high_water_ = 0;
  bool withheld_ = false;
  bool closed_ = false;
};

}  // namespace cloudstate::proxy
