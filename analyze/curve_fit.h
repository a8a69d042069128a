#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tt::analyze {

// How well a model follows the points it was fitted to.
struct FitError {
  int points = 0;
  int parameters = 0;
  double rmse = 0;         // root mean square residual, in the unit of y
  double relativeRmse = 0; // rmse / mean of y
  double rSquared = 0;     // 1 - SSE / total sum of squares (1 when y is constant and matched)
  // The small-sample Akaike information criterion, n ln(SSE / n) + 2k + 2k(k + 1) / (n - k - 1)
  // with k the parameters: lower is better, comparable only between fits of the same points.
  double aicc = 0;
};

// Latency rising in proportion to throughput x: y = base + slope * x.
struct LinearModel {
  double base = 0;
  double slope = 0;
  double at(double x) const { return base + slope * x; }
};

// Latency against throughput x for a server that saturates (docs/metrics.md, "Curves, fits, knee
// and capacity"): y = base + scale * x / (capacity - x), the M/M/1-like form of a queue whose
// waiting time grows as 1 / (1 - rho). base is the latency with no load, capacity the throughput it
// tends to.
struct QueueingModel {
  double base = 0;
  double scale = 0;
  double capacity = 0;
  double at(double x) const { return base + scale * x / (capacity - x); }
};

// Two straight lines joined at `breakX`: y = base + slope * x + extraSlope * max(0, x - breakX),
// the piecewise form (GuideLLM's two-segment knee fit).
struct PiecewiseModel {
  double base = 0;
  double slope = 0;
  double extraSlope = 0;
  double breakX = 0;
  double at(double x) const {
    return base + slope * x + extraSlope * (x > breakX ? x - breakX : 0);
  }
};

template <typename Model> struct Fit {
  Model model;
  FitError error;
};

// A fit or the reason there is none.
template <typename Model> struct FitResult {
  std::optional<Fit<Model>> fit;
  std::string whyNot;
};

// A model of k parameters is fitted only to at least k + 2 points at distinct throughputs: two
// residual degrees of freedom, so that a fit can be seen to miss, and the least n at which AICc
// (whose correction divides by n - k - 1) is defined. A 4-parameter model through 5 points would
// match them whatever they were (R² = 1) and prove nothing.
constexpr int minPointsFor(int parameters) {
  return parameters + 2;
}
constexpr int kLineParameters = 2;
constexpr int kQueueingParameters = 3;
constexpr int kPiecewiseParameters = 4;

// Ordinary least squares. Needs minPointsFor(kLineParameters) distinct x values.
FitResult<LinearModel> fitLine(std::span<const double> x, std::span<const double> y);
// Least squares with Levenberg-Marquardt (Eigen), started from a grid search over capacity in
// which base and scale are solved exactly. Needs minPointsFor(kQueueingParameters) distinct x.
FitResult<QueueingModel> fitQueueing(std::span<const double> x, std::span<const double> y);
// Least squares over the break point (every gap between points, finely), lines solved exactly;
// the second line is never less steep than the first (latency does not fall as load rises).
// Needs minPointsFor(kPiecewiseParameters) distinct x values.
FitResult<PiecewiseModel> fitPiecewise(std::span<const double> x, std::span<const double> y);

// Kneedle (Satopää et al. 2011) on an increasing, convex curve sampled over [lo, hi]: the x of
// greatest distance below the chord of the normalised curve; nullopt when that distance is under
// kMinKneeDistance (the curve is close to a straight line: no knee in the range).
constexpr double kMinKneeDistance = 0.1;
std::optional<double> kneedle(std::span<const double> x, std::span<const double> y);

// Fit error of any model on the points (at least parameters + 2 of them, for the AICc).
template <typename Model>
FitError fitErrorOf(const Model& model, std::span<const double> x, std::span<const double> y,
                    int parameters);

} // namespace tt::analyze
