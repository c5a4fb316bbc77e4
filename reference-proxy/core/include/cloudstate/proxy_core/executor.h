#pragma once
// Where blocking work runs (the store executor: stores are synchronous). The shell posts to a
// thread pool; a simulation uses SimulatedExecutor, which runs queued work only when told to, in
// an order drawn from a seed, so that one seed always gives the same interleaving.

#include <cstdint>
#include <deque>
#include <functional>
#include <random>

#include "absl/synchronization/mutex.h"

namespace cloudstate::proxy {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `work` later, on some thread of the executor. Never runs it inline.
  virtual void Post(std::function<void()> work) = 0;
};

class SimulatedExecutor final : public Executor {
 public:
  explicit SimulatedExecutor(uint64_t seed) : random_(seed) {}
  void Post(std::function<void()> work) override;
  // Runs one queued item, picked by the seeded generator; false if none was queued. Work that it
  // posts is queued, not run.
  bool RunOne();
  // Runs until the queue is empty (including work posted meanwhile); returns how many ran.
  int RunAll();
  size_t queued() const;

 private:
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cloudstate::proxy
