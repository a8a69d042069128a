#pragma once

#include "schema/store.h"

#include <optional>
#include <string>

namespace tt::analyze {

// How a point of a curve is named on a chart: the load its run was made at, from the trace's
// parameters, in the server's time (rates divided by `timeScale`, see serverTimeScale): "2x" for
// a speed (or a validation run's load), "5/s" for a fixed or Poisson rate, "c=8" for a fixed
// concurrency. A trace that states none (a capture, an import) is named by its offered rate, or
// by its id when it has none.
std::string loadLabel(const TraceInfo& info, double timeScale,
                      std::optional<double> offeredRatePerS);

} // namespace tt::analyze
