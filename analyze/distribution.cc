#include "analyze/distribution.h"

#include "core/percentile.h"

#include <algorithm>
#include <numeric>

namespace tt::analyze {

double percentileOfSorted(std::span<const double> sorted, double q) {
  const PercentileRank r = percentileRank(sorted.size(), q);
  return r.interpolate(sorted[r.lower], sorted[r.upper]);
}

std::optional<Summary> summarize(std::vector<double>& values) {
  if (values.empty()) {
    return std::nullopt;
  }
  constexpr double kQs[] = {50, 90, 95, 99};
  std::vector<size_t> ranks;
  for (const double q : kQs) {
    const PercentileRank r = percentileRank(values.size(), q);
    ranks.push_back(r.lower);
    ranks.push_back(r.upper);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  // After selecting rank r, everything past it is no smaller, so the next (higher) rank is
  // selected among those only.
  auto from = values.begin();
  for (const size_t r : ranks) {
    std::nth_element(from, values.begin() + static_cast<std::ptrdiff_t>(r), values.end());
    from = values.begin() + static_cast<std::ptrdiff_t>(r) + 1;
  }
  auto at = [&](double q) {
    const PercentileRank r = percentileRank(values.size(), q);
    return r.interpolate(values[r.lower], values[r.upper]);
  };
  Summary s;
  s.count = static_cast<int64_t>(values.size());
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.count);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  s.p50 = at(50);
  s.p90 = at(90);
  s.p95 = at(95);
  s.p99 = at(99);
  return s;
}

Summary summarizeSorted(std::span<const double> sorted) {
  Summary s;
  s.count = static_cast<int64_t>(sorted.size());
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(s.count);
  s.min = sorted.front();
  s.p50 = percentileOfSorted(sorted, 50);
  s.p90 = percentileOfSorted(sorted, 90);
  s.p95 = percentileOfSorted(sorted, 95);
  s.p99 = percentileOfSorted(sorted, 99);
  s.max = sorted.back();
  return s;
}

std::vector<double> percentileGrid(std::span<const double> sorted) {
  std::vector<double> grid;
  if (sorted.empty()) {
    return grid;
  }
  grid.reserve(101);
  for (int q = 0; q <= 100; ++q) {
    grid.push_back(percentileOfSorted(sorted, q));
  }
  return grid;
}

void IntDistribution::add(int64_t value) {
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += static_cast<double>(value);
  if (!dense_mode_) {
    list_.push_back(value);
    if (list_.size() >= kListLimit) {
      spill();
    }
    return;
  }
  if (value >= 0 && value < kDenseLimitUs) {
    ++dense_[static_cast<size_t>(value)];
  } else {
    outliers_.push_back(value);
  }
}

void IntDistribution::addGaps(std::span<const int64_t> times) {
  for (size_t i = 1; i < times.size(); ++i) {
    add(times[i] - times[i - 1]);
  }
}

void IntDistribution::spill() {
  dense_.assign(static_cast<size_t>(kDenseLimitUs), 0);
  for (const int64_t v : list_) {
    if (v >= 0 && v < kDenseLimitUs) {
      ++dense_[static_cast<size_t>(v)];
    } else {
      outliers_.push_back(v);
    }
  }
  list_.clear();
  list_.shrink_to_fit();
  dense_mode_ = true;
}

std::vector<int64_t> IntDistribution::valuesAtRanks(std::span<const int64_t> ranks) const {
  std::vector<int64_t> values;
  values.reserve(ranks.size());
  if (!dense_mode_) {
    std::vector<int64_t> sorted = list_;
    std::sort(sorted.begin(), sorted.end());
    for (const int64_t r : ranks) {
      values.push_back(sorted[static_cast<size_t>(r)]);
    }
    return values;
  }
  std::vector<int64_t> outliers = outliers_;
  std::sort(outliers.begin(), outliers.end());
  const auto negatives = static_cast<int64_t>(
      std::lower_bound(outliers.begin(), outliers.end(), int64_t{0}) - outliers.begin());
  // Walk the three ordered parts (negative outliers, dense counts, large outliers) once.
  size_t next = 0;
  for (; next < ranks.size() && ranks[next] < negatives; ++next) {
    values.push_back(outliers[static_cast<size_t>(ranks[next])]);
  }
  int64_t seen = negatives;
  for (size_t v = 0; v < dense_.size() && next < ranks.size(); ++v) {
    seen += dense_[v];
    while (next < ranks.size() && ranks[next] < seen) {
      values.push_back(static_cast<int64_t>(v));
      ++next;
    }
  }
  for (; next < ranks.size(); ++next) {
    const int64_t inLarge = ranks[next] - seen;
    values.push_back(outliers[static_cast<size_t>(negatives + inLarge)]);
  }
  return values;
}

std::vector<double> IntDistribution::percentiles(std::span<const double> qs) const {
  std::vector<double> result;
  if (count_ == 0) {
    return result;
  }
  // Each percentile interpolates between two ranks; fetch all of them in one walk.
  std::vector<PercentileRank> wanted;
  std::vector<int64_t> sortedRanks;
  for (const double q : qs) {
    const PercentileRank r = percentileRank(static_cast<size_t>(count_), q);
    wanted.push_back(r);
    sortedRanks.push_back(static_cast<int64_t>(r.lower));
    sortedRanks.push_back(static_cast<int64_t>(r.upper));
  }
  std::sort(sortedRanks.begin(), sortedRanks.end());
  sortedRanks.erase(std::unique(sortedRanks.begin(), sortedRanks.end()), sortedRanks.end());
  const std::vector<int64_t> values = valuesAtRanks(sortedRanks);
  auto valueAt = [&](size_t rank) {
    const auto it =
        std::lower_bound(sortedRanks.begin(), sortedRanks.end(), static_cast<int64_t>(rank));
    return static_cast<double>(values[static_cast<size_t>(it - sortedRanks.begin())]);
  };
  for (const PercentileRank& r : wanted) {
    result.push_back(r.interpolate(valueAt(r.lower), valueAt(r.upper)));
  }
  return result;
}

std::optional<Summary> IntDistribution::summary() const {
  if (count_ == 0) {
    return std::nullopt;
  }
  constexpr double kQs[] = {50, 90, 95, 99};
  const auto p = percentiles(kQs);
  Summary s;
  s.count = count_;
  s.mean = sum_ / static_cast<double>(count_);
  s.min = static_cast<double>(min_);
  s.p50 = p[0];
  s.p90 = p[1];
  s.p95 = p[2];
  s.p99 = p[3];
  s.max = static_cast<double>(max_);
  return s;
}

} // namespace tt::analyze
