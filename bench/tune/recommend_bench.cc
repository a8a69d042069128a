// The recommendation for the whole Azure LLM 2023 conversation trace (19,366 requests, one hour)
// under ttft=2s,itl=100ms from TGI's defaults, as `tracetune recommend` makes it: prints the
// settings evaluated, the simulated runs and requests, and their rates.
#include "bench/tune/azure_hour.h"
#include "sim/profile_source.h"
#include "tune/recommendation.h"

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const auto loaded = tt::bench::azureHour(argc, argv, "recommend_bench");
  if (!loaded) {
    return 1;
  }
  const tt::tune::WhatIfTrace& trace = *loaded;
  tt::tune::RecommendOptions options;
  options.slo = tt::analyze::parseSlo("ttft=2s,itl=100ms");
  const auto model = tt::sim::resolveProfile("h100-llama3-8b").model;
  const auto began = std::chrono::steady_clock::now();
  const tt::tune::Recommendation r =
      tt::tune::recommend(trace, tt::tune::describeWorkload(trace.requests, 1.0),
                          tt::sim::LauncherConfig{}, model, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  // Each run of the capacity searches simulates the whole trace once.
  const double requests = static_cast<double>(r.runs) * static_cast<double>(trace.requests.size());
  std::printf("requests in the trace        %zu\n", trace.requests.size());
  std::printf("settings evaluated           %lld (+%lld refused by TGI's checks)\n",
              static_cast<long long>(r.candidates), static_cast<long long>(r.refused));
  std::printf("simulated runs               %lld\n", static_cast<long long>(r.runs));
  std::printf("wall time                    %.1f s\n", seconds);
  std::printf("settings per second          %.2f\n", static_cast<double>(r.candidates) / seconds);
  std::printf("simulated requests per second %.0f\n", requests / seconds);
  std::printf("capacity current/recommended %.3gx / %.3gx\n", r.current.capacity.load,
              r.recommended.capacity.load);
  return 0;
}
