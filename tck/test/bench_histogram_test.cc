#include <algorithm>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "cloudstate/tck/bench/histogram.h"

namespace cloudstate::tck::bench {
namespace {

// The exact percentile of a sample set, by the histogram's rank definition.
int64_t ExactPercentile(std::vector<int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  return values[PercentileRank(p, values.size()) - 1];
}

TEST(BenchHistogramTest, EmptyHistogramReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0);
}

TEST(BenchHistogramTest, SmallValuesAreExact) {
  Histogram h;
  std::vector<int64_t> values;
  for (int64_t v = 0; v < 128; ++v) {
    h.Record(v);
    values.push_back(v);
  }
  for (double p : {0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 100.0}) {
    EXPECT_EQ(h.ValueAtPercentile(p), ExactPercentile(values, p)) << p;
  }
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 127);
  EXPECT_DOUBLE_EQ(h.mean(), 63.5);
}

TEST(BenchHistogramTest, KnownPercentilesOfOneToThousand) {
  Histogram h;
  for (int64_t v = 1; v <= 1000; ++v) {
    h.Record(v * 1000);  // 1 us .. 1 ms in ns
  }
  EXPECT_EQ(h.count(), 1000u);
  // Rank ceil(p * n): p50 -> 500th, p99 -> 990th, p99.9 -> 999th; max exact.
  EXPECT_NEAR(h.ValueAtPercentile(50), 500'000, 500'000 / 128.0);
  EXPECT_GE(h.ValueAtPercentile(50), 500'000);
  EXPECT_NEAR(h.ValueAtPercentile(99), 990'000, 990'000 / 128.0);
  EXPECT_NEAR(h.ValueAtPercentile(99.9), 999'000, 999'000 / 128.0);
  EXPECT_EQ(h.ValueAtPercentile(100), 1'000'000);
  EXPECT_EQ(h.min(), 1000);
  EXPECT_EQ(h.max(), 1'000'000);
}

TEST(BenchHistogramTest, NegativeValuesClampToZero) {
  Histogram h;
  h.Record(-5);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 0);
}

TEST(BenchHistogramTest, LargestValuesFit) {
  Histogram h;
  h.Record(INT64_MAX);
  EXPECT_EQ(h.ValueAtPercentile(50), INT64_MAX);
}

TEST(BenchHistogramTest, PercentileRankToleratesFloatingPointNoise) {
  EXPECT_EQ(PercentileRank(99, 100), 99u);
  EXPECT_EQ(PercentileRank(99.9, 1000), 999u);
  EXPECT_EQ(PercentileRank(50, 3), 2u);
  EXPECT_EQ(PercentileRank(0, 10), 1u);
  EXPECT_EQ(PercentileRank(100, 10), 10u);
}

RC_GTEST_PROP(BenchHistogramProperty, BucketsContainTheirValuesWithBoundedWidth, ()) {
  const auto value = *rc::gen::inRange<int64_t>(0, INT64_MAX);
  Histogram h;
  const size_t index = h.IndexOf(value);
  RC_ASSERT(h.LowestOf(index) <= value);
  RC_ASSERT(value <= h.HighestOf(index));
  const double width = static_cast<double>(h.HighestOf(index) - h.LowestOf(index));
  RC_ASSERT(width <= static_cast<double>(h.LowestOf(index)) / 128.0);
}

RC_GTEST_PROP(BenchHistogramProperty, PercentilesMatchSortedSamplesWithinRelativeError, ()) {
  const auto values = *rc::gen::nonEmpty(rc::gen::container<std::vector<int64_t>>(rc::gen::oneOf(
      rc::gen::inRange<int64_t>(0, 1000), rc::gen::inRange<int64_t>(0, int64_t{1} << 40))));
  const double p = *rc::gen::inRange(0, 100'001) / 1000.0;
  Histogram h;
  for (int64_t v : values) {
    h.Record(v);
  }
  const int64_t exact = ExactPercentile(values, p);
  const int64_t reported = h.ValueAtPercentile(p);
  RC_ASSERT(reported >= exact);
  RC_ASSERT(static_cast<double>(reported - exact) <= static_cast<double>(exact) / 128.0);
  RC_ASSERT(h.count() == values.size());
  RC_ASSERT(h.max() == *std::max_element(values.begin(), values.end()));
  RC_ASSERT(h.min() == *std::min_element(values.begin(), values.end()));
}

RC_GTEST_PROP(BenchHistogramProperty, MergeEqualsRecordingEverything, ()) {
  const auto a = *rc::gen::container<std::vector<int64_t>>(rc::gen::inRange<int64_t>(0, 1 << 30));
  const auto b = *rc::gen::container<std::vector<int64_t>>(rc::gen::inRange<int64_t>(0, 1 << 30));
  Histogram ha;
  Histogram hb;
  Histogram all;
  for (int64_t v : a) {
    ha.Record(v);
    all.Record(v);
  }
  for (int64_t v : b) {
    hb.Record(v);
    all.Record(v);
  }
  ha.Merge(hb);
  RC_ASSERT(ha.count() == all.count());
  RC_ASSERT(ha.min() == all.min());
  RC_ASSERT(ha.max() == all.max());
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    RC_ASSERT(ha.ValueAtPercentile(p) == all.ValueAtPercentile(p));
  }
}

}  // namespace
}  // namespace cloudstate::tck::bench
