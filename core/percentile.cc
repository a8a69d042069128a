#include "core/percentile.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tt {

PercentileRank percentileRank(size_t n, double q) {
  const double rank = q / 100.0 * static_cast<double>(n - 1);
  PercentileRank r;
  r.lower = static_cast<size_t>(std::floor(rank));
  r.upper = std::min(r.lower + 1, n - 1);
  r.fraction = rank - static_cast<double>(r.lower);
  return r;
}

std::optional<double> percentile(std::span<const int64_t> values, double q) {
  if (values.empty()) {
    return std::nullopt;
  }
  std::vector<int64_t> copy(values.begin(), values.end());
  const PercentileRank r = percentileRank(copy.size(), q);
  const auto lower = copy.begin() + static_cast<std::ptrdiff_t>(r.lower);
  std::nth_element(copy.begin(), lower, copy.end());
  // Everything past the selected rank is no smaller: the next rank is the least of those.
  const int64_t atUpper = r.upper == r.lower ? *lower : *std::min_element(lower + 1, copy.end());
  return r.interpolate(static_cast<double>(*lower), static_cast<double>(atUpper));
}

} // namespace tt
