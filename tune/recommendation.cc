#include "tune/recommendation.h"

#include "tune/parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace tt::tune {
namespace {

// The trace cut in two at its middle request, each half on its own time axis.
std::pair<WhatIfTrace, WhatIfTrace> halves(const WhatIfTrace& trace) {
  const size_t middle = trace.requests.size() / 2;
  std::vector<Exchange> first(trace.requests.begin(), trace.requests.begin() + middle);
  std::vector<Exchange> second(trace.requests.begin() + middle, trace.requests.end());
  return {whatIfTrace(std::move(first), 1.0, trace.blockTokens),
          whatIfTrace(std::move(second), 1.0, trace.blockTokens)};
}

Assessed assess(const WhatIfTrace& trace, const Evaluated& e, const sim::CostModel& model,
                const RecommendOptions& options) {
  const sim::SchedulerConfig config = *sim::resolveConfig(e.launcher).config;
  Assessed a;
  a.launcher = e.launcher;
  a.capacity = e.capacity;
  a.atTraceLoad = runAtLoad(trace, config, model, options.slo, 1.0);
  if (a.capacity.failedLoad > 0) {
    a.binding =
        bindingConstraint(runAtLoad(trace, config, model, options.slo, a.capacity.failedLoad));
  }
  if (a.capacity.load > 0) {
    a.replicas = static_cast<int>(std::max(1.0, std::ceil(1.0 / a.capacity.load - 1e-9)));
  }
  const auto [first, second] = halves(trace);
  for (const auto& [half, out] : {std::pair{&first, &a.firstHalf}, {&second, &a.secondHalf}}) {
    const Capacity c = findCapacity(*half, config, model, options.slo, options.capacity);
    if (c.load > 0) {
      *out = c.load;
    }
  }
  if (a.capacity.load > 0 && options.noiseSeeds > 0) {
    std::vector<double> loads(static_cast<size_t>(options.noiseSeeds));
    onTwoThreads(loads.size(), [&](size_t i) {
      CapacityOptions o = options.capacity;
      o.noise = {.timeJitter = options.forwardNoise, .seed = i + 1};
      o.startLoad = a.capacity.load;
      o.widen = 1.25;
      loads[i] = findCapacity(trace, config, model, options.slo, o).load;
    });
    const auto [low, high] = std::minmax_element(loads.begin(), loads.end());
    a.noiseRange = {*low, *high};
  }
  if (a.capacity.load > 0 && options.modelError > 0) {
    double slower = 0;
    double faster = 0;
    onTwoThreads(2, [&](size_t i) {
      CapacityOptions o = options.capacity;
      o.startLoad = a.capacity.load;
      o.widen = 1.25;
      const double factor = i == 0 ? 1 + options.modelError : 1 - options.modelError;
      (i == 0 ? slower : faster) =
          findCapacity(trace, config, model.scaled(factor), options.slo, o).load;
    });
    a.modelErrorRange = {slower, faster};
  }
  return a;
}

} // namespace

void applyServerInfo(const ServerInfo& info, const std::set<std::string>& given,
                     sim::LauncherConfig& launcher) {
  const auto free = [&given](const char* flag) { return given.count(flag) == 0; };
  if (info.maxConcurrentRequests && free("--max-concurrent-requests")) {
    launcher.maxConcurrentRequests = *info.maxConcurrentRequests;
  }
  if (info.maxInputTokens && free("--max-input-tokens")) {
    launcher.maxInputTokens = info.maxInputTokens;
  }
  if (info.maxTotalTokens && free("--max-total-tokens")) {
    launcher.maxTotalTokens = info.maxTotalTokens;
  }
  // TGI v3's KV capacity after warmup (the proxy adds it from the batch token gauge).
  if (info.maxBatchTotalTokens && free("--kv-tokens")) {
    launcher.model.kvCapacityTokens = *info.maxBatchTotalTokens;
  }
}

Recommendation recommend(const WhatIfTrace& trace, const Workload& workload,
                         const sim::LauncherConfig& current, const sim::CostModel& model,
                         const RecommendOptions& options) {
  const auto began = std::chrono::steady_clock::now();
  Recommendation r;
  r.workload = workload;
  r.forwardNoise = options.forwardNoise;
  r.noiseSeeds = options.noiseSeeds;
  r.modelError = options.modelError;
  const sim::SchedulerConfig config = *sim::resolveConfig(current).config;
  // The searched flags written out as TGI resolves them, so that a candidate equal to a default
  // is recognised as the current setting; the token limits too, which otherwise follow the
  // prefill budget without chunking: the search must not reject requests the server accepts.
  sim::LauncherConfig explicitCurrent = current;
  explicitCurrent.maxBatchPrefillTokens = config.maxBatchPrefillTokens;
  explicitCurrent.maxInputTokens = config.maxInputTokens;
  explicitCurrent.maxTotalTokens = config.maxTotalTokens;
  if (current.router == sim::RouterVersion::V2) {
    explicitCurrent.maxBatchTotalTokens = config.maxBatchTotalTokens;
  }
  const Capacity currentCapacity =
      findCapacity(trace, config, model, options.slo, options.capacity);
  SearchResult search = searchSettings(trace, explicitCurrent, currentCapacity, model, options.slo,
                                       options.capacity, options.search);
  r.current = assess(trace, {explicitCurrent, currentCapacity}, model, options);
  r.recommended = assess(trace, search.best, model, options);
  if (r.recommended.capacity.load > 0) {
    const double load = r.recommended.capacity.load;
    r.recommended.atNewCapacity = r.recommended.capacity.at;
    r.current.atNewCapacity = runAtLoad(trace, config, model, options.slo, load);
  }
  r.alternatives = std::move(search.alternatives);
  r.sensitivity = std::move(search.sensitivity);
  r.ineffective = ineffectiveFlags(current);
  r.candidates = search.candidates;
  r.refused = search.refused;
  r.refusing = search.refusing;
  r.rungs = std::move(search.rungs);
  r.runs = currentCapacity.runs + search.runs;
  r.simulatedRequests =
      search.simulatedRequests + currentCapacity.runs * static_cast<int64_t>(trace.requests.size());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return r;
}

} // namespace tt::tune
