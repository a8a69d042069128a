#pragma once

#include "analyze/analysis.h"

#include <optional>
#include <string>
#include <vector>

namespace tt::analyze {

// One number of a report in a flat form, shared by the terminal table and the CSV output so
// both list the same metrics with the same names and units.
struct MetricRow {
  std::string metric;    // "ttft", "request_rate", ...
  std::string statistic; // "mean", "p99", "count", "value", ...
  std::string unit;      // "ms", "req/s", "tokens/s", "%", "s", "" for counts
  std::optional<double> value;
};

// A trace's metrics, latencies in milliseconds.
std::vector<MetricRow> traceRows(const TraceReport& trace);
// A replay-to-source comparison, differences in milliseconds (tokens for output_tokens).
std::vector<MetricRow> deltaRows(const RequestDeltas& deltas);

} // namespace tt::analyze
