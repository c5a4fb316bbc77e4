#pragma once
// Time as the proxy's logic sees it. The shell reads the system clock through SystemClock(); a
// simulation or a test uses SimulatedClock, which moves only when told to.

#include <chrono>
#include <cstdint>

#include "absl/synchronization/mutex.h"

namespace cloudstate::proxy {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (CRDT last-write-wins timestamps).
  virtual int64_t WallMillis() const = 0;
  // Monotonic time, for durations and rate limits.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

// The process's clocks. Lives for the whole process.
Clock& SystemClock();

// Starts at `start_wall_ms` and at a fixed monotonic origin; Advance() moves both. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(int64_t start_wall_ms = 0) : wall_ms_(start_wall_ms) {}
  int64_t WallMillis() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void Advance(std::chrono::milliseconds by);

 private:
  mutable absl::Mutex mu_;
  int64_t wall_ms_ ABSL_GUARDED_BY(mu_);
  std::chrono::milliseconds elapsed_ ABSL_GUARDED_BY(mu_){0};
};

}  // namespace cloudstate::proxy
