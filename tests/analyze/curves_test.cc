#include "analyze/curve_fit.h"
#include "analyze/curves.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace tt::analyze;

namespace {

// A deterministic wobble of +-0.5% so the fit has residuals to minimise.
double noise(size_t i) {
  return 1 + 0.005 * std::sin(static_cast<double>(i) * 2.3);
}

} // namespace

TEST_CASE("the queueing fit recovers known parameters within 2%") {
  const QueueingModel truth{250, 40, 12}; // 250 ms base, saturating at 12 req/s
  std::vector<double> x;
  std::vector<double> y;
  for (size_t i = 0; i < 20; ++i) {
    x.push_back(1 + static_cast<double>(i) * 0.55);
    y.push_back(truth.at(x.back()) * noise(i));
  }
  const auto result = fitQueueing(x, y);
  REQUIRE(result.fit);
  const auto& m = result.fit->model;
  CHECK(m.base == Approx(truth.base).epsilon(0.02));
  CHECK(m.scale == Approx(truth.scale).epsilon(0.02));
  CHECK(m.capacity == Approx(truth.capacity).epsilon(0.02));
  CHECK(result.fit->error.relativeRmse < 0.02);
  CHECK(result.fit->error.rSquared > 0.99);

  SECTION("exact data is matched exactly") {
    std::vector<double> exact;
    for (const double v : x) {
      exact.push_back(truth.at(v));
    }
    const auto e = fitQueueing(x, exact);
    CHECK(e.fit->model.capacity == Approx(12).epsilon(1e-4));
    CHECK(e.fit->error.rmse < 1e-3);
  }
}

TEST_CASE("the piecewise fit recovers its break point within 2%") {
  const PiecewiseModel truth{100, 5, 60, 20};
  std::vector<double> x;
  std::vector<double> y;
  for (size_t i = 0; i < 12; ++i) {
    x.push_back(2.5 * static_cast<double>(i + 1));
    y.push_back(truth.at(x.back()) * noise(i));
  }
  const auto result = fitPiecewise(x, y);
  REQUIRE(result.fit);
  CHECK(result.fit->model.breakX == Approx(20).epsilon(0.02));
  CHECK(result.fit->model.extraSlope == Approx(60).epsilon(0.02));
  CHECK(result.fit->model.base == Approx(100).epsilon(0.02));
}

TEST_CASE("too few points: no fit, and the reason") {
  const std::vector<double> x{3, 3, 5};
  const std::vector<double> y{100, 120, 300};
  const auto q = fitQueueing(x, y);
  CHECK(!q.fit);
  CHECK(q.whyNot ==
        "the queueing model needs at least 5 points at distinct throughputs, there are 2");
  const auto one = fitQueueing(std::vector<double>{4}, std::vector<double>{10});
  CHECK_THAT(one.whyNot, Catch::EndsWith("there is 1"));
  CHECK(!fitPiecewise(x, y).fit);
  CHECK(!fitLine(x, y).fit);
}

TEST_CASE("the knee of a saturating curve lies before its capacity, a line has none") {
  const QueueingModel model{200, 20, 10};
  std::vector<double> x;
  std::vector<double> y;
  for (int i = 0; i <= 18; ++i) {
    x.push_back(0.5 * i);
    y.push_back(model.at(x.back()));
  }
  const auto fit = fitSeries(CurveMetric::Ttft, 90, x, y);
  CHECK(fit.chosen == "queueing");
  REQUIRE(fit.kneePerS);
  CHECK(*fit.kneePerS > 6);
  CHECK(*fit.kneePerS < 9);

  std::vector<double> line;
  for (const double v : x) {
    line.push_back(100 + 3 * v);
  }
  CHECK(!kneedle(x, line));
}

