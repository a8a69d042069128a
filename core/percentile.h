#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tt {

// The one percentile definition of the project (analyze and replay): linear interpolation
// between the closest ranks, as numpy.percentile's default does (what AIPerf and vLLM bench
// call), so the numbers compare one for one.
//
// Where the q-th percentile (0..100) of n > 0 ascending values lies: `fraction` of the way from
// the value at 0-based rank `lower` to the value at rank `upper`.
struct PercentileRank {
  size_t lower = 0;
  size_t upper = 0;
  double fraction = 0;

  double interpolate(double atLower, double atUpper) const {
    return atLower + (atUpper - atLower) * fraction;
  }
};
PercentileRank percentileRank(size_t n, double q);

// The q-th percentile (0..100) of `values` in any order; nullopt when empty. Copies and selects:
// O(n).
std::optional<double> percentile(std::span<const int64_t> values, double q);

} // namespace tt
