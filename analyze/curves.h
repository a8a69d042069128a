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
};

// The point's percentile (50, 90 or 99) of a metric, in microseconds.
std::optional<double> pointLatencyUs(const CurvePoint& point, CurveMetric metric, int percentile);

// Highest throughput at which at least kAttainmentTarget of the requests meet every SLO,
// interpolated between the last point that does and the next that does not; the true value lies
// in [lowPerS, highPerS]. Only ever inside the measured range: when every point meets the SLOs,
// or none does, there is no capacity, only a bound.
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
  std::vector<SeriesFit> fits;    // TTFT, ITL, e2e at p50, p90, p99
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
};

Curves computeCurves(const std::string& family, const std::vector<FamilyMember>& members,
                     const Slo& slo);

// Capacity from points' attainment (exposed for tests).
std::optional<Capacity> capacityOf(const std::vector<CurvePoint>& points, std::string& whyNot);

} // namespace tt::analyze
