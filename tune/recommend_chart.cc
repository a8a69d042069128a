#include "tune/recommend_chart.h"

#include "tune/parallel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tt::tune {
namespace {

constexpr int kPredictedLoads = 12;

std::string loadText(double load) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3gx", load);
  return text;
}

} // namespace

analyze::ChartSpec attainmentChart(const WhatIfTrace& trace, const Recommendation& r,
                                   const sim::CostModel& model, const RecommendOptions& options,
                                   const std::vector<SettingValidation>& validations) {
  analyze::ChartSpec chart{.id = "recommend-attainment",
                           .title = "Requests meeting the objectives against the load",
                           .xLabel = "load (x the trace's own)",
                           .yLabel = "attainment (%)"};
  const Assessed* settings[] = {&r.current, &r.recommended};
  const char* names[] = {"current", "recommended"};
  // Loads from half the lower capacity to one and a half times the higher, evenly in log space.
  double low = 0;
  double high = 0;
  for (const Assessed* a : settings) {
    if (a->capacity.load > 0) {
      low = low > 0 ? std::min(low, a->capacity.load) : a->capacity.load;
      high = std::max(high, a->capacity.load);
    }
  }
  if (high == 0) {
    return chart; // no capacity anywhere: nothing to draw around
  }
  std::vector<double> loads(kPredictedLoads);
  for (int i = 0; i < kPredictedLoads; ++i) {
    loads[static_cast<size_t>(i)] =
        0.5 * low * std::pow(3 * high / low, static_cast<double>(i) / (kPredictedLoads - 1));
  }
  for (size_t s = 0; s < 2; ++s) {
    const sim::SchedulerConfig config = *sim::resolveConfig(settings[s]->launcher).config;
    std::vector<double> attainment(loads.size());
    onTwoThreads(loads.size(), [&](size_t i) {
      attainment[i] = runAtLoad(trace, config, model, options.slo, loads[i]).attainment();
    });
    analyze::ChartSeries predicted{.name = std::string(names[s]) + ", predicted",
                                   .color = analyze::paletteColor(s)};
    for (size_t i = 0; i < loads.size(); ++i) {
      predicted.points.emplace_back(loads[i], 100 * attainment[i]);
    }
    chart.series.push_back(std::move(predicted));
    if (settings[s]->capacity.load > 0) {
      chart.rules.push_back(
          {.kind = "capacity",
           .vertical = true,
           .at = settings[s]->capacity.load,
           .label = std::string(names[s]) + " " + loadText(settings[s]->capacity.load),
           .color = analyze::paletteColor(s)});
    }
  }
  for (const SettingValidation& v : validations) {
    const size_t s = v.name == "current" ? 0 : 1;
    analyze::ChartSeries measured{.name = v.name + ", measured by replay",
                                  .color = analyze::paletteColor(s),
                                  .line = false,
                                  .markers = true,
                                  .marker = analyze::ChartSeries::Marker::Cross};
    for (const MeasuredPoint& p : v.points) {
      measured.points.emplace_back(p.load, 100 * p.measured);
      measured.labels.push_back(loadText(p.load));
    }
    chart.series.push_back(std::move(measured));
  }
  chart.rules.push_back({.kind = "slo",
                         .at = 100 * options.capacity.attainment,
                         .label = "target",
                         .color = "#555555"});
  return chart;
}

} // namespace tt::tune
