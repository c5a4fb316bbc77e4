#include "cloudstate/proxy_core/timers.h"

#include <vector>

namespace cloudstate::proxy {

namespace {

template <class State, class Key>
class SimulatedHandle final : public Timers::Handle {
 public:
  SimulatedHandle(std::weak_ptr<State> state, Key key) : state_(std::move(state)), key_(key) {}
  ~SimulatedHandle() override {
    if (auto state = state_.lock()) {
      absl::MutexLock lock(&state->mu);
      state->timers.erase(key_);
    }
  }

 private:
  std::weak_ptr<State> state_;
  Key key_;
};

}  // namespace

std::unique_ptr<Timers::Handle> SimulatedTimers::After(std::chrono::milliseconds delay,
                                                       std::function<void()> fn) {
  absl::MutexLock lock(&state_->mu);
  const auto key = std::make_pair(clock_.Monotonic() + delay, state_->next++);
  state_->timers.emplace(key, std::move(fn));
  return std::make_unique<SimulatedHandle<State, decltype(key)>>(state_, key);
}

int SimulatedTimers::RunDue() {
  std::vector<std::function<void()>> due;
  {
    absl::MutexLock lock(&state_->mu);
    const auto now = clock_.Monotonic();
    auto it = state_->timers.begin();
    while (it != state_->timers.end() && it->first.first <= now) {
      due.push_back(std::move(it->second));
      it = state_->timers.erase(it);
    }
  }
  for (auto& fn : due) {
    fn();  // outside the lock: it may set or cancel timers
  }
  return static_cast<int>(due.size());
}

size_t SimulatedTimers::pending() const {
  absl::MutexLock lock(&state_->mu);
  return state_->timers.size();
}

}  // namespace cloudstate::proxy
