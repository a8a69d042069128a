#pragma once

#include "schema/server_info.h"
#include "tune/search.h"
#include "tune/workload.h"

#include <set>
#include <string>
#include <vector>

namespace tt::tune {

struct RecommendOptions {
  analyze::Slo slo;
  CapacityOptions capacity;
  // The uncertainty of a capacity: bisections again with each forward's time varied by this
  // relative standard deviation (a GPU's step times vary by a few percent from step to step),
  // under `noiseSeeds` seeds.
  double forwardNoise = 0.05;
  int noiseSeeds = 4;
  // And for an error of the cost model itself, which does not average out: the capacity with
  // every forward this much slower, and this much faster.
  double modelError = 0.1;
  SearchOptions search;
};

// A setting and what it gives: its capacity, its latencies at the trace's own load (1x) and at
// the recommendation's capacity, and what binds it just past its capacity.
struct Assessed {
  sim::LauncherConfig launcher;
  Capacity capacity;
  LoadRun atTraceLoad;
  std::optional<LoadRun> atNewCapacity;
  std::string binding; // bindingConstraint() of the run just past the capacity
  // The capacity of each half of the trace on its own: how much it depends on which part of the
  // traffic is looked at (nullopt for a half that fails at every load tried).
  std::optional<double> firstHalf;
  std::optional<double> secondHalf;
  // The lowest and highest capacity under RecommendOptions::noiseSeeds seeds of forward-time
  // noise (0 for a seed that fails at every load tried); empty without a capacity.
  std::optional<std::pair<double, double>> noiseRange;
  // The capacity with every forward RecommendOptions::modelError slower, and faster.
  std::optional<std::pair<double, double>> modelErrorRange;
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
  std::vector<Rung> rungs;              // the search's successive halving
  int64_t candidates = 0;
  int64_t refused = 0;
  int64_t refusing = 0; // settings left out: they refuse requests served today
  int64_t runs = 0;
  int64_t simulatedRequests = 0;
  double seconds = 0;      // wall time of the search
  double forwardNoise = 0; // of Assessed::noiseRange, as RecommendOptions gave it
  int noiseSeeds = 0;
  double modelError = 0; // of Assessed::modelErrorRange
};

// The settings a trace's server ran with, from its /info (TGI's limits, and the KV capacity the
// proxy adds from the batch token gauge), for the flags not in `given`.
void applyServerInfo(const ServerInfo& info, const std::set<std::string>& given,
                     sim::LauncherConfig& launcher);

// The recommendation for `trace` from `current` settings (already valid: sim::resolveConfig).
Recommendation recommend(const WhatIfTrace& trace, const Workload& workload,
                         const sim::LauncherConfig& current, const sim::CostModel& model,
                         const RecommendOptions& options);

} // namespace tt::tune
