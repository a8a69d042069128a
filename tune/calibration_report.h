#pragma once

#include "tune/calibration.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace tt::tune {

// `calibrate --format table`: what was recovered, the fit, the coefficients, the covered range
// and where the model extrapolates. `profilePath` is where the profile was written, or "".
void printCalibration(const Calibration& c, const std::string& profilePath, std::ostream& out);

// `calibrate --format json`: the same, machine-readable.
nlohmann::json calibrationJson(const Calibration& c, const std::string& profilePath);

} // namespace tt::tune
