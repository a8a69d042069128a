#pragma once

#include "schema/store.h"
#include "tune/forward_recovery.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tt::tune {

// TGI's own account of its decode forwards, from the /metrics samples `tracetune proxy` scraped
// during a capture: between two scrapes, tgi_batch_forward_duration{method="decode"}'s _sum and
// _count give the mean decode forward. Set beside the decode forwards recovered from the token
// times in the same windows, it checks the recovery against the server (docs/calibrate.md,
// "Evidence from /metrics").
struct MetricsEvidence {
  int64_t intervals = 0;         // scrape intervals with decode forwards on both accounts
  int64_t serverForwards = 0;    // decode forwards the server counted in them
  double serverMs = 0;           // their mean, by the server's histogram
  int64_t recoveredForwards = 0; // measured decode forwards recovered in them
  double recoveredMs = 0;        // their mean
};

// One scrape of the decode histogram: its time on the trace's axis, and its running totals.
struct DecodeTotals {
  int64_t tUs = 0;
  double seconds = 0;
  double count = 0;
};

// The decode histogram's scrapes of a trace, in time order (none when it has no such samples).
std::vector<DecodeTotals> readDecodeTotals(Store& store, int64_t traceId);

// The comparison, or nothing when no interval has forwards on both accounts. `timeScale` maps
// the trace's axis to the server's, where the schedule's times are (tgi-sim's --time-scale).
std::optional<MetricsEvidence> compareWithServer(const std::vector<DecodeTotals>& scrapes,
                                                 const RecoveredSchedule& schedule,
                                                 double timeScale);

} // namespace tt::tune
