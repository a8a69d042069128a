#include "analyze/curve_fit.h"

#include <Eigen/Dense>
#include <unsupported/Eigen/NonLinearOptimization>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace tt::analyze {
namespace {

int distinctCount(std::span<const double> x) {
  return static_cast<int>(std::set<double>(x.begin(), x.end()).size());
}

std::optional<std::string> checkPoints(std::span<const double> x, std::span<const double> y,
                                       int needed, const char* model) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      return std::string("a point is not a finite number");
    }
  }
  const int distinct = distinctCount(x);
  if (distinct < needed) {
    return "the " + std::string(model) + " model needs at least " + std::to_string(needed) +
           " points at distinct throughputs, there " + (distinct == 1 ? "is " : "are ") +
           std::to_string(distinct);
  }
  return std::nullopt;
}

// Solves min |A p - y| and returns the sum of squared residuals.
double leastSquares(const Eigen::MatrixXd& a, const Eigen::VectorXd& y, Eigen::VectorXd& p) {
  p = a.colPivHouseholderQr().solve(y);
  return (a * p - y).squaredNorm();
}

Eigen::VectorXd toVector(std::span<const double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    out(static_cast<Eigen::Index>(i)) = v[i];
  }
  return out;
}

// Residuals of the queueing model in parameters (base, scale, log(capacity - xMax)), which keeps
// the capacity above every measured throughput whatever step the optimiser takes.
struct QueueingResiduals {
  using Scalar = double;
  enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };
  using InputType = Eigen::VectorXd;
  using ValueType = Eigen::VectorXd;
  using JacobianType = Eigen::MatrixXd;

  Eigen::VectorXd x;
  Eigen::VectorXd y;
  double xMax = 0;

  int inputs() const { return 3; }
  int values() const { return static_cast<int>(x.size()); }
  int operator()(const Eigen::VectorXd& p, Eigen::VectorXd& f) const {
    const double capacity = xMax + std::exp(p(2));
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      f(i) = p(0) + p(1) * x(i) / (capacity - x(i)) - y(i);
    }
    return 0;
  }
  int df(const Eigen::VectorXd& p, Eigen::MatrixXd& j) const {
    const double margin = std::exp(p(2));
    const double capacity = xMax + margin;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double d = capacity - x(i);
      j(i, 0) = 1;
      j(i, 1) = x(i) / d;
      j(i, 2) = -p(1) * x(i) / (d * d) * margin;
    }
    return 0;
  }
};

} // namespace

template <typename Model>
FitError fitErrorOf(const Model& model, std::span<const double> x, std::span<const double> y,
                    int parameters) {
  FitError e;
  e.points = static_cast<int>(x.size());
  e.parameters = parameters;
  double sse = 0;
  double mean = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = model.at(x[i]) - y[i];
    sse += r * r;
    mean += y[i];
  }
  mean /= static_cast<double>(x.size());
  double total = 0;
  for (const double v : y) {
    total += (v - mean) * (v - mean);
  }
  const auto n = static_cast<double>(x.size());
  e.rmse = std::sqrt(sse / n);
  e.relativeRmse = mean != 0 ? e.rmse / std::abs(mean) : 0;
  e.rSquared = total > 0 ? 1 - sse / total : (sse == 0 ? 1 : 0);
  // Residuals below a millionth of the latency are rounding, not information: without a floor
  // two models that both match exact data would compare by the logarithm of rounding noise.
  const double floor = std::pow(1e-6 * std::max(std::abs(mean), 1e-3), 2);
  const double k = parameters;
  e.aicc = n * std::log(std::max(sse / n, floor)) + 2 * k + 2 * k * (k + 1) / (n - k - 1);
  return e;
}

template FitError fitErrorOf(const LinearModel&, std::span<const double>, std::span<const double>,
                             int);
template FitError fitErrorOf(const QueueingModel&, std::span<const double>, std::span<const double>,
                             int);
template FitError fitErrorOf(const PiecewiseModel&, std::span<const double>,
                             std::span<const double>, int);

FitResult<LinearModel> fitLine(std::span<const double> x, std::span<const double> y) {
  if (auto why = checkPoints(x, y, minPointsFor(kLineParameters), "straight-line")) {
    return {std::nullopt, *why};
  }
  const Eigen::VectorXd xv = toVector(x);
  Eigen::MatrixXd a(xv.size(), 2);
  a.col(0).setOnes();
  a.col(1) = xv;
  Eigen::VectorXd p;
  leastSquares(a, toVector(y), p);
  const LinearModel model{p(0), p(1)};
  return {Fit<LinearModel>{model, fitErrorOf(model, x, y, kLineParameters)}, ""};
}

