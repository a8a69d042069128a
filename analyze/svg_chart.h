#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tt::analyze {

// A series of an x-y chart: markers (measured points) and/or a line (a fit, a CDF, a timeline).
struct ChartSeries {
  enum class Marker { Dot, Cross };
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
  bool line = true;
  bool markers = false;
  bool dashed = false;
  Marker marker = Marker::Dot;
  std::vector<std::string> labels; // written beside each marker, where given (one per point)
};

// A reference line across the whole plot, labelled where it starts: horizontal at y = `at` (an
// objective) or vertical at x = `at` (a knee, a capacity). The axes always reach it.
struct ChartRule {
  std::string kind; // "slo", "knee", "capacity": the data-rule attribute, for readers and tests
  bool vertical = false;
  double at = 0;
  std::string label;
  std::string color;
};

struct ChartSpec {
  std::string id; // unique in the page
  std::string title;
  std::string xLabel;
  std::string yLabel;
  std::vector<ChartSeries> series;
  std::vector<ChartRule> rules;
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
