#pragma once
// Load generation for `cloudstate-tck bench`: an open loop at a fixed arrival rate and a closed
// loop at a fixed concurrency, both over an asynchronous RequestIssuer.
//
// Open loop: request i is due at start + i/rate. Its latency is measured from that intended
// time, not from when the kit managed to send it, so a stalled target (or a stalled kit) shows
// up in the figures instead of silently lowering the offered load (no coordinated omission).
// OpenLoopSchedule is the sans-IO core; RunOpenLoop drives it with a Clock, which tests replace
// with a fake one.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "cloudstate/tck/bench/histogram.h"

namespace cloudstate::tck::bench {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowNs() = 0;
  virtual void SleepUntilNs(int64_t deadline_ns) = 0;
};

// std::chrono::steady_clock.
class SteadyClock : public Clock {
 public:
  int64_t NowNs() override;
  void SleepUntilNs(int64_t deadline_ns) override;
};

// Issues request `seq` and calls `done(code)` exactly once, from any thread, when it completes
// (code: a grpc::StatusCode, 0 = OK). Must not call `done` while holding its own locks.
class RequestIssuer {
 public:
  virtual ~RequestIssuer() = default;
  virtual void Issue(uint64_t seq, std::function<void(int code)> done) = 0;
};

class OpenLoopSchedule {
 public:
  // `count` requests at `rate_per_second`, the first due at `start_ns`.
  OpenLoopSchedule(int64_t start_ns, double rate_per_second, uint64_t count);

  int64_t IntendedNs(uint64_t i) const;
  // The half-open range of requests due by `now_ns` that were not released before.
  std::pair<uint64_t, uint64_t> Release(int64_t now_ns);
  // Intended time of the next unreleased request (only meaningful when !Done()).
  int64_t NextNs() const { return IntendedNs(next_); }
  bool Done() const { return next_ >= count_; }
  uint64_t count() const { return count_; }

 private:
  int64_t start_ns_;
  double interval_ns_;
  uint64_t count_;
  uint64_t next_ = 0;
};

// Everything one phase measured. Thread-safe recording.
struct PhaseStats {
  Histogram latency_ns;
  uint64_t requests = 0;  // completed
  uint64_t ok = 0;
  std::map<int, uint64_t> errors_by_code;
  int64_t elapsed_ns = 0;  // first intended send to last completion
  // Requests per second over elapsed_ns (completed ones, errors included).
  double Throughput() const;
};

class PhaseRecorder {
 public:
  void Record(int64_t latency_ns, int code);
  PhaseStats Take(int64_t elapsed_ns);

 private:
  std::mutex mu_;
  PhaseStats stats_;
};

struct OpenLoopOptions {
  double rate_per_second = 1000;
  double duration_seconds = 1;
  // The kit waits (latency still counting from intended time) beyond this many in flight.
  int max_outstanding = 4096;
};

PhaseStats RunOpenLoop(RequestIssuer& issuer, Clock& clock, const OpenLoopOptions& options,
                       uint64_t first_seq = 0);

// `concurrency` requests always in flight for `duration_seconds`; latency from each send.
PhaseStats RunClosedLoop(RequestIssuer& issuer, Clock& clock, int concurrency,
                         double duration_seconds, uint64_t first_seq = 0);

}  // namespace cloudstate::tck::bench
