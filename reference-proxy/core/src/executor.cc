#include "cloudstate/proxy_core/executor.h"

#include <utility>

namespace cloudstate::proxy {

void SimulatedExecutor::Post(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
}

bool SimulatedExecutor::RunOne() {
  std::function<void()> work;
  {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) {
      return false;
    }
    const size_t index = std::uniform_int_distribution<size_t>(0, queue_.size() - 1)(random_);
    work = std::move(queue_[index]);
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(index));
  }
  work();  // outside the lock: it may post more
  return true;
}

int SimulatedExecutor::RunAll() {
  int ran = 0;
  while (RunOne()) {
    ++ran;
  }
  return ran;
}

size_t SimulatedExecutor::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace cloudstate::proxy
