#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tt::replay {

// Nearest-rank percentile (p in [0, 100]) of `values`; nullopt when empty. Copies and selects:
// O(n), for summaries and the progress line.
std::optional<int64_t> percentile(const std::vector<int64_t>& values, double p);

} // namespace tt::replay
