#pragma once

#include "analyze/analysis.h"

#include <ostream>

namespace tt::analyze {

// One self-contained HTML page (inline CSS, SVG and a small script; nothing fetched): the
// report's tables, the latency-throughput scatter with fitted curves per configuration (with a
// family), TTFT and ITL distributions, and a timeline of request rate, in-flight requests and
// latency. A chart without data is replaced by a sentence saying why. The page script marks
// each chart it finds drawn and records script errors on <body> (data-charts, data-rendered,
// data-errors) so a headless browser can check the page.
void writeHtml(const Report& report, std::ostream& out);

} // namespace tt::analyze
