#pragma once

#include "analyze/svg_chart.h"
#include "tune/recommendation.h"
#include "tune/validation.h"

#include <vector>

namespace tt::tune {

// The recommendation as a chart for the HTML report: the share of requests meeting the
// objectives against the load, as predicted for the current and the recommended settings
// (what-if runs at loads around both capacities) and as measured by the validation's replays,
// with the target attainment and both predicted capacities drawn.
analyze::ChartSpec attainmentChart(const WhatIfTrace& trace, const Recommendation& r,
                                   const sim::CostModel& model, const RecommendOptions& options,
                                   const std::vector<SettingValidation>& validations);

} // namespace tt::tune