FitResult<QueueingModel> fitQueueing(std::span<const double> x, std::span<const double> y) {
  if (auto why = checkPoints(x, y, minPointsFor(kQueueingParameters), "queueing")) {
    return {std::nullopt, *why};
  }
  const double xMax = *std::max_element(x.begin(), x.end());
  if (xMax <= 0) {
    return {std::nullopt, "every throughput is zero"};
  }
  const Eigen::VectorXd xv = toVector(x);
  const Eigen::VectorXd yv = toVector(y);
  const auto n = xv.size();

  // Start: for a given capacity the model is linear in base and scale; try capacities from just
  // above the highest throughput to a hundred times it.
  double bestSse = std::numeric_limits<double>::infinity();
  Eigen::VectorXd start(3);
  for (int k = 0; k <= 400; ++k) {
    const double margin = xMax * std::pow(10.0, -4.0 + 6.0 * k / 400.0);
    Eigen::MatrixXd a(n, 2);
    a.col(0).setOnes();
    a.col(1) = xv.array() / (xMax + margin - xv.array());
    Eigen::VectorXd p;
    const double sse = leastSquares(a, yv, p);
    if (sse < bestSse && p(1) >= 0) {
      bestSse = sse;
      start << p(0), p(1), std::log(margin);
    }
  }
  if (!std::isfinite(bestSse)) {
    return {std::nullopt, "latency falls as throughput rises: no queueing curve fits"};
  }

  QueueingResiduals residuals{xv, yv, xMax};
  Eigen::LevenbergMarquardt<QueueingResiduals> lm(residuals);
  Eigen::VectorXd p = start;
  lm.minimize(p);
  Eigen::VectorXd f(n);
  residuals(p, f);
  if (!p.allFinite() || !(f.squaredNorm() <= bestSse)) {
    p = start; // the refinement went astray; the grid's answer stands
  }
  QueueingModel model{p(0), p(1), xMax + std::exp(p(2))};
  return {Fit<QueueingModel>{model, fitErrorOf(model, x, y, kQueueingParameters)}, ""};
}

FitResult<PiecewiseModel> fitPiecewise(std::span<const double> x, std::span<const double> y) {
  if (auto why = checkPoints(x, y, minPointsFor(kPiecewiseParameters), "piecewise")) {
    return {std::nullopt, *why};
  }
  std::vector<double> sorted(x.begin(), x.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const Eigen::VectorXd xv = toVector(x);
  const Eigen::VectorXd yv = toVector(y);
  const auto n = xv.size();
  double bestSse = std::numeric_limits<double>::infinity();
  PiecewiseModel best;
  // The break stays strictly inside, with at least two distinct points on each side.
  constexpr int kSteps = 50;
  for (size_t i = 1; i + 2 < sorted.size(); ++i) {
    for (int s = 0; s < kSteps; ++s) {
      const double breakX = sorted[i] + (sorted[i + 1] - sorted[i]) * s / kSteps;
      Eigen::MatrixXd a(n, 3);
      a.col(0).setOnes();
      a.col(1) = xv;
      a.col(2) = (xv.array() - breakX).max(0.0);
      Eigen::VectorXd p;
      const double sse = leastSquares(a, yv, p);
      // A second line less steep than the first is latency falling under more load: points
      // capped by rejected requests, or noise, never the shape of a server's curve.
      if (sse < bestSse && p(2) >= 0) {
        bestSse = sse;
        best = {p(0), p(1), p(2), breakX};
      }
    }
  }
  if (!std::isfinite(bestSse)) {
    return {std::nullopt, "latency bends down, not up, as throughput rises: no piecewise curve"};
  }
  return {Fit<PiecewiseModel>{best, fitErrorOf(best, x, y, kPiecewiseParameters)}, ""};
}

std::optional<double> kneedle(std::span<const double> x, std::span<const double> y) {
  if (x.size() < 3) {
    return std::nullopt;
  }
  const auto [xLo, xHi] = std::minmax_element(x.begin(), x.end());
  const auto [yLo, yHi] = std::minmax_element(y.begin(), y.end());
  const double xSpan = *xHi - *xLo;
  const double ySpan = *yHi - *yLo;
  if (xSpan <= 0 || ySpan <= 0) {
    return std::nullopt;
  }
  double bestDistance = 0;
  std::optional<double> knee;
  for (size_t i = 0; i < x.size(); ++i) {
    const double distance = (x[i] - *xLo) / xSpan - (y[i] - *yLo) / ySpan;
    if (distance > bestDistance) {
      bestDistance = distance;
      knee = x[i];
    }
  }
  if (bestDistance < kMinKneeDistance) {
    return std::nullopt;
  }
  return knee;
}

} // namespace tt::analyze
