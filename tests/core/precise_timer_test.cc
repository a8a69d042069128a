#include "core/precise_timer.h"

#include "core/clock.h"
#include "core/uv_util.h"

#include <catch2/catch.hpp>

namespace tt {
namespace {

// Closes an opened `timer` (its fd goes in the close callback) and proves the loop empty.
void closeAll(PreciseTimer& timer, LoopGuard& loop) {
  timer.close();
  CHECK_FALSE(timer.closed());
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(timer.closed());
  REQUIRE(loop.close() == 0);
}

} // namespace

TEST_CASE("a precise timer fires once, not before its deadline", "[uv]") {
  LoopGuard loop;
  MonotonicClock clock;
  int fired = 0;
  int64_t firedAtNs = 0;
  PreciseTimer timer(*loop.get(), [&] {
    ++fired;
    firedAtNs = clock.nowNs();
  });
  REQUIRE(timer.init() == 0);
  const int64_t deadlineNs = clock.nowNs() + 2'000'000;
  timer.armAt(clock.nowNs() + 3'600'000'000'000); // replaced by the next deadline
  timer.armAt(deadlineNs);
  // The poll stops once the timer fired, so the loop runs out of work.
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(fired == 1);
  CHECK(firedAtNs >= deadlineNs);
  closeAll(timer, loop);
}

TEST_CASE("a disarmed precise timer does not fire and can be armed again", "[uv]") {
  LoopGuard loop;
  int fired = 0;
  PreciseTimer timer(*loop.get(), [&] { ++fired; });
  REQUIRE(timer.init() == 0);
  timer.armAt(0); // long past: due at once
  timer.disarm();
  timer.disarm(); // nothing pending: no effect
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(fired == 0);
  timer.armAt(0);
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(fired == 1);
  closeAll(timer, loop);
}

TEST_CASE("a precise timer never opened closes at once and ignores arming", "[uv]") {
  LoopGuard loop;
  int fired = 0;
  PreciseTimer timer(*loop.get(), [&] { ++fired; });
  timer.armAt(0);
  timer.close();
  CHECK(timer.closed());
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(fired == 0);
  REQUIRE(loop.close() == 0);
}

} // namespace tt
