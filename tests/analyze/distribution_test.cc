#include "analyze/distribution.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace tt::analyze;

namespace {

// The reference definition, written out: numpy.percentile's linear interpolation.
double referencePercentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = q / 100 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(rank);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

} // namespace

TEST_CASE("percentiles match numpy's on small cases") {
  std::vector<double> v{15, 20, 35, 40, 50};
  const auto s = summarize(v);
  REQUIRE(s);
  CHECK(s->p50 == 35);
  CHECK(s->p90 == Approx(46));   // numpy.percentile([15,20,35,40,50], 90)
  CHECK(s->p99 == Approx(49.6)); // numpy.percentile(..., 99)
  CHECK(s->mean == 32);
  std::vector<double> one{7};
  CHECK(summarize(one)->p99 == 7);
  std::vector<double> none;
  CHECK(!summarize(none));
}

TEST_CASE("percentiles match a sorted reference on random data") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(10, 1);
  std::vector<double> values(10'001);
  for (auto& v : values) {
    v = dist(rng);
  }
  auto copy = values;
  const auto s = summarize(copy);
  for (const auto& [q, got] : {std::pair{50.0, s->p50}, std::pair{90.0, s->p90},
                               std::pair{95.0, s->p95}, std::pair{99.0, s->p99}}) {
    CHECK(got == Approx(referencePercentile(values, q)));
  }
  CHECK(s->max == *std::max_element(values.begin(), values.end()));
}

TEST_CASE("the integer distribution is exact in list and in counting mode") {
  std::mt19937_64 rng(7);
  std::geometric_distribution<int64_t> gaps(1.0 / 30'000);
  for (const size_t n :
       {size_t{1}, size_t{2}, size_t{1000}, IntDistribution::kListLimit + 12'345}) {
    IntDistribution d;
    std::vector<double> reference;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = gaps(rng);
      if (i % 50'000 == 3) {
        v = -5; // clock skew in an import
      } else if (i % 70'000 == 5) {
        v = IntDistribution::kDenseLimitUs + 17; // a long stall
      }
      d.add(v);
      reference.push_back(static_cast<double>(v));
    }
    const auto s = d.summary();
    REQUIRE(s);
    CHECK(s->count == static_cast<int64_t>(n));
    for (const auto& [q, got] : {std::pair{50.0, s->p50}, std::pair{90.0, s->p90},
                                 std::pair{95.0, s->p95}, std::pair{99.0, s->p99}}) {
      CHECK(got == Approx(referencePercentile(reference, q)));
    }
    const double qs[] = {0, 0.001, 100};
    const auto extremes = d.percentiles(qs);
    CHECK(extremes[0] == *std::min_element(reference.begin(), reference.end()));
    CHECK(extremes[1] == Approx(referencePercentile(reference, 0.001)));
    CHECK(extremes[2] == *std::max_element(reference.begin(), reference.end()));
  }
  CHECK(!IntDistribution().summary());
}
