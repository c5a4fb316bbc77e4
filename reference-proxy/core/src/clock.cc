#include "cloudstate/proxy_core/clock.h"

namespace cloudstate::proxy {

namespace {

class RealClock final : public Clock {
 public:
  int64_t WallMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* const clock = new RealClock();  // never destroyed: used until exit
  return *clock;
}

int64_t SimulatedClock::WallMillis() const {
  absl::MutexLock lock(&mu_);
  return wall_ms_;
}

std::chrono::steady_clock::time_point SimulatedClock::Monotonic() const {
  absl::MutexLock lock(&mu_);
  return std::chrono::steady_clock::time_point(elapsed_);
}

void SimulatedClock::Advance(std::chrono::milliseconds by) {
  absl::MutexLock lock(&mu_);
  wall_ms_ += by.count();
  elapsed_ += by;
}

}  // namespace cloudstate::proxy
