#include "tune/halving.h"

#include "tune/parallel.h"

#include <algorithm>
#include <numeric>

namespace tt::tune {

WhatIfTrace busiestStretch(const WhatIfTrace& trace, size_t n) {
  const size_t total = trace.requests.size();
  if (n >= total) {
    return trace;
  }
  // Requests are in arrival order: the stretch of n with the shortest span arrives fastest.
  size_t first = 0;
  for (size_t i = 1; i + n <= total; ++i) {
    const auto span = [&](size_t at) {
      return trace.arrivals[at + n - 1].arrivalUs - trace.arrivals[at].arrivalUs;
    };
    if (span(i) < span(first)) {
      first = i;
    }
  }
  std::vector<Exchange> stretch(trace.requests.begin() + static_cast<std::ptrdiff_t>(first),
                                trace.requests.begin() + static_cast<std::ptrdiff_t>(first + n));
  return whatIfTrace(std::move(stretch), 1.0, trace.blockTokens);
}

HalvingResult successiveHalving(const WhatIfTrace& trace,
                                std::span<const sim::LauncherConfig> candidates,
                                const sim::CostModel& model, const analyze::Slo& slo,
                                const CapacityOptions& options, const HalvingOptions& halving) {
  // Slice lengths, whole trace last: n, n/eta, n/eta^2, ... down to minRequests.
  std::vector<size_t> lengths{trace.requests.size()};
  while (lengths.back() / halving.eta >= halving.minRequests) {
    lengths.push_back(lengths.back() / halving.eta);
  }
  std::reverse(lengths.begin(), lengths.end());

  HalvingResult result;
  std::vector<size_t> alive(candidates.size()); // indices into candidates, best first
  std::iota(alive.begin(), alive.end(), size_t{0});
  std::vector<Capacity> estimate(candidates.size());
  for (size_t rung = 0; rung < lengths.size() && !alive.empty(); ++rung) {
    const bool whole = rung + 1 == lengths.size();
    if (rung > 0) {
      // The best 1 in eta, and those the last rung could not tell from the last one kept (tied
      // estimates: on a short stretch many settings hold up to the same load), up to twice as
      // many; ties keep the order of preference.
      const size_t keep =
          std::max(halving.finalists, (alive.size() + halving.eta - 1) / halving.eta);
      size_t kept = std::min(alive.size(), keep);
      while (kept < alive.size() && kept < 2 * keep &&
             estimate[alive[kept]].load == estimate[alive[kept - 1]].load) {
        ++kept;
      }
      alive.resize(kept);
    }
    const WhatIfTrace slice = whole ? WhatIfTrace{} : busiestStretch(trace, lengths[rung]);
    const WhatIfTrace& on = whole ? trace : slice;
    const auto measure = [&](size_t i, double startLoad, double widen) {
      Capacity& c = estimate[alive[i]];
      CapacityOptions o = options;
      if (!whole) {
        o.tolerance = rung == 0 ? halving.firstTolerance : halving.sliceTolerance;
      }
      if (startLoad > 0) {
        o.startLoad = startLoad;
        o.widen = widen;
      }
      const auto resolved = sim::resolveConfig(candidates[alive[i]]);
      c = findCapacity(on, *resolved.config, model, slo, o);
    };
    if (rung == 0) {
      // The most preferred candidate first; the others start from its capacity.
      measure(0, 0, 0);
      const double first = estimate[alive[0]].load;
      onTwoThreads(alive.size() - 1, [&](size_t i) { measure(i + 1, first, 1.5); });
    } else { // each from its last estimate, in small steps
      onTwoThreads(alive.size(), [&](size_t i) { measure(i, estimate[alive[i]].load, 1.25); });
    }
    Rung r{on.requests.size(), alive.size(), 0};
    for (size_t i : alive) {
      r.runs += estimate[i].runs;
    }
    result.rungs.push_back(r);
    result.runs += r.runs;
    result.simulatedRequests += r.runs * static_cast<int64_t>(r.requests);
    std::stable_sort(alive.begin(), alive.end(),
                     [&](size_t a, size_t b) { return estimate[a].load > estimate[b].load; });
  }
  for (size_t i : alive) {
    result.finalists.push_back({candidates[i], estimate[i]});
  }
  return result;
}

} // namespace tt::tune
