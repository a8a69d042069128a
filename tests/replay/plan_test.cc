#include "replay/plan.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace tt::replay;

namespace {

std::vector<PlanSource> sourcesAt(std::vector<int64_t> times, std::vector<int64_t> sessions = {}) {
  std::vector<PlanSource> out;
  for (size_t i = 0; i < times.size(); ++i) {
    out.push_back({times[i], i < sessions.size() ? sessions[i] : -1});
  }
  return out;
}

std::vector<int64_t> times(const Plan& plan) {
  std::vector<int64_t> out;
  for (const auto& r : plan.requests) {
    out.push_back(r.intendedUs);
  }
  return out;
}

} // namespace

TEST_CASE("original and speed keep the burst shape") {
  const auto s = sourcesAt({1000, 1000, 4000, 10'000});
  CHECK(times(buildPlan(s, {})) == std::vector<int64_t>{0, 0, 3000, 9000});
  CHECK(times(buildPlan(s, {.mode = RateMode::Speed, .value = 2})) ==
        std::vector<int64_t>{0, 0, 1500, 4500});
  CHECK(times(buildPlan(s, {.mode = RateMode::Speed, .value = 0.5})) ==
        std::vector<int64_t>{0, 0, 6000, 18'000});
}

TEST_CASE("rate rescales the mean gap to 1/rate") {
  // 4 requests over 9 ms: mean gap 3 ms. At 1000 req/s the mean gap is 1 ms.
  const auto s = sourcesAt({0, 0, 3000, 9000});
  CHECK(times(buildPlan(s, {.mode = RateMode::Rate, .value = 1000})) ==
        std::vector<int64_t>{0, 0, 1000, 3000});
  CHECK_THROWS_AS(buildPlan(sourcesAt({5, 5}), {.mode = RateMode::Rate, .value = 10}), PlanError);
  CHECK_THROWS_AS(buildPlan(s, {.mode = RateMode::Rate, .value = 0}), PlanError);
}

TEST_CASE("poisson draws seeded gaps with the asked mean") {
  std::vector<int64_t> t(20'000, 0);
  const auto s = sourcesAt(t);
  const Plan a = buildPlan(s, {.mode = RateMode::Poisson, .value = 100, .seed = 7});
  const Plan b = buildPlan(s, {.mode = RateMode::Poisson, .value = 100, .seed = 7});
  const Plan c = buildPlan(s, {.mode = RateMode::Poisson, .value = 100, .seed = 8});
  CHECK(times(a) == times(b));
  CHECK(times(a) != times(c));
  CHECK(std::is_sorted(a.requests.begin(), a.requests.end(),
                       [](auto& x, auto& y) { return x.intendedUs < y.intendedUs; }));
  const double meanGapUs = static_cast<double>(a.spanUs) / (t.size() - 1);
  CHECK(meanGapUs == Approx(10'000).epsilon(0.03));
}

TEST_CASE("tie policy: burst keeps ties, spread spaces them across the slot") {
  const auto s = sourcesAt({0, 0, 0, 3000, 5999, 5999});
  CHECK(times(buildPlan(s, {.ties = TiePolicy::Burst})) ==
        std::vector<int64_t>{0, 0, 0, 3000, 5999, 5999});
  // Slot 0 (3 requests, next at 3000): 0, 1000, 2000. Slot 5999 is last: median gap of the
  // distinct gaps {3000, 2999} is 3000, so 5999 and 5999 + 1500.
  CHECK(times(buildPlan(s, {.ties = TiePolicy::Spread})) ==
        std::vector<int64_t>{0, 1000, 2000, 3000, 5999, 7499});
  CHECK(times(buildPlan(sourcesAt({7, 7}), {.ties = TiePolicy::Spread})) ==
        std::vector<int64_t>{0, 0});
  CHECK(tiePolicyFromName("spread") == TiePolicy::Spread);
  CHECK(!tiePolicyFromName("x"));
}

TEST_CASE("copies superpose shifted copies, wrapped on the span, sessions whole") {
  const auto s = sourcesAt({0, 100, 200, 1000}, {1, 1, -1, -1});
  const Plan one = buildPlan(s, {.copies = 1});
  CHECK(one.requests.size() == 4);
  const Plan three = buildPlan(s, {.copies = 3, .seed = 42});
  REQUIRE(three.requests.size() == 12);
  CHECK(three.requests == buildPlan(s, {.copies = 3, .seed = 42}).requests);
  for (int c = 0; c < 3; ++c) {
    std::vector<int64_t> t(4, -1);
    for (const auto& r : three.requests) {
      if (r.copy == c) {
        t[r.source] = r.intendedUs;
      }
    }
    // The session's gap is kept; every time stays within [0, span + session length).
    CHECK(t[1] - t[0] == 100);
    for (int64_t x : t) {
      CHECK(x >= 0);
      CHECK(x < 1100);
    }
    if (c == 0) {
      CHECK(t == std::vector<int64_t>{0, 100, 200, 1000});
    }
  }
  std::set<std::pair<size_t, int>> seen;
  for (const auto& r : three.requests) {
    seen.insert({r.source, r.copy});
  }
  CHECK(seen.size() == 12);
}

TEST_CASE("window, duration, limit and shards select requests") {
  const auto s = sourcesAt({0, 1000, 2000, 3000, 4000, 5000});
  CHECK(times(buildPlan(s, {.windowStartUs = 1000, .windowEndUs = 4000})) ==
        std::vector<int64_t>{0, 1000, 2000});
  CHECK(buildPlan(s, {.windowStartUs = 1000, .windowEndUs = 4000}).requests[0].source == 1);
  CHECK(times(buildPlan(s, {.durationUs = 3000})) == std::vector<int64_t>{0, 1000, 2000});
  CHECK(times(buildPlan(s, {.mode = RateMode::Speed, .value = 2, .durationUs = 2000})) ==
        std::vector<int64_t>{0, 500, 1000, 1500});
  CHECK(times(buildPlan(s, {.limit = 2})) == std::vector<int64_t>{0, 1000});
  std::vector<size_t> merged;
  for (int i = 0; i < 4; ++i) {
    for (const auto& r : buildPlan(s, {.shardIndex = i, .shardCount = 4}).requests) {
      merged.push_back(r.source);
    }
  }
  std::sort(merged.begin(), merged.end());
  CHECK(merged == std::vector<size_t>{0, 1, 2, 3, 4, 5});
  CHECK(times(buildPlan(s, {.shardIndex = 1, .shardCount = 2})) ==
        std::vector<int64_t>{1000, 3000, 5000});
  CHECK_THROWS_AS(buildPlan(s, {.shardIndex = 2, .shardCount = 2}), PlanError);
}

TEST_CASE("concurrency is a closed loop in trace order") {
  const Plan p = buildPlan(sourcesAt({0, 50, 10}),
                           {.mode = RateMode::Concurrency, .value = 2, .durationUs = 9});
  CHECK(p.closedLoop);
  CHECK(p.concurrency == 2);
  CHECK(p.durationUs == 9);
  CHECK(times(p) == std::vector<int64_t>{0, 0, 0});
  CHECK(p.requests[1].source == 2);
}
