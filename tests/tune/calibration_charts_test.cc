// The charts of the calibration section of `analyze --html`: measured step times against the
// fitted model, by decode batch size and by prompt size.
#include "sim/profile_source.h"
#include "tune/calibration_charts.h"

#include <catch2/catch.hpp>

namespace tt::test {
namespace {

// The SVG of the chart `id` in `html`.
std::string svgOf(const std::string& html, const std::string& id) {
  const size_t at = html.find("data-chart=\"" + id + "\"");
  REQUIRE(at != std::string::npos);
  return html.substr(at, html.find("</svg>", at) - at);
}

} // namespace

TEST_CASE("calibration charts: measured step times and the model, per batch and prompt size") {
  using Phase = sim::ProfileRow::Phase;
  tune::Calibration c;
  c.traceId = 3;
  c.fitted = sim::resolveProfile(sim::kDefaultProfile);
  c.measured.rows = {{.phase = Phase::Decode, .batch = 2, .context = 600, .tokens = 2, .ms = 7.0},
                     {.phase = Phase::Decode, .batch = 8, .context = 700, .tokens = 8, .ms = 7.6},
                     {.phase = Phase::Decode, .batch = 16, .context = 650, .tokens = 16, .ms = 8.4},
                     {.phase = Phase::Prefill, .batch = 1, .context = 900, .tokens = 900, .ms = 30},
                     {.phase = Phase::Mixed, .batch = 4, .context = 500, .tokens = 304, .ms = 20}};
  c.rowErrors = {0.01, -0.02, 0.0, 0.05, -0.1};
  c.coverage.decodeBatch = {2, 16};
  c.coverage.prefillTokens = {900, 900};

  const auto charts = tune::calibrationCharts(c);
  REQUIRE(charts.size() == 2);
  std::string html;
  for (const auto& chart : charts) {
    html += analyze::renderSvg(chart);
  }
  const std::string decode = svgOf(html, "calibration-decode-3");
  CHECK_THAT(decode, Catch::Contains("data-series=\"measured\""));
  CHECK_THAT(decode, Catch::Contains("data-series=\"model\""));
  CHECK_THAT(decode, Catch::Contains("data-series=\"model at context 650\""));
  CHECK(charts[0].series[1].points.size() == 3); // the model at each measured row

  const std::string prompts = svgOf(html, "calibration-prompts-3");
  CHECK_THAT(prompts, Catch::Contains("data-series=\"prompts alone, measured\""));
  CHECK_THAT(prompts, Catch::Contains("data-series=\"prompts alone, model\""));
  CHECK_THAT(prompts, Catch::Contains("data-series=\"beside running streams, measured\""));
  CHECK_THAT(prompts, Catch::Contains("data-series=\"beside running streams, model\""));
  // The model's time at a measured row is the measured one moved by the fit's error on it.
  CHECK(charts[1].series[1].points.at(0).second == Approx(31.5));
  CHECK(charts[1].series[3].points.at(0).first == 300); // the prompt tokens beside 4 streams
}

} // namespace tt::test
