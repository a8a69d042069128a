#pragma once

#include "analyze/series_fit.h"

#include <string>

namespace tt::analyze {

// `v` to three significant digits without an exponent where it can ("1569", "40.1", "0.0123"),
// trailing zeros dropped.
std::string significant(double v);

// The chosen model of a series as a formula, latency in ms of x in req/s, each sign written
// once: "120 + 3.25*x", "250 + 40*x/(12 - x)", "100 - 5*x + 60*max(0, x - 20)"; "" when no
// model was chosen.
std::string fitFormula(const SeriesFit& fit);

} // namespace tt::analyze
