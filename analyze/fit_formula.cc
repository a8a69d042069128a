#include "analyze/fit_formula.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tt::analyze {
namespace {

// " + 3.25*x" or " - 3.25*x".
std::string term(double coefficient, const std::string& factor) {
  return (coefficient < 0 ? " - " : " + ") + significant(std::abs(coefficient)) + factor;
}

} // namespace

std::string significant(double v) {
  if (v == 0 || !std::isfinite(v)) {
    return v == 0 ? "0" : std::to_string(v);
  }
  char text[64];
  if (std::abs(v) < 1e-4) {
    std::snprintf(text, sizeof text, "%.3g", v);
    return text;
  }
  const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(std::abs(v)))));
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  std::string out = text;
  if (decimals > 0) {
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') {
      out.pop_back();
    }
  }
  return out == "-0" ? "0" : out;
}

std::string fitFormula(const SeriesFit& fit) {
  if (fit.chosen == "line") {
    const auto& m = fit.line.fit->model;
    return significant(m.base) + term(m.slope, "*x");
  }
  if (fit.chosen == "queueing") {
    const auto& m = fit.queueing.fit->model;
    return significant(m.base) + term(m.scale, "*x/(" + significant(m.capacity) + " - x)");
  }
  if (fit.chosen == "piecewise") {
    const auto& m = fit.piecewise.fit->model;
    return significant(m.base) + term(m.slope, "*x") +
           term(m.extraSlope, "*max(0, x - " + significant(m.breakX) + ")");
  }
  return "";
}

} // namespace tt::analyze
