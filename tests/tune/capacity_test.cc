#include "tune/capacity.h"

#include "sim/profile_source.h"
#include "tests/tune/tune_fixtures.h"

#include <catch2/catch.hpp>

using namespace tt;

namespace {

sim::SchedulerConfig defaults() {
  return *sim::resolveConfig(sim::LauncherConfig{}).config;
}

} // namespace

TEST_CASE("capacity brackets the load where the attainment falls below the target") {
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::WhatIfTrace trace = test::steadyTrace(200, 100'000, 500, 100); // 10 req/s
  analyze::Slo slo;
  slo.ttftUs = 500'000;
  const tune::CapacityOptions options;
  const tune::Capacity c = tune::findCapacity(trace, defaults(), model, slo, options);
  REQUIRE(c.load > 0);
  REQUIRE(c.failedLoad > c.load);
  CHECK(c.failedLoad / c.load <= 1 + options.tolerance);
  // The bracket is what it says: the attainment holds at `load` and not at `failedLoad`.
  CHECK(c.at->attainment() >= options.attainment);
  CHECK(tune::runAtLoad(trace, defaults(), model, slo, c.failedLoad).attainment() <
        options.attainment);
}

TEST_CASE("capacity outside the range says so instead of inventing a number") {
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::WhatIfTrace trace = test::steadyTrace(50, 1'000'000, 100, 10);
  analyze::Slo loose;
  loose.e2eUs = 1e12; // met at any load
  tune::CapacityOptions options;
  options.maxLoad = 8;
  const tune::Capacity above = tune::findCapacity(trace, defaults(), model, loose, options);
  CHECK(above.aboveRange());
  CHECK(above.load == 8);

  analyze::Slo impossible;
  impossible.ttftUs = 1; // a microsecond: never
  const tune::Capacity below = tune::findCapacity(trace, defaults(), model, impossible, options);
  CHECK(below.belowRange());
  CHECK(below.load == 0);
}
