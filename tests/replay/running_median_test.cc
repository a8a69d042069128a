#include "replay/running_median.h"

#include "core/percentile.h"

#include <catch2/catch.hpp>

#include <random>

using tt::replay::RunningMedian;

TEST_CASE("the running median equals the 50th percentile after every value") {
  RunningMedian median;
  CHECK(!median.median());
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> value(-1000, 1000); // repeats included
  std::vector<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const int64_t v = i % 3 == 0 ? 5 : value(random);
    seen.push_back(v);
    median.add(v);
    INFO("after " << seen.size() << " values");
    REQUIRE(median.median() == tt::percentile(seen, 50));
  }
}
