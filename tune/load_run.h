#pragma once

#include "analyze/distribution.h"
#include "analyze/slo.h"
#include "core/exchange.h"
#include "replay/plan.h"
#include "sim/config.h"
#include "sim/cost_model.h"
#include "sim/scheduler.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::tune {

// The generation requests of a trace, ready for what-if runs at any load: in arrival order, on
// the server's time axis (analyze/reader.h, serverTimeScale).
struct WhatIfTrace {
  std::vector<Exchange> requests;
  std::vector<replay::PlanSource> arrivals;
  int64_t blockTokens = 0; // prompt tokens per prefix hash id (0: none)
};

// Keeps the generation requests of `all`, times multiplied by `timeScale`.
WhatIfTrace whatIfTrace(std::vector<Exchange> all, double timeScale, int64_t blockTokens);

// What held a server back in a run: the share of its forwards after which requests were still
// waiting while each limit was reached. Each share is of all forwards.
struct Pressure {
  double kvFull = 0;        // blocks held by jobs (not the prefix cache) were 95% of the KV cache
  double prefillBudget = 0; // the forward's prompt tokens filled 90% of --max-batch-prefill-tokens
  double batchFull = 0;     // the batch held --max-batch-size sequences
  double queued = 0;        // any request waited
  int64_t overloaded = 0;   // requests turned away by --max-concurrent-requests (429)
};

// One simulated run of the trace at `load` times its own arrival rate (its gaps divided by
// `load`, the burst shape kept).
struct LoadRun {
  double load = 1;
  int64_t requests = 0;
  int64_t met = 0;        // met every objective
  int64_t overloaded = 0; // 429 at arrival
  int64_t invalid = 0;    // 422: beyond the server's token limits
  int64_t unfinished = 0; // never admitted (needs more KV cache than there is)
  bool stopped = false;   // ended early, its attainment known to be too low: counts partial
  std::optional<analyze::Summary> ttftUs;
  std::optional<analyze::Summary> tpotUs;
  std::optional<analyze::Summary> e2eUs;
  Pressure pressure;

  // Requests that met every objective, of all requests: 429s, 422s and unfinished ones miss.
  double attainment() const {
    return requests > 0 ? static_cast<double>(met) / static_cast<double>(requests) : 0;
  }
};

// With `stopBelow`, the run ends as soon as so many requests have missed that its attainment must
// be below it (the rest count as unfinished): enough to know that the load fails.
// `noise` varies each forward's time (sim::SchedulerOptions: none by default).
LoadRun runAtLoad(const WhatIfTrace& trace, const sim::SchedulerConfig& config,
                  const sim::CostModel& model, const analyze::Slo& slo, double load,
                  std::optional<double> stopBelow = std::nullopt,
                  const sim::SchedulerOptions& noise = {});

// The limit that bound a run most, in words ("KV cache", "prefill budget", ...), or "" when
// requests rarely waited.
std::string bindingConstraint(const LoadRun& run);

} // namespace tt::tune
