#pragma once
// Work that runs after a delay unless cancelled (passivation and command timeouts). The shell's
// timers run on the entity's strand (src/shell/strand_timers.h); SimulatedTimers fire when a
// SimulatedClock has moved past their deadline and RunDue() is called.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"

#include "cloudstate/proxy_core/clock.h"

namespace cloudstate::proxy {

class Timers {
 public:
  // Destroying the handle cancels the timer (if it has not fired yet).
  class Handle {
   public:
    virtual ~Handle() = default;
  };
  virtual ~Timers() = default;
  // Runs `fn` once, `delay` from now, unless the handle is destroyed first.
  [[nodiscard]] virtual std::unique_ptr<Handle> After(std::chrono::milliseconds delay,
                                                      std::function<void()> fn) = 0;
};

class SimulatedTimers final : public Timers {
 public:
  explicit SimulatedTimers(const SimulatedClock& clock)
      : clock_(clock), state_(std::make_shared<State>()) {}
  std::unique_ptr<Handle> After(std::chrono::milliseconds delay, std::function<void()> fn) override;
  // Runs the timers due at the clock's time, earliest deadline first (ties in the order they
  // were set); returns how many ran. Timers set by them run in a later call.
  int RunDue();
  size_t pending() const;

 private:
  struct State {
    mutable absl::Mutex mu;
    // By (deadline, sequence number).
    std::map<std::pair<std::chrono::steady_clock::time_point, uint64_t>, std::function<void()>>
        timers ABSL_GUARDED_BY(mu);
    uint64_t next ABSL_GUARDED_BY(mu) = 0;  // clang wants the attribute first
  };
  const SimulatedClock& clock_;
  std::shared_ptr<State> state_;
};

}  // namespace cloudstate::proxy
