#pragma once

#include "replay/plan.h"
#include "schema/store.h"
#include "sim/config.h"
#include "sim/cost_model.h"

#include <cstddef>
#include <cstdint>
#include <string>

// A what-if run stored like a replay (`tracetune simulate`): a stored trace, planned, through
// the simulated TGI in virtual time, kept as a `simulation` trace linked to its source request
// by request, with the scheduler's samples.
namespace tt::tune {

struct StoredSimulationOptions {
  replay::PlanOptions plan;
  sim::SchedulerConfig scheduler; // the resolved launcher settings
  sim::CostModel costModel;
  uint64_t seed = 0; // the scheduler's
  // The simulation trace to create: target, parameters, server info, and its label (empty: the
  // source's label and " (simulated)").
  NewTrace trace;
};

struct StoredSimulation {
  int64_t traceId = 0;
  size_t planned = 0; // requests simulated
  int64_t ok = 0;
  int64_t overloaded = 0; // 429
  int64_t invalid = 0;    // 422
  int64_t unfinished = 0; // never scheduled
  int64_t forwards = 0;
  int64_t endUs = 0;      // virtual time of the last forward's end
  double wallSeconds = 0; // the engine's run
  size_t skipped = 0;     // source requests that generate nothing, left out
};

// What generates nothing (/info, /health, ...) is left out, as a replay leaves it out; a capture
// from tgi-sim at --time-scale X arrives in the server's time, as analyze reads it. Throws
// StoreError when the source has no generation requests.
StoredSimulation simulateAndStore(Store& store, const TraceInfo& source,
                                  const StoredSimulationOptions& options);

} // namespace tt::tune
