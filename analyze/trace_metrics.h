#pragma once

#include "analyze/distribution.h"
#include "analyze/request_record.h"
#include "analyze/slo.h"
#include "core/exchange.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tt::analyze {

// Requests that met every objective of an Slo, as a rate over the trace's duration and as a
// fraction of all its requests (a failed request is never good).
struct Goodput {
  int64_t good = 0;
  double ratePerS = 0;
  double fraction = 0;
};

// One trace's aggregates. Latencies are microseconds and cover successful requests; an absent
// value means the trace has nothing to compute it from (the notes say why).
struct TraceMetrics {
  int64_t requests = 0;
  int64_t ok = 0;
  std::vector<std::pair<Outcome, int64_t>> outcomes; // outcomes that occurred, in enum order
  std::optional<double> durationS;                   // first send to last end, over every request
  std::optional<double> offeredRatePerS; // (requests - 1) / span of the planned (or actual) sends
  std::optional<double> requestRatePerS; // successful requests / duration
  std::optional<double> inputTokenRatePerS;
  std::optional<double> outputTokenRatePerS;
  int64_t inputTokens = 0; // of successful requests that state it
  int64_t outputTokens = 0;
  std::optional<Summary> ttftUs;
  std::optional<Summary> itlUs; // every gap between consecutive token events, pooled
  std::optional<Summary> tpotUs;
  std::optional<Summary> e2eUs;
  std::optional<Summary> tgiQueueUs; // TGI's x-queue-time, where the answer carried it
  std::optional<Summary> inputTokensPerRequest;
  std::optional<Summary> outputTokensPerRequest;
  // Replays and simulations: the same latencies from the planned send time, and the lag.
  bool hasIntended = false;
  std::optional<Summary> ttftFromIntendedUs;
  std::optional<Summary> e2eFromIntendedUs;
  std::optional<Summary> sendLagUs;
  std::optional<Goodput> goodput;             // with an SLO
  std::optional<Goodput> goodputFromIntended; // with an SLO, for traces with planned sends
  // The 0th..100th percentiles, for distribution charts; empty without data.
  std::vector<double> ttftGridUs;
  std::vector<double> itlGridUs;
  std::vector<std::string> notes; // why something is missing
};

// Whether a request met every objective; latencies from the planned send time if asked.
bool meetsSlo(const RequestRecord& r, const Slo& slo, bool fromIntended);

// Builds a trace's metrics one request at a time, so a million requests with their token times
// need not be held at once: only the records (no token lists) are kept.
class TraceAccumulator {
public:
  explicit TraceAccumulator(Slo slo) : slo_(std::move(slo)) {}

  // `tokenTimesUs`: the request's token event times (may be empty when unknown).
  void add(const RequestRecord& record, std::span<const int64_t> tokenTimesUs);
  TraceMetrics finish() const;
  const std::vector<RequestRecord>& records() const { return records_; }
  std::vector<RequestRecord> takeRecords() { return std::move(records_); }

private:
  Slo slo_;
  std::vector<RequestRecord> records_;
  IntDistribution itl_;
};

} // namespace tt::analyze
