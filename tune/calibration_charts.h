#pragma once

#include "analyze/svg_chart.h"
#include "tune/calibration.h"

#include <vector>

namespace tt::tune {

// `analyze --html` on a capture: the measured step times against the fitted model, as charts
// beside calibrationTables' tables (docs/calibrate.md, "In the report"): decode forwards by batch
// size, and forwards with prompts by prompt size. Each has the measured rows (dots), the model at
// the same shapes (crosses) and the model the profile file holds along the axis (a dashed line).
std::vector<analyze::ChartSpec> calibrationCharts(const Calibration& c);

} // namespace tt::tune
