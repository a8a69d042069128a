#pragma once

#include "analyze/batch_views.h"
#include "analyze/compare.h"
#include "analyze/curves.h"
#include "analyze/slo.h"
#include "analyze/timeline.h"
#include "analyze/trace_metrics.h"
#include "schema/store.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt::analyze {

// A selection that cannot be analysed (unknown trace, empty family); the message says what to do.
class AnalyzeError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct TraceReport {
  TraceInfo info;
  double timeScale = 1; // its times were multiplied by this (serverTimeScale)
  TraceMetrics metrics;
  BatchViews batches;
  Timeline timeline;
};

// Everything `tracetune analyze` reports, in the order the traces were named.
struct Report {
  std::string database;
  Slo slo;
  std::vector<TraceReport> traces;
  std::vector<RequestDeltas> deltas; // each selected replay whose source is selected too
  std::optional<Curves> curves;      // with a family
};

struct Selection {
  std::vector<int64_t> traceIds;
  std::optional<std::string> family; // traces whose label starts with it
};

// Reads and analyses the selected traces; throws AnalyzeError or StoreError.
Report analyzeStore(Store& store, const Selection& selection, const Slo& slo);

} // namespace tt::analyze
