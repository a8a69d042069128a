#pragma once

#include "tune/search.h"
#include "tune/workload.h"

#include <string>
#include <vector>

namespace tt::tune {

struct RecommendOptions {
  analyze::Slo slo;
  CapacityOptions capacity;
  int passes = 2; // rounds of the coordinate search
};

// A setting and what it gives: its capacity, its latencies at the trace's own load (1x) and at
// the recommendation's capacity, and what binds it just past its capacity.
struct Assessed {
  sim::LauncherConfig launcher;
  Capacity capacity;
  LoadRun atTraceLoad;
  std::optional<LoadRun> atNewCapacity;
  std::string binding; // bindingConstraint() of the run just past the capacity
  // Replicas needed for the trace's own load (its peaks included), at this capacity; 0 when the
  // objectives fail at every load tried.
  int replicas = 0;
};

struct Recommendation {
  Workload workload;
  Assessed current;
  Assessed recommended;
  std::vector<Evaluated> alternatives;
  std::vector<Sensitivity> sensitivity;
  std::vector<std::string> ineffective; // flags TGI ignores in this mode, left alone
  int64_t candidates = 0;
  int64_t refused = 0;
  int64_t runs = 0;
  double seconds = 0; // wall time of the search
};

// The recommendation for `trace` from `current` settings (already valid: sim::resolveConfig).
Recommendation recommend(const WhatIfTrace& trace, const Workload& workload,
                         const sim::LauncherConfig& current, const sim::CostModel& model,
                         const RecommendOptions& options);

} // namespace tt::tune
