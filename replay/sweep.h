#pragma once

#include "replay/plan.h"
#include "replay/runner.h"
#include "schema/trace_parameters.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tt::replay {

// One run of a sweep: its rate mode and value.
struct SweepPoint {
  RateMode mode = RateMode::Original;
  double value = 1;
  std::string name; // "speed=2", or "" for a single run
};

// A stored trace replayed against a target at one or more points, back to back, each run
// stored as a replay trace of its own.
struct Sweep {
  std::string db;
  int64_t trace = 0;
  std::string target; // as the user wrote it: stored with each run and named in errors
  std::vector<SweepPoint> points;
  PlanOptions plan; // every point's, less the mode and value
  RunOptions run;   // with the target parsed; its address is resolved here
  // The options stored with each run; the point's mode and value, the requests skipped and
  // planned and the prompt synthesis are filled in here.
  ReplayParameters parameters;
  std::string label; // empty: the source trace's label and " replay"; a point adds its name
  bool allRoutes = false;
  int preconnect = 0;
  bool realtime = false;
  std::optional<double> startAt; // unix seconds, the same for every shard
  double cooldownS = 0;          // between points
  double maxErrorRate = 0.5;
};

struct SweepResult {
  bool interrupted = false;          // Ctrl-C stopped the sweep
  std::vector<std::string> failures; // "replay trace 7: no request succeeded (...)", per run
};

// Plans every point (before any network call), checks the target and calibrates synthesized
// prompts, then runs the points, printing each run's summary to `out` and warnings to `err`.
// Throws PlanError when the options leave nothing to send or cannot be planned, and
// std::runtime_error for a missing trace or an unreachable target.
SweepResult runSweep(const Sweep& sweep, std::ostream& out, std::ostream& err);

// Throws PlanError when `startAt` (unix seconds) is not ahead: a late shard would send its
// overdue requests in one burst.
void checkStartAt(double startAt);

} // namespace tt::replay
