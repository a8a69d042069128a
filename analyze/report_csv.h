#pragma once

#include "analyze/analysis.h"

#include <ostream>

namespace tt::analyze {

// The report as one long CSV table (RFC 4180), a row per number:
// section,trace_id,label,metric,statistic,value,unit. Sections: trace, delta (trace_id is the
// replay), curve_point, fit and capacity (label is the configuration). Absent values are left out.
void writeCsv(const Report& report, std::ostream& out);

} // namespace tt::analyze
