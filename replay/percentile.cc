#include "replay/percentile.h"

#include <algorithm>
#include <cmath>

namespace tt::replay {

std::optional<int64_t> percentile(const std::vector<int64_t>& values, double p) {
  if (values.empty()) {
    return std::nullopt;
  }
  std::vector<int64_t> copy = values;
  const auto n = static_cast<double>(copy.size());
  const auto rank = static_cast<size_t>(std::max(1.0, std::ceil(p / 100.0 * n)));
  const auto k = std::min(copy.size() - 1, rank - 1);
  std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k), copy.end());
  return copy[k];
}

} // namespace tt::replay
