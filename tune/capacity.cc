#include "tune/capacity.h"

#include <algorithm>
#include <cmath>

namespace tt::tune {

Capacity findCapacity(const WhatIfTrace& trace, const sim::SchedulerConfig& config,
                      const sim::CostModel& model, const analyze::Slo& slo,
                      const CapacityOptions& options) {
  Capacity c;
  // Requests beyond the server's token limits (422) are refused at any load: when they alone
  // miss the attainment, no load holds.
  bool refusedAtAnyLoad = false;
  const auto holds = [&](double load, std::optional<LoadRun>* keep) {
    ++c.runs;
    LoadRun run = runAtLoad(trace, config, model, slo, load, options.attainment, options.noise);
    const bool ok = run.attainment() >= options.attainment;
    refusedAtAnyLoad = static_cast<double>(run.invalid) >
                       (1 - options.attainment) * static_cast<double>(run.requests);
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
  } else {
    const double start = std::clamp(options.startLoad, options.minLoad, options.maxLoad);
    (holds(start, &c.at) ? lo : hi) = start;
  }
  // Widen the bracket (doubling or halving by default) until both ends are known or the range
  // ends; steps smaller than doubling grow each time, up to doubling, for a start far off.
  double widen = options.widen;
  const auto grow = [&widen] { widen = widen < 2 ? std::min(widen * widen, 2.0) : widen; };
  while (hi == 0 && lo < options.maxLoad) {
    const double next = std::min(lo * widen, options.maxLoad);
    (holds(next, &c.at) ? lo : hi) = next;
    grow();
  }
  while (lo == 0 && hi > options.minLoad && !refusedAtAnyLoad) {
    const double next = std::max(hi / widen, options.minLoad);
    (holds(next, &c.at) ? lo : hi) = next;
    grow();
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
