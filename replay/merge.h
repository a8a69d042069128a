#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::replay {

struct Merged {
  int64_t traceId = 0;                  // the merged replay trace
  size_t requests = 0;                  // its requests
  size_t traces = 0;                    // the replay traces merged
  std::optional<int64_t> sourceTraceId; // their shared source, copied beside it
};

// Combines the latest replay trace of each of `inputs` (databases holding one shard's replay
// each) into one replay trace in `db` (created if missing), every time moved onto the earliest
// input's time axis (traces.origin_unix_us). When every shard replayed the same source trace,
// the source is copied too and the merged requests link to it. `label` empty: the first
// shard's label and " merged".
Merged mergeReplays(const std::vector<std::string>& inputs, const std::string& db,
                    const std::string& label);

} // namespace tt::replay
