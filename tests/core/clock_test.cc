#include "core/clock.h"

#include <catch2/catch.hpp>

TEST_CASE("the monotonic clock never goes back") {
  tt::MonotonicClock clock;
  int64_t previous = clock.nowNs();
  for (int i = 0; i < 10'000; ++i) {
    const int64_t now = clock.nowNs();
    REQUIRE(now >= previous);
    previous = now;
  }
}

TEST_CASE("the manual clock moves only when told") {
  tt::ManualClock clock(1'000);
  CHECK(clock.nowNs() == 1'000);
  clock.advanceNs(2'500);
  CHECK(clock.nowNs() == 3'500);
  CHECK(clock.nowUs() == 3);
  clock.setNs(0);
  CHECK(clock.nowNs() == 0);
}
