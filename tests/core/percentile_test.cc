#include "core/percentile.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

using tt::percentile;
using tt::percentileRank;

TEST_CASE("percentiles interpolate between ranks as numpy's do") {
  const std::vector<int64_t> v{40, 15, 50, 35, 20};
  CHECK(*percentile(v, 50) == 35);
  CHECK(*percentile(v, 90) == Approx(46));   // numpy.percentile([15,20,35,40,50], 90)
  CHECK(*percentile(v, 99) == Approx(49.6)); // numpy.percentile(..., 99)
  CHECK(*percentile(v, 0) == 15);
  CHECK(*percentile(v, 100) == 50);
  const std::vector<int64_t> even{4, 1, 3, 2};
  CHECK(*percentile(even, 50) == 2.5); // nearest rank would say 2
  const std::vector<int64_t> one{7};
  CHECK(*percentile(one, 99) == 7);
  CHECK(!percentile(std::vector<int64_t>{}, 50));
}

TEST_CASE("a percentile rank names the two closest ranks and the fraction between them") {
  const auto r = percentileRank(5, 90);
  CHECK(r.lower == 3);
  CHECK(r.upper == 4);
  CHECK(r.fraction == Approx(0.6));
  CHECK(r.interpolate(40, 50) == Approx(46));
  const auto top = percentileRank(5, 100);
  CHECK(top.lower == 4);
  CHECK(top.upper == 4);
  CHECK(top.fraction == 0);
}

TEST_CASE("percentiles of unordered values equal those of the sorted values") {
  std::mt19937_64 rng(11);
  std::geometric_distribution<int64_t> dist(1.0 / 5'000);
  for (const size_t n : {size_t{2}, size_t{3}, size_t{1000}, size_t{1001}}) {
    std::vector<int64_t> values(n);
    for (auto& v : values) {
      v = dist(rng);
    }
    std::vector<int64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (const double q : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
      const auto r = percentileRank(n, q);
      const double expected =
          r.interpolate(static_cast<double>(sorted[r.lower]), static_cast<double>(sorted[r.upper]));
      CHECK(*percentile(values, q) == Approx(expected));
    }
  }
}
