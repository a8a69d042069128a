#pragma once

#include "analyze/report_table.h"
#include "tune/calibration.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace tt::tune {

// `calibrate --format table`: what was recovered, the fit, the coefficients, the covered range
// and where the model extrapolates. `profilePath` is where the profile was written, or "".
void printCalibration(const Calibration& c, const std::string& profilePath, std::ostream& out);

// `analyze --html` on a capture: the calibration as tables, the measured step times against the
// fitted model per decode batch size and per prompt size (docs/calibrate.md, "In the report").
std::vector<analyze::TextTable> calibrationTables(const Calibration& c);

// `calibrate --format json`: the same, machine-readable.
nlohmann::json calibrationJson(const Calibration& c, const std::string& profilePath);

} // namespace tt::tune
