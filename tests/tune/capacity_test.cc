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

TEST_CASE("a run stopped once its misses exceed the budget fails exactly where a whole run fails") {
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::WhatIfTrace trace = test::steadyTrace(200, 100'000, 500, 100);
  analyze::Slo slo;
  slo.ttftUs = 500'000;
  for (const double load : {1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0}) {
    const tune::LoadRun whole = tune::runAtLoad(trace, defaults(), model, slo, load);
    const tune::LoadRun stopping = tune::runAtLoad(trace, defaults(), model, slo, load, 0.95);
    INFO("load " << load << ": attainment " << whole.attainment());
    CHECK((whole.attainment() >= 0.95) == (stopping.attainment() >= 0.95));
    CHECK_FALSE(whole.stopped);
    if (whole.attainment() >= 0.95) {
      CHECK_FALSE(stopping.stopped);
      CHECK(stopping.met == whole.met);
    }
  }
  // At the highest load the attainment is far below: the run stopped early.
  CHECK(tune::runAtLoad(trace, defaults(), model, slo, 16.0, 0.95).stopped);
}

TEST_CASE("requests the token limits refuse at any load end the capacity search in one run") {
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::WhatIfTrace trace = test::steadyTrace(100, 100'000, 3000, 50);
  sim::LauncherConfig tight;
  tight.maxInputTokens = 2048; // every prompt is longer: 422
  analyze::Slo slo;
  slo.ttftUs = 1e9;
  const tune::Capacity c =
      tune::findCapacity(trace, *sim::resolveConfig(tight).config, model, slo, {});
  CHECK(c.belowRange());
  CHECK(c.runs == 1);
}

TEST_CASE("a bisection started from an estimate finds the same bracket in fewer runs") {
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::WhatIfTrace trace = test::steadyTrace(200, 100'000, 500, 100);
  analyze::Slo slo;
  slo.ttftUs = 500'000;
  const tune::Capacity cold = tune::findCapacity(trace, defaults(), model, slo, {});
  tune::CapacityOptions warm;
  warm.startLoad = cold.load * 1.1;
  warm.widen = 1.25;
  const tune::Capacity c = tune::findCapacity(trace, defaults(), model, slo, warm);
  REQUIRE(c.load > 0);
  // Both brackets hold the same boundary: each holds at its load and fails at its failedLoad.
  CHECK(c.load < cold.failedLoad);
  CHECK(cold.load < c.failedLoad);
  CHECK(c.runs < cold.runs);
}
