#pragma once

#include "analyze/analysis.h"
#include "analyze/report_table.h"
#include "analyze/svg_chart.h"

#include <ostream>
#include <string>
#include <vector>

namespace tt::analyze {

// Tables shown first, under their own heading (a recommendation and its evidence), then its
// charts.
struct HtmlSection {
  std::string heading;
  std::vector<TextTable> tables;
  std::vector<ChartSpec> charts;
};

// One self-contained HTML page (inline CSS, SVG and a small script; nothing fetched): `leading`,
// then the report's tables, the latency-throughput scatter with fitted curves per configuration
// (with a family), TTFT and ITL distributions, and a timeline of request rate, in-flight requests
// and latency. A chart without data is replaced by a sentence saying why. The page script marks
// each chart it finds drawn and records script errors on <body> (data-charts, data-rendered,
// data-errors) so a headless browser can check the page.
void writeHtml(const Report& report, std::ostream& out, const HtmlSection& leading = {});

} // namespace tt::analyze
