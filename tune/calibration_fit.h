#pragma once

#include "sim/profile.h"
#include "tune/calibration.h"

#include <cstdint>
#include <vector>

namespace tt::tune {

// The cost model fitted to a capture's measured rows, robust to their noise.
struct RobustFit {
  sim::CostModel model;
  std::vector<double> errors; // (model - measured) / measured at every point, left-out ones too
  int64_t leftOut = 0;        // points far off the fit, not used by it
};

// Least squares of the relative error from several starting points, keeping the best, then again
// without the points far off it. fitProfile's reweighting towards the worst row suits clean
// profile files; on rows with a few percent of noise it chases one noisy row into a different
// optimum from capture to capture, which plain least squares does not.
RobustFit robustFit(const std::vector<sim::FitPoint>& points);

// The rows of the profile file calibrate writes: the model's own times on a grid of shapes inside
// the covered range. Rows without noise and of the model's own form, so that fitProfile (which
// every --profile reader runs) gives back the same model there.
sim::Profile gridRows(const sim::CostModel& model, const Coverage& coverage,
                      const std::vector<int64_t>& cudaGraphs, const std::string& name);

} // namespace tt::tune
