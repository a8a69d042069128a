// Successive halving over settings on stretches of a trace.
#include "tune/halving.h"

#include "sim/profile_source.h"
#include "tests/tune/tune_fixtures.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("the busiest stretch is the run of requests that arrives fastest") {
  // 2 req/s, then 40 requests at 20 req/s, then 2 req/s again.
  std::vector<Exchange> requests;
  int64_t t = 0;
  for (int i = 0; i < 200; ++i) {
    t += (i >= 100 && i < 140) ? 50'000 : 500'000;
    requests.push_back(test::generation(t, 100, 10));
  }
  const tune::WhatIfTrace trace = tune::whatIfTrace(requests, 1.0, 0);
  const tune::WhatIfTrace stretch = tune::busiestStretch(trace, 40);
  REQUIRE(stretch.requests.size() == 40);
  // Requests 99 to 138 arrive 50 ms apart, as do 100 to 139: the first such stretch.
  CHECK(stretch.requests.front().sentUs == requests[99].sentUs);
  CHECK(stretch.arrivals.size() == 40);
  CHECK(tune::busiestStretch(trace, 500).requests.size() == 200); // longer than the trace
}

TEST_CASE("successive halving keeps the best setting to the whole trace, on fewer runs") {
  // Long streams at 10 req/s: concurrency permits bind, more of them carry more.
  const tune::WhatIfTrace trace = test::steadyTrace(1600, 100'000, 200, 400);
  analyze::Slo slo;
  slo.e2eUs = 600e6; // only the 429s miss
  std::vector<sim::LauncherConfig> candidates;
  for (const int64_t permits : {8, 16, 24, 32, 64, 128, 256, 512}) {
    candidates.emplace_back().maxConcurrentRequests = permits;
  }
  tune::CapacityOptions options;
  options.maxLoad = 16;
  tune::HalvingOptions halving;
  halving.minRequests = 100;
  halving.finalists = 2;
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const tune::HalvingResult r =
      tune::successiveHalving(trace, candidates, model, slo, options, halving);
  // Stretches of 100, 400 and all 1,600 requests: 8 settings, then 2, then 2.
  REQUIRE(r.rungs.size() == 3);
  CHECK(r.rungs[0].requests == 100);
  CHECK(r.rungs[0].candidates == 8);
  CHECK(r.rungs[1].requests == 400);
  CHECK(r.rungs[2].requests == 1600);
  CHECK(r.rungs[2].candidates == 2);
  REQUIRE(r.finalists.size() == 2);
  // The finalists' capacities are the whole trace's, as findCapacity gives them.
  for (const tune::Evaluated& e : r.finalists) {
    CHECK(e.launcher.maxConcurrentRequests >= 64);
  }
  double best = 0;
  for (const sim::LauncherConfig& l : candidates) {
    best = std::max(
        best, tune::findCapacity(trace, *sim::resolveConfig(l).config, model, slo, options).load);
  }
  CHECK(r.finalists.front().capacity.load >= best / (1 + options.tolerance));
}
