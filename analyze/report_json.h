#pragma once

#include "analyze/analysis.h"

#include <nlohmann/json.hpp>

namespace tt::analyze {

// The whole report as JSON: times in microseconds (keys end in _us), rates per second, absent
// values as null (never NaN).
nlohmann::json jsonReport(const Report& report);

} // namespace tt::analyze
