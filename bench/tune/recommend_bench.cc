// The recommendation for the whole Azure LLM 2023 conversation trace (19,366 requests, one hour)
// under ttft=2s,itl=100ms, as `tracetune recommend` makes it, from TGI's defaults and from its
// defaults without prefill chunking (the mode with the most flags to search): prints the settings
// evaluated, the simulated runs and requests, and their rates. The anchor, timed first, is one
// simulated run of the whole trace at its own load. With chunking, every setting of the grid is
// also bisected on the whole trace: the best capacity there against the search's choice.
#include "bench/tune/azure_hour.h"
#include "sim/profile_source.h"
#include "tune/parallel.h"
#include "tune/recommendation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

namespace {

double secondsSince(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

tt::tune::Recommendation recommendFrom(const char* name, const tt::sim::LauncherConfig& current,
                                       const tt::tune::WhatIfTrace& trace,
                                       const tt::sim::CostModel& model,
                                       const tt::tune::RecommendOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  const tt::tune::Recommendation r = tt::tune::recommend(
      trace, tt::tune::describeWorkload(trace.requests, 1.0), current, model, options);
  const double seconds = secondsSince(began);
  std::printf("\n%s\n", name);
  std::printf("  settings evaluated            %lld (+%lld refused by TGI's checks)\n",
              static_cast<long long>(r.candidates), static_cast<long long>(r.refused));
  for (const tt::tune::Rung& rung : r.rungs) {
    std::printf("    rung: %5zu settings on %5zu requests, %5lld runs\n", rung.candidates,
                rung.requests, static_cast<long long>(rung.runs));
  }
  std::printf("  simulated runs                %lld\n", static_cast<long long>(r.runs));
  std::printf("  wall time                     %.1f s\n", seconds);
  std::printf("  settings per second           %.1f\n",
              static_cast<double>(r.candidates) / seconds);
  std::printf("  simulated requests per second %.0f\n",
              static_cast<double>(r.simulatedRequests) / seconds);
  std::printf("  capacity current/recommended  %.3gx / %.3gx\n", r.current.capacity.load,
              r.recommended.capacity.load);
  return r;
}

// The quality of the search: every setting of the grid it draws from, bisected on the whole
// trace as the search's finalists are.
void exhaustiveGrid(const tt::sim::LauncherConfig& current, const tt::tune::WhatIfTrace& trace,
                    const tt::sim::CostModel& model, const tt::tune::RecommendOptions& options,
                    const tt::tune::Recommendation& found) {
  const auto began = std::chrono::steady_clock::now();
  const auto grid = tt::tune::settingsGrid(current, trace.requests);
  std::vector<double> capacity(grid.settings.size());
  tt::tune::onTwoThreads(grid.settings.size(), [&](size_t i) {
    const auto config = *tt::sim::resolveConfig(grid.settings[i]).config;
    capacity[i] = tt::tune::findCapacity(trace, config, model, options.slo, options.capacity).load;
  });
  const double best = *std::max_element(capacity.begin(), capacity.end());
  std::printf("  exhaustive grid               %zu settings in %.1f s: best %.3gx; the search's "
              "choice is %.1f%% of it\n",
              grid.settings.size(), secondsSince(began), best,
              100 * found.recommended.capacity.load / best);
}

} // namespace

int main(int argc, char** argv) {
  const auto loaded = tt::bench::azureHour(argc, argv, "recommend_bench");
  if (!loaded) {
    return 1;
  }
  const tt::tune::WhatIfTrace& trace = *loaded;
  tt::tune::RecommendOptions options;
  options.slo = tt::analyze::parseSlo("ttft=2s,itl=100ms");
  const auto model = tt::sim::resolveProfile("h100-llama3-8b").model;
  std::printf("requests in the trace         %zu\n", trace.requests.size());

  const tt::sim::LauncherConfig defaults;
  const auto began = std::chrono::steady_clock::now();
  const tt::tune::LoadRun anchor =
      tt::tune::runAtLoad(trace, *tt::sim::resolveConfig(defaults).config, model, options.slo, 1.0);
  std::printf("anchor: one run of the trace  %.3f s (attainment %.3f)\n", secondsSince(began),
              anchor.attainment());

  const tt::tune::Recommendation chunked =
      recommendFrom("from TGI's defaults (v3, prefill chunking)", defaults, trace, model, options);
  exhaustiveGrid(defaults, trace, model, options, chunked);
  tt::sim::LauncherConfig unchunked;
  unchunked.prefillChunking = false;
  recommendFrom("from TGI's defaults without prefill chunking", unchunked, trace, model, options);
  return 0;
}
