#pragma once

#include "schema/store.h"
#include "sim/cost_model.h"
#include "sim/profile.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tt::tune {

// One scrape interval of a capture, as TGI's /metrics saw it: the mean decode forward (the
// interval's increase of tgi_batch_forward_duration{method="decode"} _sum over _count) and the
// batch size (tgi_batch_current_size, the mean of its samples at the interval's two scrapes).
// The gauge is one sample a scrape: the mean of the ends is the interval's batch only when the
// load held steady through it.
struct DecodeInterval {
  double batch = 0;
  double ms = 0;
  double first = 0; // the gauge at the interval's start and end
  double last = 0;
  int64_t forwards = 0;
};

// The decode part of the cost model fitted to /metrics alone, for a capture with too few streams
// to recover forwards from (docs/calibrate.md, "From /metrics alone"): the CUDA-graph decode's
// floor (graph_base_ms) and cost per sequence of the padded batch (graph_seq_ms), with the
// attention over the capture's mean context at the default profile's coefficients; every other
// coefficient is the default profile's.
struct MetricsOnlyCalibration {
  int64_t traceId = 0;
  std::string modelId;
  int64_t streamed = 0;                  // the streams there were (too few)
  std::vector<DecodeInterval> intervals; // those fitted
  int64_t eagerIntervals = 0;            // left out: batches above the largest CUDA graph
  int64_t changedIntervals = 0;          // left out: the ends' batches pad to different CUDA graphs
  int64_t context = 0;                   // mean context of a decoding sequence, from the capture
  double floorMs = 0;                    // graph_base_ms
  double perSequenceMs = 0;              // graph_seq_ms
  double rmsError = 0;                   // of the model on the intervals' means
  sim::CostModel model;                  // the default profile's, with the two fitted
  sim::Profile profile;                  // the rows written
  std::string csv;
};

// The decode intervals of a capture, in time order: intervals with decode forwards whose counters
// did not go down (a restarted server) and whose batch gauge was scraped, not idle, at both ends.
std::vector<DecodeInterval> readDecodeIntervals(Store& store, int64_t traceId);

// Fits the decode floor and cost per sequence to `intervals`. Throws CalibrationError, one line,
// when they cannot determine them: fewer than 3 intervals, fewer than 2 padded batch sizes, or
// decode times that do not grow with the batch.
MetricsOnlyCalibration fitDecodeFromMetrics(const std::vector<DecodeInterval>& intervals,
                                            int64_t context,
                                            const std::vector<int64_t>& cudaGraphs);

// `calibrate` on a capture with too few streams: reads the intervals and the context and fits.
// `why` is the reason the streams could not be used: the refusal, with what /metrics lacks too,
// when it cannot stand in.
MetricsOnlyCalibration calibrateFromMetrics(Store& store, int64_t traceId,
                                            const std::vector<int64_t>& cudaGraphs,
                                            const std::string& why);

void printMetricsOnlyCalibration(const MetricsOnlyCalibration& c, const std::string& profilePath,
                                 std::ostream& out);
nlohmann::json metricsOnlyJson(const MetricsOnlyCalibration& c, const std::string& profilePath);

} // namespace tt::tune
