#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tt::analyze {

// A series of an x-y chart: markers (measured points) and/or a line (a fit, a CDF, a timeline).
struct ChartSeries {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
  bool line = true;
  bool markers = false;
  bool dashed = false;
};

struct ChartSpec {
  std::string id; // unique in the page
  std::string title;
  std::string xLabel;
  std::string yLabel;
  std::vector<ChartSeries> series;
};

// Whether the chart has at least one finite point to draw.
bool hasData(const ChartSpec& chart);

// An inline SVG line/scatter chart with axes, ticks, labels and a legend; scales to the width of
// its container. Non-finite points are skipped. Requires hasData(chart).
std::string renderSvg(const ChartSpec& chart);

// Escapes text for HTML and SVG.
std::string escapeXml(const std::string& text);

// A colour-blind-safe palette (Okabe and Ito), cycled by index.
std::string paletteColor(size_t index);

} // namespace tt::analyze