TEST_CASE("capacity is interpolated between the last point meeting the SLOs and the next") {
  std::vector<CurvePoint> points(4);
  const double rates[] = {2, 4, 6, 8};
  const double attainment[] = {1.0, 0.95, 0.85, 0.3};
  for (size_t i = 0; i < 4; ++i) {
    points[i].throughputPerS = rates[i];
    points[i].sloAttainment = attainment[i];
  }
  std::string why;
  auto c = capacityOf(points, why);
  REQUIRE(c);
  CHECK(c->ratePerS == Approx(5)); // 0.95 -> 0.85 crosses 0.9 half way from 4 to 6
  CHECK(c->lowPerS == 4);
  CHECK(c->highPerS == 6);

  // Every point passing puts the capacity beyond the data: a bound, not a value.
  points[3].sloAttainment = 0.92;
  points[2].sloAttainment = 0.91;
  CHECK(!capacityOf(points, why));
  CHECK_THAT(why, Catch::StartsWith("no capacity inside the measured range"));
  CHECK_THAT(why, Catch::Contains("at least 8 req/s"));

  for (auto& p : points) {
    p.sloAttainment = 0.5;
  }
  CHECK(!capacityOf(points, why));
  CHECK_THAT(why, Catch::StartsWith("no capacity inside the measured range"));
  CHECK_THAT(why, Catch::Contains("below 2 req/s"));
  for (auto& p : points) {
    p.sloAttainment.reset();
  }
  CHECK(!capacityOf(points, why));
  CHECK_THAT(why, Catch::Contains("--slo"));
}

TEST_CASE("a point capped by rejected requests is marked and left out of the fit") {
  // Five points served in full on a saturating curve, then one where the server refused 40% of
  // the requests: its throughput is capped past the top served point, its latency lower.
  const QueueingModel served{100, 20, 7};
  const double rates[] = {1, 2, 3, 4, 5, 5.5};
  std::vector<TraceMetrics> metrics(6);
  std::vector<FamilyMember> members;
  for (size_t i = 0; i < 6; ++i) {
    TraceMetrics& m = metrics[i];
    m.requests = 100;
    m.ok = i == 5 ? 60 : 100;
    m.requestRatePerS = rates[i];
    m.offeredRatePerS = i == 5 ? 9.0 : rates[i];
    m.e2eUs = Summary{.count = m.ok, .p90 = (i == 5 ? 135 : served.at(rates[i])) * 1e3};
    m.goodput = Goodput{.fraction = i == 5 ? 0.5 : i == 4 ? 0.85 : 1.0};
    tt::TraceInfo info{.id = static_cast<int64_t>(i + 1), .label = "sweep " + std::to_string(i)};
    members.push_back({info, &m, 1});
  }
  Slo slo;
  slo.e2eUs = 140e3;
  const Curves curves = computeCurves("sweep", members, slo);
  REQUIRE(curves.configurations.size() == 1);
  const Configuration& c = curves.configurations[0];
  REQUIRE(c.points.size() == 6);
  CHECK(c.points[5].rejected);
  CHECK(c.points[5].failedShare() == Approx(0.4));
  for (size_t i = 0; i < 5; ++i) {
    CHECK(!c.points[i].rejected);
  }
  const SeriesFit* f = c.fit(CurveMetric::E2e, 90);
  REQUIRE(f != nullptr);
  REQUIRE(!f->chosen.empty());
  CHECK(f->chosenError()->points == 5);
  CHECK(f->modelAt(5.5) > f->modelAt(5)); // no bend down towards the capped point
  CHECK(f->modelAt(5) == Approx(served.at(5)).epsilon(0.02));
  // The capacity still counts the rejected point's failures as missing the objectives.
  REQUIRE(c.capacity);
  CHECK(c.capacity->lowPerS == 4);
  CHECK(c.capacity->highPerS == 5);
}

TEST_CASE("failures every point shows belong to the traffic and reject nothing") {
  std::vector<CurvePoint> points(3);
  for (auto& p : points) {
    p.requests = 100;
    p.failed = 9;
  }
  points[2].failed = 13; // four points more than the others: under kRejectedExcess
  markRejected(points);
  for (const auto& p : points) {
    CHECK(!p.rejected);
  }
  points[2].failed = 15;
  markRejected(points);
  CHECK(points[2].rejected);
}
