#pragma once
// A log-bucketed latency histogram in the style of HdrHistogram (Debian ships no C++ one).
//
// Values (nanoseconds in `bench`) below 2^bits are counted exactly; above, every power of two is
// split into 2^bits equal sub-buckets, so a reported percentile is never below the exact sample
// and exceeds it by less than 2^-bits of its value (bits = 7: under 0.8%). Recording is O(1) and
// allocation-free; the whole table is a fixed ~60 KB.
//
//   Histogram h;
//   h.Record(latency_ns);
//   int64_t p99 = h.ValueAtPercentile(99.0);

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cloudstate::tck::bench {

// The 1-based rank of the `percentile` (0..100) sample among `count` sorted samples:
// ceil(p/100 * count), at least 1 (tolerant of floating-point noise in p * count).
uint64_t PercentileRank(double percentile, uint64_t count);

class Histogram {
 public:
  static constexpr int kDefaultSubBucketBits = 7;

  Histogram() : Histogram(kDefaultSubBucketBits) {}
  explicit Histogram(int sub_bucket_bits);

  // Negative values are clamped to 0.
  void Record(int64_t value);
  void RecordN(int64_t value, uint64_t count);
  // Adds every count of `other` (same sub_bucket_bits) into this histogram.
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const;
  int sub_bucket_bits() const { return bits_; }

  // The value at `percentile` (0..100): the smallest bucket whose cumulative count reaches rank
  // ceil(p/100 * count) (at least 1), reported as the bucket's highest value clamped to max().
  // 0 when empty.
  int64_t ValueAtPercentile(double percentile) const;

  // Bucket arithmetic, public for tests.
  size_t IndexOf(int64_t value) const;
  int64_t LowestOf(size_t index) const;
  int64_t HighestOf(size_t index) const;

 private:
  int bits_;
  int64_t sub_count_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace cloudstate::tck::bench
