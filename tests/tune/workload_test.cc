#include "tune/workload.h"

#include "tests/tune/tune_fixtures.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("peak rates count the busiest window that starts at an arrival") {
  const std::vector<int64_t> arrivals{0, 100'000, 200'000, 300'000, 5'000'000, 20'000'000};
  CHECK(tune::peakRatePerS(arrivals, 1'000'000) == 4.0);  // the first four within 1 s
  CHECK(tune::peakRatePerS(arrivals, 10'000'000) == 0.5); // five within 10 s
  CHECK(tune::peakRatePerS(arrivals, 60'000'000) == 0.1); // all six, over a 60 s window
}

TEST_CASE("a workload's rates, burstiness, sizes and over-reservation") {
  std::vector<Exchange> requests;
  for (int i = 0; i < 11; ++i) {
    requests.push_back(test::generation(i * 500'000, 100 + i, 10));
  }
  requests[3].maxNewTokens = 40; // asked 40, generated 10
  requests[4].maxNewTokens.reset();
  requests[5].prefixHashIds = {1, 2};
  requests[6].prefixHashIds = {1, 3};                             // block 1 seen before
  const tune::Workload w = tune::describeWorkload(requests, 2.0); // a server at --time-scale 2
  CHECK(w.requests == 11);
  CHECK(w.spanS == Approx(10.0)); // 5 s of arrivals, in the server's time
  CHECK(w.meanRatePerS == Approx(1.0));
  CHECK(w.burstiness == Approx(0.0).margin(1e-9)); // a steady pace
  CHECK(w.inputTokens->max == 110);
  CHECK(w.askedTokens == 9 * 10 + 40);
  CHECK(w.generatedTokens == 100);
  CHECK(w.withoutMaxNewTokens == 1);
  CHECK(w.overReservation() == Approx(30.0 / 130.0));
  CHECK(*w.sharedPrefixFraction == Approx(0.25));
}
