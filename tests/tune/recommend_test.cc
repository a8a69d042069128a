// Recommendations on constructed workloads whose bottleneck is known.
#include "tune/recommendation.h"

#include "sim/profile_source.h"
#include "tests/tune/tune_fixtures.h"
#include "tune/parallel.h"
#include "tune/recommend_chart.h"

#include <catch2/catch.hpp>

using namespace tt;

namespace {

tune::Recommendation recommendFor(const tune::WhatIfTrace& trace,
                                  const sim::LauncherConfig& current, const analyze::Slo& slo) {
  tune::RecommendOptions options;
  options.slo = slo;
  options.capacity.maxLoad = 16;
  // Stretches of 75 and 100 requests and up: on these few hundred requests the halving prunes,
  // as it does on the stretches of a real trace of thousands.
  options.search.halving.minRequests = 75;
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  return tune::recommend(trace, tune::describeWorkload(trace.requests, 1.0), current, model,
                         options);
}

// 7,000-token prompts, 2 a second, against 512 prompt tokens per forward, under a TTFT objective.
struct PrefillBound {
  tune::WhatIfTrace trace = test::steadyTrace(120, 500'000, 7000, 20);
  analyze::Slo slo{.ttftUs = 400'000};
  tune::Recommendation r;

  PrefillBound() {
    sim::LauncherConfig current;
    current.maxBatchPrefillTokens = 512;
    r = recommendFor(trace, current, slo);
  }
};

} // namespace

TEST_CASE("concurrency-bound: long streams against few permits raise --max-concurrent-requests") {
  // 10 req/s of 400-token answers: about 40 streams at once, against 16 permits.
  const tune::WhatIfTrace trace = test::steadyTrace(300, 100'000, 200, 400);
  sim::LauncherConfig current;
  current.maxConcurrentRequests = 16;
  analyze::Slo slo;
  slo.e2eUs = 600e6; // only the 429s miss
  const tune::Recommendation r = recommendFor(trace, current, slo);
  INFO(r.current.binding);
  CHECK(r.current.binding.find("concurrency") != std::string::npos);
  CHECK(r.current.atTraceLoad.overloaded > 0);
  CHECK(r.recommended.launcher.maxConcurrentRequests > 16);
  CHECK(r.recommended.capacity.load > r.current.capacity.load);
  CHECK(r.recommended.atTraceLoad.overloaded == 0);
}

TEST_CASE("prefill-bound: long prompts under a TTFT objective raise the prefill budget") {
  const tune::Recommendation r = PrefillBound().r;
  INFO(r.current.binding);
  CHECK(r.current.binding.find("prefill budget") != std::string::npos);
  REQUIRE(r.recommended.launcher.maxBatchPrefillTokens);
  CHECK(*r.recommended.launcher.maxBatchPrefillTokens > 512);
  CHECK(r.recommended.capacity.load > r.current.capacity.load);
  // The uncertainty: bisections again under seeds of 5% forward-time noise, near the capacity.
  for (const tune::Assessed* a : {&r.current, &r.recommended}) {
    REQUIRE(a->noiseRange);
    CHECK(a->noiseRange->first <= a->noiseRange->second);
    CHECK(a->noiseRange->first > 0.8 * a->capacity.load);
    CHECK(a->noiseRange->second < 1.25 * a->capacity.load);
    // And with every forward 10% slower, then faster: the capacity moves the same way.
    REQUIRE(a->modelErrorRange);
    CHECK(a->modelErrorRange->first < a->capacity.load);
    CHECK(a->modelErrorRange->second > a->capacity.load);
  }
}

TEST_CASE("KV-bound: answers without max_new_tokens lower --max-total-tokens, cutting none short") {
  // Captured chat requests that give no max_new_tokens: TGI reserves KV blocks for up to 1,024
  // new tokens each (max_total_tokens minus the prompt, a chunk at a time), while they generate
  // 40 to 120. A small KV cache (a big model on a small GPU) holds few such reservations.
  std::vector<Exchange> requests;
  for (int i = 0; i < 300; ++i) {
    Exchange e = test::generation(i * 100'000, 200 + (i * 37) % 100, 40 + (i * 13) % 80);
    e.requestBody = R"({"inputs":"a prompt","parameters":{}})";
    e.maxNewTokens = std::nullopt;
    e.finishReason = "eos_token";
    requests.push_back(std::move(e));
  }
  const tune::WhatIfTrace trace = tune::whatIfTrace(std::move(requests), 1.0, 0);
  sim::LauncherConfig current;
  current.model.kvCapacityTokens = 16'000;
  analyze::Slo slo;
  slo.ttftUs = 1'000'000;
  const tune::Recommendation r = recommendFor(trace, current, slo);
  INFO(r.current.binding);
  CHECK(r.current.binding.find("KV cache") != std::string::npos);
  REQUIRE(r.recommended.launcher.maxTotalTokens);
  // The least that still gives the longest answer in full: 299 + 119 tokens, rounded up to 256.
  CHECK(*r.recommended.launcher.maxTotalTokens == 512);
  CHECK(r.recommended.capacity.load > 1.5 * r.current.capacity.load);
  CHECK(r.recommended.atTraceLoad.invalid == 0);
}

TEST_CASE("settings TGI would refuse are never recommended, and counted") {
  // Without chunking TGI needs max_batch_prefill_tokens >= max_input_tokens (8191 here).
  const tune::WhatIfTrace trace = test::steadyTrace(100, 200'000, 3000, 50);
  sim::LauncherConfig current;
  current.prefillChunking = false;
  current.maxTotalTokens = 8192;
  current.maxBatchPrefillTokens = 8192;
  analyze::Slo slo;
  slo.ttftUs = 2e6;
  const tune::Recommendation r = recommendFor(trace, current, slo);
  CHECK(r.refused > 0);
  CHECK(sim::resolveConfig(r.recommended.launcher).config.has_value());
  for (const auto& alternative : r.alternatives) {
    CHECK(sim::resolveConfig(alternative.launcher).config.has_value());
  }
  for (const auto& s : r.sensitivity) {
    if (s.flag == "--max-batch-prefill-tokens" && s.value && *s.value < 8191) {
      CHECK(s.refused);
    }
  }
  // In this mode the decode batch and the admission gates matter: they are searched.
  const auto dims = tune::searchSpace(current, trace.requests);
  CHECK(std::any_of(dims.begin(), dims.end(),
                    [](const tune::Dimension& d) { return d.flag == "--waiting-served-ratio"; }));
  CHECK(r.ineffective.size() == 1); // only --max-batch-total-tokens, which v3 ignores
}

TEST_CASE("with prefill chunking, the flags TGI ignores are reported and not searched") {
  const sim::LauncherConfig chunking;
  const auto ignored = tune::ineffectiveFlags(chunking);
  REQUIRE(ignored.size() == 3);
  CHECK(ignored[0].find("--waiting-served-ratio, --max-waiting-tokens") == 0);
  for (const auto& d : tune::searchSpace(chunking, {})) {
    CHECK(d.flag != "--waiting-served-ratio");
    CHECK(d.flag != "--max-waiting-tokens");
    CHECK(d.flag != "--max-batch-size");
  }
}

TEST_CASE("the search finds within 5% of the best capacity of the exhaustive grid") {
  // Bursts of mixed requests: a minute at 4 req/s with every tenth second at 20 req/s.
  std::vector<Exchange> requests;
  int64_t t = 0;
  for (int i = 0; i < 400; ++i) {
    const bool burst = (t / 1'000'000) % 10 == 0;
    t += burst ? 50'000 : 250'000;
    requests.push_back(test::generation(t, 300 + (i * 733) % 3000, 20 + (i * 97) % 400));
  }
  const tune::WhatIfTrace trace = tune::whatIfTrace(std::move(requests), 1.0, 0);
  analyze::Slo slo;
  slo.ttftUs = 1'000'000;
  slo.itlUs = 60'000;
  const sim::LauncherConfig current;
  const tune::Recommendation r = recommendFor(trace, current, slo);

  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  tune::CapacityOptions options;
  options.maxLoad = 16;
  const auto grid = tune::settingsGrid(current, trace.requests);
  std::vector<double> capacity(grid.settings.size());
  tune::onTwoThreads(grid.settings.size(), [&](size_t i) {
    const auto config = *sim::resolveConfig(grid.settings[i]).config;
    capacity[i] = tune::findCapacity(trace, config, model, slo, options).load;
  });
  const double best = *std::max_element(capacity.begin(), capacity.end());
  const auto evaluated = static_cast<int64_t>(grid.settings.size());
  INFO("grid best " << best << " over " << evaluated << ", search " << r.recommended.capacity.load
                    << " with " << r.candidates << " candidates");
  CHECK(evaluated >= 100);
  CHECK(r.recommended.capacity.load >= 0.95 * best);
  // Not by measuring everything on the whole trace: the halving left most settings on a stretch.
  REQUIRE(r.rungs.size() == 2);
  CHECK(r.rungs[0].requests == 100);
  CHECK(r.rungs.back().candidates < r.rungs[0].candidates / 2);
}

TEST_CASE("the report's chart: predicted attainment of both settings, measured points, target") {
  const PrefillBound bound;
  const tune::Recommendation& r = bound.r;
  tune::SettingValidation measured{.name = "recommended"};
  for (const double load : {1.0, 1.5, 2.0}) {
    measured.points.push_back({.load = load, .measured = 0.9});
  }
  tune::RecommendOptions options;
  options.slo = bound.slo;
  const auto model = sim::resolveProfile("h100-llama3-8b").model;
  const analyze::ChartSpec chart =
      tune::attainmentChart(bound.trace, r, model, options, {measured});
  REQUIRE(chart.series.size() == 3);
  CHECK(chart.series[0].name == "current, predicted");
  CHECK(chart.series[1].name == "recommended, predicted");
  // Predicted around both capacities: holding at the lowest load, failing at the highest.
  for (size_t s = 0; s < 2; ++s) {
    REQUIRE(chart.series[s].points.size() >= 10);
    CHECK(chart.series[s].points.front().second >= 95);
    CHECK(chart.series[s].points.back().second < 95);
  }
  CHECK(chart.series[2].name == "recommended, measured by replay");
  CHECK(chart.series[2].points.size() == 3);
  CHECK(chart.series[2].labels == std::vector<std::string>{"1x", "1.5x", "2x"});
  int capacities = 0;
  for (const auto& rule : chart.rules) {
    capacities += rule.kind == "capacity" ? 1 : 0;
    if (rule.kind == "slo") {
      CHECK(rule.at == Approx(95));
    }
  }
  CHECK(capacities == 2);
  CHECK(analyze::renderSvg(chart).find("recommended, measured by replay") != std::string::npos);
}
