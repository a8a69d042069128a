#include "tune/capacity.h"

#include <cmath>

namespace tt::tune {

Capacity findCapacity(const WhatIfTrace& trace, const sim::SchedulerConfig& config,
                      const sim::CostModel& model, const analyze::Slo& slo,
                      const CapacityOptions& options) {
  Capacity c;
  const auto holds = [&](double load, std::optional<LoadRun>* keep) {
    ++c.runs;
    LoadRun run = runAtLoad(trace, config, model, slo, load);
    const bool ok = run.attainment() >= options.attainment;
    if (ok && keep != nullptr) {
      *keep = std::move(run);
    }
    return ok;
  };
  double lo = 0; // holds
  double hi = 0; // fails
  if (options.mustBeat) {
    if (!holds(*options.mustBeat, &c.at)) {
      c.beaten = true;
      c.failedLoad = *options.mustBeat;
      return c;
    }
    lo = *options.mustBeat;
  } else if (holds(1.0, &c.at)) {
    lo = 1.0;
  } else {
    hi = 1.0;
  }
  // Widen the bracket by doubling (or halving) until both ends are known or the range ends.
  while (hi == 0 && lo < options.maxLoad) {
    const double next = std::min(lo * 2, options.maxLoad);
    (holds(next, &c.at) ? lo : hi) = next;
  }
  while (lo == 0 && hi > options.minLoad) {
    const double next = std::max(hi / 2, options.minLoad);
    (holds(next, &c.at) ? lo : hi) = next;
  }
  while (lo > 0 && hi > 0 && hi / lo > 1 + options.tolerance) {
    const double mid = std::sqrt(lo * hi);
    (holds(mid, &c.at) ? lo : hi) = mid;
  }
  c.load = lo;
  c.failedLoad = hi;
  return c;
}

} // namespace tt::tune
