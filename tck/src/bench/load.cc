#include "cloudstate/tck/bench/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <thread>

namespace cloudstate::tck::bench {

int64_t SteadyClock::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SteadyClock::SleepUntilNs(int64_t deadline_ns) {
  const int64_t now = NowNs();
  if (deadline_ns > now) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(deadline_ns - now));
  }
}

OpenLoopSchedule::OpenLoopSchedule(int64_t start_ns, double rate_per_second, uint64_t count)
    : start_ns_(start_ns), interval_ns_(1e9 / std::max(rate_per_second, 1e-9)), count_(count) {}

int64_t OpenLoopSchedule::IntendedNs(uint64_t i) const {
  return start_ns_ + static_cast<int64_t>(std::llround(static_cast<double>(i) * interval_ns_));
}

std::pair<uint64_t, uint64_t> OpenLoopSchedule::Release(int64_t now_ns) {
  const uint64_t begin = next_;
  while (next_ < count_ && IntendedNs(next_) <= now_ns) {
    ++next_;
  }
  return {begin, next_};
}

double PhaseStats::Throughput() const {
  return elapsed_ns <= 0 ? 0.0 : static_cast<double>(requests) * 1e9 / elapsed_ns;
}

void PhaseRecorder::Record(int64_t latency_ns, int code) {
  std::lock_guard lock(mu_);
  stats_.latency_ns.Record(latency_ns);
  ++stats_.requests;
  if (code == 0) {
    ++stats_.ok;
  } else {
    ++stats_.errors_by_code[code];
  }
}

PhaseStats PhaseRecorder::Take(int64_t elapsed_ns) {
  std::lock_guard lock(mu_);
  PhaseStats out = std::move(stats_);
  stats_ = PhaseStats{};
  out.elapsed_ns = elapsed_ns;
  return out;
}

namespace {

// Counts requests in flight; Wait* block until a condition holds.
class InFlight {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++n_;
  }
  void Remove(Clock& clock) {
    std::lock_guard lock(mu_);
    --n_;
    last_completion_ns_ = clock.NowNs();
    cv_.notify_all();
  }
  void WaitBelow(int64_t limit) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return n_ < limit; });
  }
  int64_t WaitZero() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return n_ == 0; });
    return last_completion_ns_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t n_ = 0;
  int64_t last_completion_ns_ = 0;
};

}  // namespace

PhaseStats RunOpenLoop(RequestIssuer& issuer, Clock& clock, const OpenLoopOptions& options,
                       uint64_t first_seq) {
  const auto count = static_cast<uint64_t>(
      std::max(1.0, std::floor(options.rate_per_second * options.duration_seconds)));
  const int64_t start = clock.NowNs();
  OpenLoopSchedule schedule(start, options.rate_per_second, count);
  PhaseRecorder recorder;
  InFlight in_flight;
  while (!schedule.Done()) {
    clock.SleepUntilNs(schedule.NextNs());
    const auto [begin, end] = schedule.Release(clock.NowNs());
    for (uint64_t i = begin; i < end; ++i) {
      in_flight.WaitBelow(std::max(1, options.max_outstanding));
      const int64_t intended = schedule.IntendedNs(i);
      in_flight.Add();
      issuer.Issue(first_seq + i, [&clock, &recorder, &in_flight, intended](int code) {
        recorder.Record(clock.NowNs() - intended, code);
        in_flight.Remove(clock);
      });
    }
  }
  const int64_t last = in_flight.WaitZero();
  return recorder.Take(std::max<int64_t>(last - start, 1));
}

PhaseStats RunClosedLoop(RequestIssuer& issuer, Clock& clock, int concurrency,
                         double duration_seconds, uint64_t first_seq) {
  const int64_t start = clock.NowNs();
  const int64_t end = start + static_cast<int64_t>(duration_seconds * 1e9);
  PhaseRecorder recorder;
  InFlight in_flight;
  std::atomic<uint64_t> next_seq{first_seq};
  // Each chain sends its next request from the completion of the previous one.
  auto chain = std::make_shared<std::function<void()>>();
  *chain = [&, weak = std::weak_ptr<std::function<void()>>(chain)] {
    const int64_t sent = clock.NowNs();
    in_flight.Add();
    issuer.Issue(next_seq.fetch_add(1), [&, sent, weak](int code) {
      const int64_t now = clock.NowNs();
      recorder.Record(now - sent, code);
      if (now < end) {
        if (auto next = weak.lock()) {
          (*next)();
        }
      }
      in_flight.Remove(clock);
    });
  };
  for (int i = 0; i < std::max(1, concurrency); ++i) {
    (*chain)();
  }
  const int64_t last = in_flight.WaitZero();
  return recorder.Take(std::max<int64_t>(last - start, 1));
}

}  // namespace cloudstate::tck::bench
