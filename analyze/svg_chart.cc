#include "analyze/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace tt::analyze {
namespace {

constexpr double kWidth = 720;
constexpr double kHeight = 340;
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 36;
constexpr double kBottom = 50;
constexpr double kLegendRow = 16;
constexpr size_t kLegendChars = 52;

struct Range {
  double lo = 0;
  double hi = 1;
};

// About five round tick values covering [lo, hi]; widens the range to them.
std::vector<double> niceTicks(Range& r) {
  if (r.hi <= r.lo) {
    const double pad = r.lo == 0 ? 1 : std::abs(r.lo) * 0.1;
    r.lo -= pad;
    r.hi += pad;
  }
  const double raw = (r.hi - r.lo) / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  r.lo = std::floor(r.lo / step) * step;
  r.hi = std::ceil(r.hi / step) * step;
  std::vector<double> ticks;
  for (double t = r.lo; t <= r.hi + step / 2; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

std::string tickLabel(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

bool finite(const std::pair<double, double>& p) {
  return std::isfinite(p.first) && std::isfinite(p.second);
}

void writeMarker(ChartSeries::Marker marker, double cx, double cy, std::ostringstream& svg) {
  if (marker == ChartSeries::Marker::Cross) {
    svg << "<path data-marker=\"cross\" fill=\"none\" stroke-width=\"2\" d=\"M" << num(cx - 4)
        << " " << num(cy - 4) << "L" << num(cx + 4) << " " << num(cy + 4) << "M" << num(cx - 4)
        << " " << num(cy + 4) << "L" << num(cx + 4) << " " << num(cy - 4) << "\"/>";
    return;
  }
  svg << "<circle r=\"4\" cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\"/>";
}

// Reference lines go under the data; vertical ones' labels are stacked down from the top so
// that two close together stay readable.
template <typename Px, typename Py>
void writeRules(const std::vector<ChartRule>& rules, Px px, Py py, double plotW, double plotH,
                std::ostringstream& svg) {
  size_t verticals = 0;
  for (const auto& r : rules) {
    if (!std::isfinite(r.at)) {
      continue;
    }
    svg << "<g class=\"rule\" data-rule=\"" << escapeXml(r.kind) << "\" stroke=\"" << r.color
        << "\" fill=\"" << r.color << "\">";
    if (r.vertical) {
      const double x = px(r.at);
      const double labelY = kTop + 12 + static_cast<double>(verticals++) * 13;
      svg << "<line stroke-width=\"1.5\" stroke-dasharray=\"3 3\" x1=\"" << num(x) << "\" x2=\""
          << num(x) << "\" y1=\"" << num(kTop) << "\" y2=\"" << num(kTop + plotH) << "\"/>";
      // Past the middle the label goes left of its line, so it stays inside the plot.
      const bool left = x > kLeft + plotW / 2;
      svg << "<text class=\"rlabel\" stroke=\"none\" text-anchor=\"" << (left ? "end" : "start")
          << "\" x=\"" << num(left ? x - 4 : x + 4) << "\" y=\"" << num(labelY) << "\">"
          << escapeXml(r.label) << "</text>";
    } else {
      const double y = py(r.at);
      svg << "<line stroke-width=\"1.5\" stroke-dasharray=\"8 4\" x1=\"" << num(kLeft) << "\" x2=\""
          << num(kLeft + plotW) << "\" y1=\"" << num(y) << "\" y2=\"" << num(y) << "\"/>";
      svg << "<text class=\"rlabel\" stroke=\"none\" text-anchor=\"end\" x=\""
          << num(kLeft + plotW - 4) << "\" y=\"" << num(y - 4) << "\">" << escapeXml(r.label)
          << "</text>";
    }
    svg << "</g>";
  }
}

} // namespace

std::string escapeXml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string paletteColor(size_t index) {
  static constexpr const char* kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                            "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return kColors[index % std::size(kColors)];
}

bool hasData(const ChartSpec& chart) {
  for (const auto& s : chart.series) {
    if (std::any_of(s.points.begin(), s.points.end(), finite)) {
      return true;
    }
  }
  return false;
}

std::string renderSvg(const ChartSpec& chart) {
  Range x{std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()};
  Range y{0, std::numeric_limits<double>::lowest()}; // latency, rates and counts start at zero
  for (const auto& s : chart.series) {
    for (const auto& p : s.points) {
      if (finite(p)) {
        x.lo = std::min(x.lo, p.first);
        x.hi = std::max(x.hi, p.first);
        y.lo = std::min(y.lo, p.second);
        y.hi = std::max(y.hi, p.second);
      }
    }
  }
  for (const auto& r : chart.rules) {
    Range& axis = r.vertical ? x : y;
    if (std::isfinite(r.at)) {
      axis.lo = std::min(axis.lo, r.at);
      axis.hi = std::max(axis.hi, r.at);
    }
  }
  const std::vector<double> xTicks = niceTicks(x);
  const std::vector<double> yTicks = niceTicks(y);
  const double plotW = kWidth - kLeft - kRight;
  const double plotH = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (v - x.lo) / (x.hi - x.lo) * plotW; };
  auto py = [&](double v) { return kTop + plotH - (v - y.lo) / (y.hi - y.lo) * plotH; };

  // The legend goes under the plot, two entries a row, so it never hides data.
  size_t drawn = 0;
  for (const auto& s : chart.series) {
    drawn += std::any_of(s.points.begin(), s.points.end(), finite) ? 1 : 0;
  }
  const double legendTop = kHeight + 4;
  const double height = legendTop + static_cast<double>((drawn + 1) / 2) * kLegendRow + 4;

  std::ostringstream svg;
  svg << "<svg class=\"chart\" data-chart=\"" << escapeXml(chart.id) << "\" viewBox=\"0 0 "
      << kWidth << " " << num(height) << "\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">";
  svg << "<title>" << escapeXml(chart.title) << "</title>";
  svg << "<text class=\"ctitle\" x=\"" << kLeft << "\" y=\"20\">" << escapeXml(chart.title)
      << "</text>";
  for (const double t : yTicks) {
    svg << "<line class=\"grid\" x1=\"" << num(kLeft) << "\" x2=\"" << num(kLeft + plotW)
        << "\" y1=\"" << num(py(t)) << "\" y2=\"" << num(py(t)) << "\"/>";
    svg << "<text class=\"tick\" text-anchor=\"end\" x=\"" << num(kLeft - 6) << "\" y=\""
        << num(py(t) + 4) << "\">" << tickLabel(t) << "</text>";
  }
  for (const double t : xTicks) {
    svg << "<line class=\"grid\" y1=\"" << num(kTop) << "\" y2=\"" << num(kTop + plotH)
        << "\" x1=\"" << num(px(t)) << "\" x2=\"" << num(px(t)) << "\"/>";
    svg << "<text class=\"tick\" text-anchor=\"middle\" y=\"" << num(kTop + plotH + 16) << "\" x=\""
        << num(px(t)) << "\">" << tickLabel(t) << "</text>";
  }
  svg << "<rect class=\"frame\" x=\"" << num(kLeft) << "\" y=\"" << num(kTop) << "\" width=\""
      << num(plotW) << "\" height=\"" << num(plotH) << "\"/>";
  svg << "<text class=\"axis\" text-anchor=\"middle\" x=\"" << num(kLeft + plotW / 2) << "\" y=\""
      << num(kHeight - 10) << "\">" << escapeXml(chart.xLabel) << "</text>";
  svg << "<text class=\"axis\" text-anchor=\"middle\" transform=\"translate(16 "
      << num(kTop + plotH / 2) << ") rotate(-90)\">" << escapeXml(chart.yLabel) << "</text>";

  writeRules(chart.rules, px, py, plotW, plotH, svg);

  size_t entry = 0;
  for (const auto& s : chart.series) {
    std::vector<std::pair<double, double>> points;
    std::copy_if(s.points.begin(), s.points.end(), std::back_inserter(points), finite);
    if (points.empty()) {
      continue;
    }
    svg << "<g data-series=\"" << escapeXml(s.name) << "\" stroke=\"" << s.color << "\" fill=\""
        << s.color << "\">";
    if (s.line && points.size() > 1) {
      svg << "<polyline fill=\"none\" stroke-width=\"2\""
          << (s.dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
      for (const auto& [vx, vy] : points) {
        svg << num(px(vx)) << "," << num(py(vy)) << " ";
      }
      svg << "\"/>";
    }
    if (s.markers || points.size() == 1) {
      for (const auto& [vx, vy] : points) {
        writeMarker(s.marker, px(vx), py(vy), svg);
      }
    }
    // Labels follow the series' own points, skipped ones included, so index them there; they
    // alternate above and below, so that neighbours close together do not print over each other.
    for (size_t i = 0; i < s.labels.size() && i < s.points.size(); ++i) {
      if (finite(s.points[i]) && !s.labels[i].empty()) {
        const double dy = i % 2 == 0 ? -6 : 14;
        svg << "<text class=\"plabel\" stroke=\"none\" x=\"" << num(px(s.points[i].first) + 6)
            << "\" y=\"" << num(py(s.points[i].second) + dy) << "\">" << escapeXml(s.labels[i])
            << "</text>";
      }
    }
    svg << "</g>";
    const double lx = kLeft + static_cast<double>(entry % 2) * (plotW / 2);
    const double ly = legendTop + static_cast<double>(entry / 2) * kLegendRow + 10;
    ++entry;
    const std::string name =
        s.name.size() > kLegendChars ? s.name.substr(0, kLegendChars - 3) + "..." : s.name;
    svg << "<g class=\"legend\" stroke=\"" << s.color << "\" fill=\"" << s.color << "\">";
    if (s.line) {
      svg << "<line x1=\"" << num(lx) << "\" x2=\"" << num(lx + 22) << "\" y1=\"" << num(ly - 4)
          << "\" y2=\"" << num(ly - 4) << "\" stroke-width=\"3\""
          << (s.dashed ? " stroke-dasharray=\"4 3\"" : "") << "/>";
    } else { // points only: their marker, so dots and crosses are told apart
      writeMarker(s.marker, lx + 11, ly - 4, svg);
    }
    svg << "<text x=\"" << num(lx + 28) << "\" y=\"" << num(ly) << "\">" << escapeXml(name)
        << "<title>" << escapeXml(s.name) << "</title></text></g>";
  }
  svg << "</svg>";
  return svg.str();
}

} // namespace tt::analyze
