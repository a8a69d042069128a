#include "analyze/curve_fit.h"
#include "analyze/series_fit.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace tt::analyze;

namespace {

// A deterministic wobble of +-0.5% so the fits have residuals to minimise.
double noise(size_t i) {
  return 1 + 0.005 * std::sin(static_cast<double>(i) * 2.3);
}

} // namespace

TEST_CASE("five points get no four-parameter fit that matches them whatever they are") {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const std::vector<double> y{100, 104, 111, 125, 160};
  const SeriesFit s = fitSeries(CurveMetric::E2e, 90, x, y);
  CHECK(!s.piecewise.fit);
  CHECK(s.piecewise.whyNot ==
        "the piecewise model needs at least 6 points at distinct throughputs, there are 5");
  REQUIRE(!s.chosen.empty());
  CHECK(s.chosenError()->parameters <= kQueueingParameters);
  CHECK_THAT(s.chosenWhy, Catch::StartsWith(s.chosen + ": AICc "));
  CHECK_THAT(s.chosenWhy, Catch::Contains("piecewise not fitted"));
}

TEST_CASE("AICc chooses a line for straight data and the queueing model for a saturating curve") {
  std::vector<double> x;
  std::vector<double> straight;
  std::vector<double> saturating;
  const QueueingModel queue{200, 20, 10};
  for (size_t i = 0; i < 12; ++i) {
    x.push_back(0.75 * static_cast<double>(i + 1));
    straight.push_back((100 + 3 * x.back()) * noise(i));
    saturating.push_back(queue.at(x.back()) * noise(i));
  }
  const SeriesFit line = fitSeries(CurveMetric::Ttft, 90, x, straight);
  CHECK(line.chosen == "line");
  CHECK(line.line.fit->model.slope == Approx(3).epsilon(0.1));
  CHECK(!line.kneePerS);
  CHECK(line.kneeWhyNot == "no knee inside the measured range (a straight line fits best)");

  const SeriesFit queueing = fitSeries(CurveMetric::Ttft, 90, x, saturating);
  CHECK(queueing.chosen == "queueing");
  CHECK_THAT(queueing.chosenWhy, Catch::StartsWith("queueing: AICc "));
  CHECK_THAT(queueing.chosenWhy, Catch::Contains(" against line "));
  CHECK(queueing.queueing.fit->error.aicc < queueing.line.fit->error.aicc - kAiccMargin);
}

TEST_CASE("too few points for even a line: nothing is fitted and the reason is given") {
  const std::vector<double> x{1, 2, 3};
  const std::vector<double> y{100, 110, 130};
  const SeriesFit s = fitSeries(CurveMetric::E2e, 90, x, y);
  CHECK(s.chosen.empty());
  CHECK(s.chosenWhy == "no model fitted: the straight-line model needs at least 4 points at "
                       "distinct throughputs, there are 3");
  CHECK(!s.kneePerS);
  CHECK_THAT(s.kneeWhyNot, Catch::StartsWith("no knee: no model fitted"));
}

TEST_CASE("a knee in the outermost gap of the measurements is not reported") {
  // Saturating just past the last point: the curve bends between the last two measurements.
  const QueueingModel edge{100, 5, 6.1};
  std::vector<double> x;
  std::vector<double> y;
  for (int i = 1; i <= 6; ++i) {
    x.push_back(i);
    y.push_back(edge.at(i));
  }
  const SeriesFit s = fitSeries(CurveMetric::E2e, 90, x, y);
  CHECK(s.chosen == "queueing");
  CHECK(!s.kneePerS);
  CHECK(s.kneeWhyNot ==
        "no knee inside the measured range (latency still rising at the highest load measured)");
}

TEST_CASE("the piecewise model never bends down") {
  // Latency that falls at the top, as when refusals cap the throughput of the last points.
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8};
  const std::vector<double> y{100, 110, 120, 130, 140, 150, 120, 110};
  const auto fit = fitPiecewise(x, y);
  if (fit.fit) {
    CHECK(fit.fit->model.extraSlope >= 0);
  }
  const SeriesFit s = fitSeries(CurveMetric::E2e, 90, x, y);
  REQUIRE(!s.chosen.empty());
  CHECK(s.modelAt(8) >= s.modelAt(6));
}
