#include "tune/calibration_charts.h"

#include <algorithm>

namespace tt::tune {
namespace {

using Phase = sim::ProfileRow::Phase;

// The measured rows of `phase` as (x, measured ms) and (x, model ms), the model's time being the
// measured one moved by the robust fit's error on that row, as in calibrationTables.
struct Points {
  std::vector<std::pair<double, double>> measured;
  std::vector<std::pair<double, double>> model;
  std::vector<int64_t> contexts;
};

template <typename X> Points pointsOf(const Calibration& c, Phase phase, X x) {
  Points p;
  for (size_t i = 0; i < c.measured.rows.size() && i < c.rowErrors.size(); ++i) {
    const sim::ProfileRow& row = c.measured.rows[i];
    if (row.phase == phase) {
      p.measured.emplace_back(x(row), row.ms);
      p.model.emplace_back(x(row), row.ms * (1 + c.rowErrors[i]));
      p.contexts.push_back(row.context);
    }
  }
  return p;
}

analyze::ChartSeries markers(std::string name, size_t color,
                             std::vector<std::pair<double, double>> points,
                             analyze::ChartSeries::Marker marker) {
  return {.name = std::move(name),
          .color = analyze::paletteColor(color),
          .points = std::move(points),
          .line = false,
          .markers = true,
          .marker = marker};
}

// The model along x = lo..hi, in up to 24 steps: what --profile FILE will predict.
template <typename Shape>
analyze::ChartSeries modelLine(const Calibration& c, std::string name, int64_t lo, int64_t hi,
                               Shape shape) {
  analyze::ChartSeries s{.name = std::move(name), .color = analyze::paletteColor(2)};
  s.dashed = true;
  const int64_t step = std::max<int64_t>(1, (hi - lo) / 24);
  for (int64_t x = lo; x <= hi; x += step) {
    s.points.emplace_back(static_cast<double>(x), c.fitted.model.forwardMs(shape(x)));
  }
  return s;
}

int64_t median(std::vector<int64_t> values) {
  if (values.empty()) {
    return 0;
  }
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

} // namespace

std::vector<analyze::ChartSpec> calibrationCharts(const Calibration& c) {
  using Marker = analyze::ChartSeries::Marker;
  const std::string trace = std::to_string(c.traceId);

  analyze::ChartSpec decode{.id = "calibration-decode-" + trace,
                            .title = "Decode forwards of trace #" + trace +
                                     ": measured step time against the model, by batch size",
                            .xLabel = "sequences in the batch",
                            .yLabel = "step time (ms)"};
  const Points d =
      pointsOf(c, Phase::Decode, [](const sim::ProfileRow& r) { return double(r.batch); });
  decode.series.push_back(markers("measured", 0, d.measured, Marker::Dot));
  decode.series.push_back(markers("model", 1, d.model, Marker::Cross));
  if (!c.coverage.decodeBatch.empty()) {
    const int64_t context = median(d.contexts);
    decode.series.push_back(modelLine(
        c, "model at context " + std::to_string(context), c.coverage.decodeBatch.lo,
        c.coverage.decodeBatch.hi, [context](int64_t batch) {
          return sim::shapeOf(
              {.phase = Phase::Decode, .batch = batch, .context = context, .tokens = batch});
        }));
  }

  analyze::ChartSpec prompts{.id = "calibration-prompts-" + trace,
                             .title = "Forwards with prompts of trace #" + trace +
                                      ": measured step time against the model, by prompt size",
                             .xLabel = "prompt tokens in the forward",
                             .yLabel = "step time (ms)"};
  const Points alone =
      pointsOf(c, Phase::Prefill, [](const sim::ProfileRow& r) { return double(r.tokens); });
  const Points beside = pointsOf(
      c, Phase::Mixed, [](const sim::ProfileRow& r) { return double(r.tokens - r.batch); });
  prompts.series.push_back(markers("prompts alone, measured", 0, alone.measured, Marker::Dot));
  prompts.series.push_back(markers("prompts alone, model", 1, alone.model, Marker::Cross));
  prompts.series.push_back(
      markers("beside running streams, measured", 3, beside.measured, Marker::Dot));
  prompts.series.push_back(
      markers("beside running streams, model", 4, beside.model, Marker::Cross));
  if (!c.coverage.prefillTokens.empty()) {
    prompts.series.push_back(
        modelLine(c, "model, one prompt alone", c.coverage.prefillTokens.lo,
                  c.coverage.prefillTokens.hi, [](int64_t tokens) {
                    return sim::shapeOf(
                        {.phase = Phase::Prefill, .batch = 1, .context = tokens, .tokens = tokens});
                  }));
  }
  std::vector<analyze::ChartSpec> charts{decode, prompts};
  for (auto& chart : charts) { // a kind of forward not measured gets no legend entry
    std::erase_if(chart.series, [](const analyze::ChartSeries& s) { return s.points.empty(); });
  }
  return charts;
}

} // namespace tt::tune
