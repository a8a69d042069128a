#pragma once

#include "analyze/distribution.h"
#include "analyze/request_record.h"

#include <cstdint>
#include <optional>
#include <span>

namespace tt::analyze {

// A replay (or simulation) next to the trace it re-ran, request by request: each replayed
// request is matched to its source through source_request_id, and the differences
// (replay - source) of the matched pairs where both succeeded are summarised.
struct RequestDeltas {
  int64_t replayTraceId = 0;
  int64_t sourceTraceId = 0;
  int64_t matched = 0;        // replayed requests whose source is in the source trace
  int64_t unmatched = 0;      // replayed requests without one
  int64_t bothOk = 0;         // matched pairs where both succeeded
  int64_t outcomeChanged = 0; // matched pairs whose outcome differs
  std::optional<Summary> ttftUs;
  std::optional<Summary> tpotUs;
  std::optional<Summary> e2eUs;
  std::optional<Summary> outputTokens;
};

RequestDeltas compareRequests(std::span<const RequestRecord> source,
                              std::span<const RequestRecord> replay);

} // namespace tt::analyze
