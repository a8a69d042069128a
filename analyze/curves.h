#pragma once

#include "analyze/distribution.h"
#include "analyze/series_fit.h"
#include "analyze/slo.h"
#include "analyze/trace_metrics.h"
#include "schema/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::analyze {

// One trace of a family as a point of the latency-throughput curve.
struct CurvePoint {
  int64_t traceId = 0;
  std::string label;
  double throughputPerS = 0; // successful requests per second
  std::optional<double> offeredRatePerS;
  std::optional<double> outputTokensPerS;
  std::optional<Summary> ttftUs;
  std::optional<Summary> itlUs;
  std::optional<Summary> e2eUs;
  std::optional<double> sloAttainment; // fraction of requests meeting every objective
  std::string load;                    // how the run was loaded: "2x", "5/s" (loadLabel)
  int64_t requests = 0;
  int64_t failed = 0; // refused (429, 422, ...) or failed otherwise: not in the throughput
  // More of its requests failed than at the configuration's least-failing point, by over
  // kRejectedExcess: its throughput was capped by the server refusing work, not set by the load,
  // so the point is shown but not fitted.
  bool rejected = false;
  double failedShare() const {
    return requests > 0 ? static_cast<double>(failed) / static_cast<double>(requests) : 0;
  }
};
// Failures every point shows (prompts too long for the server, a client's bad requests) belong
// to the traffic; beyond them, this share marks a point whose throughput the failures capped.
constexpr double kRejectedExcess = 0.05;

// The point's percentile (50, 90 or 99) of a metric, in microseconds.
std::optional<double> pointLatencyUs(const CurvePoint& point, CurveMetric metric, int percentile);

// Highest throughput at which at least kAttainmentTarget of the requests meet every SLO,
// interpolated between the last point that does and the next that does not; the true value lies
// in [lowPerS, highPerS]. Only ever inside the measured range: when every point meets the SLOs,
// or none does, there is no capacity, only a bound. Rejected points take part: their failed
// requests count as missing the objectives, and their throughput is what was served.
struct Capacity {
  double ratePerS = 0;
  double lowPerS = 0;
  double highPerS = 0;
};
constexpr double kAttainmentTarget = 0.9; // DistServe's 90% SLO attainment

// Traces of a family that share a server configuration (their server_info).
struct Configuration {
  std::string name;
  std::vector<CurvePoint> points; // by throughput
  std::vector<SeriesFit> fits;    // TTFT, ITL, e2e at p50, p90, p99, of the points not rejected
  std::optional<Capacity> capacity;
  std::string capacityWhyNot;
  const SeriesFit* fit(CurveMetric metric, int percentile) const;
};

struct Curves {
  std::string family;
  std::vector<Configuration> configurations;
  std::vector<std::string> notes;
};

struct FamilyMember {
  TraceInfo info;
  const TraceMetrics* metrics = nullptr;
  double timeScale = 1; // serverTimeScale of the trace, for its load's name
};

Curves computeCurves(const std::string& family, const std::vector<FamilyMember>& members,
                     const Slo& slo);

// Marks the points whose failures capped their throughput (exposed for tests).
void markRejected(std::vector<CurvePoint>& points);
// Capacity from points' attainment (exposed for tests).
std::optional<Capacity> capacityOf(const std::vector<CurvePoint>& points, std::string& whyNot);

} // namespace tt::analyze
