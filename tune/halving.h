#pragma once

#include "tune/capacity.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tt::tune {

// The `n` consecutive requests of the trace that arrive fastest, on their own time axis: the
// stretch where a setting is first seen to fail.
WhatIfTrace busiestStretch(const WhatIfTrace& trace, size_t n);

struct HalvingOptions {
  size_t eta = 4;               // each rung keeps 1 candidate in eta, on eta times more requests
  size_t minRequests = 200;     // the shortest slice
  size_t finalists = 4;         // measured on the whole trace, at least
  double firstTolerance = 0.1;  // the bisection's tolerance on the shortest slice: a rough rank
  double sliceTolerance = 0.05; // on the longer slices
};

// One rung of the halving: how many candidates were measured on how many requests.
struct Rung {
  size_t requests = 0;
  size_t candidates = 0;
  int64_t runs = 0;
};

struct HalvingResult {
  std::vector<Evaluated> finalists; // measured on the whole trace, best first
  std::vector<Rung> rungs;          // shortest slice first; the last is the whole trace
  int64_t runs = 0;
  int64_t simulatedRequests = 0;
};

// Successive halving (Jamieson and Talwalkar 2016, the inner loop of Hyperband): the capacity of
// every candidate on the trace's busiest stretch of `minRequests` or more, then of the best 1 in
// eta on a stretch eta times longer, and so on up to the whole trace, each bisection starting
// from the candidate's last estimate. Candidates must be valid (sim::resolveConfig) and are given
// in order of preference: equal capacities keep that order. On two threads.
HalvingResult successiveHalving(const WhatIfTrace& trace,
                                std::span<const sim::LauncherConfig> candidates,
                                const sim::CostModel& model, const analyze::Slo& slo,
                                const CapacityOptions& options, const HalvingOptions& halving);

} // namespace tt::tune
