#pragma once

#include "analyze/trace_metrics.h"
#include "replay/runner.h"

#include <ostream>
#include <string>

namespace tt::replay {

// A finished run for people: counts by outcome, rates, the latency table (`measured`: the run's
// exchanges through analyze), failures by status and reason, and a hint when requests waited
// for a connection.
void printSummary(const RunStats& stats, const analyze::TraceMetrics& measured, std::ostream& out);

// Why a finished run counts as failed (nothing answered, nothing succeeded, or more than
// `maxErrorRate` of the answered requests failed), or "" when it does not.
std::string failureVerdict(const RunStats& stats, double maxErrorRate);

} // namespace tt::replay
