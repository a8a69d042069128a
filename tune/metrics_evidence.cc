#include "tune/metrics_evidence.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tt::tune {

std::vector<DecodeTotals> readDecodeTotals(Store& store, int64_t traceId) {
  auto stmt = store.db().prepare(
      "SELECT t_us, name, value FROM samples WHERE trace_id = ? AND labels = 'method=\"decode\"' "
      "AND name IN ('tgi_batch_forward_duration_sum', 'tgi_batch_forward_duration_count') "
      "ORDER BY t_us");
  stmt.bind(1, traceId);
  std::map<int64_t, DecodeTotals> byTime;
  while (stmt.step()) {
    DecodeTotals& totals = byTime[stmt.int64(0)];
    totals.tUs = stmt.int64(0);
    (stmt.text(1).ends_with("_sum") ? totals.seconds : totals.count) = stmt.real(2);
  }
  std::vector<DecodeTotals> scrapes;
  for (const auto& [t, totals] : byTime) {
    scrapes.push_back(totals);
  }
  return scrapes;
}

std::optional<MetricsEvidence> compareWithServer(const std::vector<DecodeTotals>& scrapes,
                                                 const RecoveredSchedule& schedule,
                                                 double timeScale) {
  MetricsEvidence e;
  double serverSeconds = 0;
  double recoveredMs = 0;
  for (size_t i = 1; i < scrapes.size(); ++i) {
    const double forwards = scrapes[i].count - scrapes[i - 1].count;
    const double seconds = scrapes[i].seconds - scrapes[i - 1].seconds;
    if (forwards <= 0 || seconds < 0) {
      continue; // nothing decoded, or the server restarted (its totals began again)
    }
    // The window on the server's axis, where the recovered forwards are.
    const auto from = static_cast<int64_t>(std::llround(scrapes[i - 1].tUs * timeScale));
    const auto to = static_cast<int64_t>(std::llround(scrapes[i].tUs * timeScale));
    int64_t recovered = 0;
    double ms = 0;
    for (const RecoveredForward& f : schedule.forwards) {
      if (f.endUs > from && f.endUs <= to && f.measured() && f.prompts.empty() &&
          f.decodeSeqs > 0) {
        ++recovered;
        ms += *f.ms();
      }
    }
    if (recovered == 0) {
      continue;
    }
    ++e.intervals;
    e.serverForwards += std::llround(forwards);
    serverSeconds += seconds;
    e.recoveredForwards += recovered;
    recoveredMs += ms;
  }
  if (e.intervals == 0) {
    return std::nullopt;
  }
  e.serverMs = serverSeconds * 1000 / static_cast<double>(e.serverForwards);
  e.recoveredMs = recoveredMs / static_cast<double>(e.recoveredForwards);
  return e;
}

} // namespace tt::tune
