#pragma once

#include "analyze/curve_fit.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt::analyze {

enum class CurveMetric { Ttft, Itl, E2e };
std::string_view curveMetricName(CurveMetric metric);

// A more complex model is chosen only when its AICc is at least this much below the simpler
// one's: within 2 the data support both about equally (Burnham and Anderson), and the simpler
// one claims less.
constexpr double kAiccMargin = 2;

// A latency series (one metric at one percentile, in milliseconds) against throughput: every
// model the points support fitted, one chosen by AICc, and the knee of the chosen one.
struct SeriesFit {
  CurveMetric metric = CurveMetric::E2e;
  int percentile = 90;
  FitResult<LinearModel> line;
  FitResult<QueueingModel> queueing;
  FitResult<PiecewiseModel> piecewise;
  std::string chosen;    // "line", "queueing", "piecewise", or empty when none fits
  std::string chosenWhy; // the AICc comparison, or why nothing was fitted
  std::optional<double> kneePerS;
  std::string kneeWhyNot; // set exactly when there is no knee
  // The chosen model's latency in ms at `x` requests/s; requires `chosen` non-empty.
  double modelAt(double x) const;
  std::optional<FitError> chosenError() const;
};

// Fits one series, chooses its model and finds its knee (docs/metrics.md, "Curves, fits, knee
// and capacity"). A knee is reported only strictly inside the measured range: between the
// second-lowest and the second-highest throughput, so that measured points lie beyond it on both
// sides; a bend in the outermost gap is where the measurements stop, not where the server turns.
SeriesFit fitSeries(CurveMetric metric, int percentile, const std::vector<double>& throughput,
                    const std::vector<double>& latencyMs);

} // namespace tt::analyze
