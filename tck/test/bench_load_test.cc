// The load loops against a fake clock: time only moves when the test (or its fake target) moves
// it, so intended-time accounting is checked exactly and without sleeping.
#include <functional>
#include <vector>

#include "gtest/gtest.h"

#include "cloudstate/tck/bench/load.h"

namespace cloudstate::tck::bench {
namespace {

constexpr int64_t kMs = 1'000'000;

class FakeClock : public Clock {
 public:
  int64_t NowNs() override { return now_; }
  void SleepUntilNs(int64_t deadline_ns) override { now_ = std::max(now_, deadline_ns); }
  void Advance(int64_t ns) { now_ += ns; }

 private:
  int64_t now_ = 1000 * kMs;
};

// Completes every request at once, after moving the clock by `service_ns(seq)`: a target (or a
// kit) that blocks the sender while it works.
class BlockingIssuer : public RequestIssuer {
 public:
  BlockingIssuer(FakeClock* clock, std::function<int64_t(uint64_t)> service_ns,
                 std::function<int(uint64_t)> code = nullptr)
      : clock_(clock), service_ns_(std::move(service_ns)), code_(std::move(code)) {}
  void Issue(uint64_t seq, std::function<void(int)> done) override {
    issued.push_back(seq);
    issue_times.push_back(clock_->NowNs());
    clock_->Advance(service_ns_(seq));
    done(code_ ? code_(seq) : 0);
  }
  std::vector<uint64_t> issued;
  std::vector<int64_t> issue_times;

 private:
  FakeClock* clock_;
  std::function<int64_t(uint64_t)> service_ns_;
  std::function<int(uint64_t)> code_;
};

TEST(OpenLoopScheduleTest, IntendedTimesFollowTheRate) {
  OpenLoopSchedule schedule(5000, 1000.0, 4);  // one every millisecond
  EXPECT_EQ(schedule.IntendedNs(0), 5000);
  EXPECT_EQ(schedule.IntendedNs(3), 5000 + 3 * kMs);
  EXPECT_EQ(schedule.count(), 4u);
}

TEST(OpenLoopScheduleTest, ReleasesEveryRequestDueAndNoMore) {
  OpenLoopSchedule schedule(0, 1000.0, 10);
  EXPECT_EQ(schedule.Release(0), std::make_pair(uint64_t{0}, uint64_t{1}));
  EXPECT_EQ(schedule.Release(kMs - 1), std::make_pair(uint64_t{1}, uint64_t{1}));
  // Late by 3.5 ms: everything due meanwhile comes out at once.
  EXPECT_EQ(schedule.Release(4 * kMs + kMs / 2), std::make_pair(uint64_t{1}, uint64_t{5}));
  EXPECT_EQ(schedule.NextNs(), 5 * kMs);
  EXPECT_EQ(schedule.Release(100 * kMs), std::make_pair(uint64_t{5}, uint64_t{10}));
  EXPECT_TRUE(schedule.Done());
}

TEST(OpenLoopTest, AnIdleTargetShowsOnlyItsServiceTime) {
  FakeClock clock;
  BlockingIssuer issuer(&clock, [](uint64_t) { return kMs / 10; });
  OpenLoopOptions options{.rate_per_second = 1000, .duration_seconds = 0.01};
  PhaseStats stats = RunOpenLoop(issuer, clock, options);
  EXPECT_EQ(stats.requests, 10u);
  EXPECT_EQ(stats.ok, 10u);
  EXPECT_EQ(stats.latency_ns.min(), kMs / 10);
  EXPECT_EQ(stats.latency_ns.max(), kMs / 10);
  // Sent on schedule: each at its intended time.
  for (size_t i = 0; i < issuer.issue_times.size(); ++i) {
    EXPECT_EQ(issuer.issue_times[i] - issuer.issue_times[0], static_cast<int64_t>(i) * kMs);
  }
}

TEST(OpenLoopTest, AStallCountsAgainstEveryRequestItDelayed) {
  FakeClock clock;
  // Request 0 blocks the sender for 5 ms; the rest are instant.
  BlockingIssuer issuer(&clock, [](uint64_t seq) { return seq == 0 ? 5 * kMs : 0; });
  OpenLoopOptions options{.rate_per_second = 1000, .duration_seconds = 0.01};
  PhaseStats stats = RunOpenLoop(issuer, clock, options);
  ASSERT_EQ(stats.requests, 10u);
  // From intended times: 5, 4, 3, 2, 1, 0 (request 5 went out on time), 0, 0, 0, 0 ms. A loop
  // timing each send would have seen one 5 ms request and nine instant ones (p90 = 0).
  EXPECT_EQ(stats.latency_ns.max(), 5 * kMs);
  EXPECT_EQ(stats.latency_ns.min(), 0);
  EXPECT_NEAR(stats.latency_ns.ValueAtPercentile(90), 4 * kMs, 4 * kMs / 128.0);
  EXPECT_NEAR(stats.latency_ns.ValueAtPercentile(60), 1 * kMs, kMs / 128.0);
  EXPECT_EQ(stats.latency_ns.ValueAtPercentile(50), 0);
  EXPECT_NEAR(stats.latency_ns.mean(), 1.5 * kMs, 1.0);
  // The four delayed requests went out together when the stall ended.
  for (size_t i = 1; i <= 4; ++i) {
    EXPECT_EQ(issuer.issue_times[i], issuer.issue_times[0] + 5 * kMs);
  }
  // Elapsed runs from the first intended send to the last completion (at 9 ms).
  EXPECT_EQ(stats.elapsed_ns, 9 * kMs);
}

TEST(OpenLoopTest, ErrorsAreCountedByStatus) {
  FakeClock clock;
  BlockingIssuer issuer(
      &clock, [](uint64_t) { return 0; }, [](uint64_t seq) { return seq % 3 == 0 ? 14 : 0; });
  OpenLoopOptions options{.rate_per_second = 100, .duration_seconds = 0.1};
  PhaseStats stats = RunOpenLoop(issuer, clock, options, 0);
  EXPECT_EQ(stats.requests, 10u);
  EXPECT_EQ(stats.ok, 6u);
  EXPECT_EQ(stats.errors_by_code.at(14), 4u);  // seq 0, 3, 6, 9
}

TEST(OpenLoopTest, SequenceNumbersStartAtFirstSeq) {
  FakeClock clock;
  BlockingIssuer issuer(&clock, [](uint64_t) { return 0; });
  OpenLoopOptions options{.rate_per_second = 100, .duration_seconds = 0.03};
  RunOpenLoop(issuer, clock, options, 500);
  EXPECT_EQ(issuer.issued, (std::vector<uint64_t>{500, 501, 502}));
}

TEST(ClosedLoopTest, KeepsConcurrencyRequestsInFlightUntilTheEnd) {
  FakeClock clock;
  BlockingIssuer issuer(&clock, [](uint64_t) { return kMs; });
  PhaseStats stats = RunClosedLoop(issuer, clock, 1, 0.01);
  // One chain, 1 ms each, for 10 ms: the 10th completes at the end and starts no 11th.
  EXPECT_EQ(stats.requests, 10u);
  EXPECT_EQ(stats.latency_ns.min(), kMs);
  EXPECT_EQ(stats.latency_ns.max(), kMs);
  EXPECT_EQ(stats.elapsed_ns, 10 * kMs);
  EXPECT_DOUBLE_EQ(stats.Throughput(), 1000.0);
}

}  // namespace
}  // namespace cloudstate::tck::bench
