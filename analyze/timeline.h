#pragma once

#include "analyze/request_record.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tt::analyze {

// A trace over time in equal buckets (at most kMaxBuckets), for the report's timeline chart.
struct TimelineBucket {
  double startS = 0;               // from the trace's first send
  double sendRatePerS = 0;         // requests sent in the bucket / its width
  double meanInFlight = 0;         // time-average of requests sent and not yet ended
  std::optional<double> ttftP50Us; // of successful requests sent in the bucket
  std::optional<double> e2eP50Us;
};

struct Timeline {
  double bucketS = 0;
  std::vector<TimelineBucket> buckets;
};

constexpr size_t kMaxBuckets = 120;

// Empty when the trace spans no time.
Timeline computeTimeline(std::span<const RequestRecord> records);

} // namespace tt::analyze
