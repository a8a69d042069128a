#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tt::analyze {

// The statistics every latency metric reports. Percentiles are core/percentile.h's: linear
// interpolation between the closest ranks, as numpy.percentile's default does.
struct Summary {
  int64_t count = 0;
  double mean = 0;
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double max = 0;
};

// The q-th percentile (0..100) of ascending `sorted`; `sorted` must not be empty.
double percentileOfSorted(std::span<const double> sorted, double q);

// Summarises `values`, reordering them (a selection per percentile, not a full sort: a million
// values take a few milliseconds); nullopt when there are none.
std::optional<Summary> summarize(std::vector<double>& values);
// Summarises ascending, non-empty `sorted`.
Summary summarizeSorted(std::span<const double> sorted);

// 101 values: the 0th, 1st, ..., 100th percentile of ascending `sorted` (for CDF charts).
std::vector<double> percentileGrid(std::span<const double> sorted);

// An exact distribution of integer microseconds that stays small for hundreds of millions of
// values (every inter-token gap of a large trace): values are kept as they come until there are
// many, then counted per microsecond below kDenseLimitUs; rarer values outside that range stay
// in a list. Percentiles are exact either way.
class IntDistribution {
public:
  static constexpr int64_t kDenseLimitUs = int64_t{1} << 22; // 4.19 s
  static constexpr size_t kListLimit = size_t{1} << 20;

  void add(int64_t value);
  // Adds the gaps between consecutive `times`.
  void addGaps(std::span<const int64_t> times);
  int64_t count() const { return count_; }
  std::optional<Summary> summary() const;
  // Percentiles (0..100, any order) in one pass; empty when there are no values.
  std::vector<double> percentiles(std::span<const double> qs) const;

private:
  void spill();
  // The values of 0-based ranks `ranks` (ascending) in ascending order.
  std::vector<int64_t> valuesAtRanks(std::span<const int64_t> ranks) const;

  int64_t count_ = 0;
  double sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  std::vector<int64_t> list_;     // every value, until spill()
  std::vector<uint32_t> dense_;   // counts per microsecond in [0, kDenseLimitUs), after spill()
  std::vector<int64_t> outliers_; // values outside that range, after spill()
  bool dense_mode_ = false;
};

} // namespace tt::analyze
