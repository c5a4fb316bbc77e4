#include "cloudstate/tck/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cloudstate::tck::bench {

uint64_t PercentileRank(double percentile, uint64_t count) {
  if (count == 0) {
    return 0;
  }
  const double p = std::clamp(percentile, 0.0, 100.0);
  const double exact = p * static_cast<double>(count) / 100.0;
  const auto rank = static_cast<uint64_t>(std::ceil(exact - 1e-7 * std::max(1.0, exact)));
  return std::clamp<uint64_t>(rank, 1, count);
}

Histogram::Histogram(int sub_bucket_bits)
    : bits_(std::clamp(sub_bucket_bits, 1, 20)), sub_count_(int64_t{1} << bits_) {
  // Exact range [0, 2^bits) plus 2^bits sub-buckets for every exponent from bits to 62.
  counts_.assign(static_cast<size_t>(sub_count_ + (63 - bits_) * sub_count_), 0);
}

size_t Histogram::IndexOf(int64_t value) const {
  if (value < sub_count_) {
    return static_cast<size_t>(std::max<int64_t>(value, 0));
  }
  const int exponent = 63 - std::countl_zero(static_cast<uint64_t>(value));
  const int shift = exponent - bits_;
  const int64_t sub = (value >> shift) - sub_count_;
  return static_cast<size_t>(sub_count_ + shift * sub_count_ + sub);
}

int64_t Histogram::LowestOf(size_t index) const {
  const auto i = static_cast<int64_t>(index);
  if (i < sub_count_) {
    return i;
  }
  const int64_t shift = (i - sub_count_) / sub_count_;
  const int64_t sub = (i - sub_count_) % sub_count_;
  return (sub_count_ + sub) << shift;
}

int64_t Histogram::HighestOf(size_t index) const {
  const auto i = static_cast<int64_t>(index);
  if (i < sub_count_) {
    return i;
  }
  const int64_t shift = (i - sub_count_) / sub_count_;
  return LowestOf(index) + ((int64_t{1} << shift) - 1);
}

void Histogram::Record(int64_t value) { RecordN(value, 1); }

void Histogram::RecordN(int64_t value, uint64_t n) {
  if (n == 0) {
    return;
  }
  value = std::max<int64_t>(value, 0);
  counts_[IndexOf(value)] += n;
  if (count_ == 0 || value < min_) {
    min_ = value;
  }
  max_ = std::max(max_, value);
  count_ += n;
  sum_ += static_cast<long double>(value) * static_cast<long double>(n);
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0 || other.bits_ != bits_) {
    return;
  }
  for (size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] += other.counts_[i];
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

int64_t Histogram::ValueAtPercentile(double percentile) const {
  if (count_ == 0) {
    return 0;
  }
  const uint64_t rank = PercentileRank(percentile, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(HighestOf(i), min_, max_);
    }
  }
  return max_;
}

}  // namespace cloudstate::tck::bench
