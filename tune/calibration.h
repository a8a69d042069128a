#pragma once

#include "schema/store.h"
#include "sim/cost_model.h"
#include "sim/profile.h"
#include "tune/captured_streams.h"
#include "tune/forward_recovery.h"
#include "tune/metrics_evidence.h"
#include "tune/server_prompt_counts.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tt::tune {

struct CalibrationOptions {
  RecoveryOptions recovery;
  std::vector<int64_t> cudaGraphs{1, 2, 4, 8, 16, 32}; // TGI's default --cuda-graphs
  int64_t minStreamedRequests = 20;                    // fewer cannot show a range of batch sizes
  std::optional<TokenizeOptions> tokenize; // count uncounted prompts with the server's /tokenize
};

// A closed range of sizes the measured forwards covered.
struct SizeRange {
  int64_t lo = 0;
  int64_t hi = 0;
  bool empty() const { return hi == 0; }
  bool contains(int64_t v) const { return !empty() && v >= lo && v <= hi; }
  void add(int64_t v);
};

// What the measured forwards covered, per kind of forward: a shape outside it is an
// extrapolation of the fitted model.
struct Coverage {
  SizeRange decodeBatch;   // sequences in decode forwards (graph or eager)
  SizeRange decodeContext; // their mean context
  SizeRange mixedBatch;    // decoding sequences beside completed prompts
  SizeRange mixedContext;
  SizeRange mixedChunk;    // prompt tokens computed beside them
  SizeRange prefillTokens; // prompt tokens of forwards of prompts alone
  // Whether a profile row's shape lies inside the ranges of its kind.
  bool covers(const sim::ProfileRow& row) const;
};

// The fitted model's relative error on the individual measured forwards (not the binned rows).
struct ForwardFitError {
  int64_t forwards = 0;
  double median = 0;
  double p90 = 0;
  double p99 = 0;
};

struct Calibration {
  int64_t traceId = 0;
  std::string modelId;
  double timeScale = 1;
  int64_t requests = 0;         // generation requests
  int64_t streamed = 0;         // of those, with token times
  int64_t promptsCounted = 0;   // prompt sizes from the server's counts
  int64_t promptsTokenized = 0; // from the server's /tokenize (--tokenize-url)
  int64_t promptsEstimated = 0; // from the prompt's size (CapturedTraffic::tokensPerByte)
  double tokensPerByte = 0;     // the ratio they were estimated with; 0: characters / 4
  int64_t ratioFrom = 0;        // the requests with both a count and a size it was learned from
  RecoveredSchedule schedule;
  int64_t measuredDecode = 0;
  int64_t measuredMixed = 0;
  int64_t measuredPrefill = 0;
  sim::Profile measured;         // rows of the measured forwards (calibration_rows.h)
  std::vector<double> rowErrors; // the robust fit's relative error on each of them
  int64_t rowsLeftOut = 0;       // rows far off a first fit, not fitted (calibration_fit.h)
  sim::Profile profile;          // the rows written: the fitted model on a grid of covered shapes
  sim::FittedProfile fitted;     // fitProfile of those rows: what --profile FILE will load
  ForwardFitError forwardError;  // of `fitted`
  Coverage coverage;
  std::vector<std::string> extrapolations; // one line each, with the traffic that would help
  std::optional<MetricsEvidence> metrics;  // the server's own decode times, where it was scraped
  std::optional<TokenizeOutcome> tokenize; // with --tokenize-url: what /tokenize counted and not
  std::string csv;                         // the profile file
};

// `tracetune calibrate`: recovers the forwards of a capture, fits the cost model to them and
// writes it as profile rows (docs/calibrate.md). Throws StoreError for an unknown trace and
// CalibrationError, one line, when the capture cannot determine a model.
Calibration calibrate(Store& store, int64_t traceId, const CalibrationOptions& options);

// The same from traffic already read (readCapturedTraffic, or a simulation's token times).
Calibration calibrateTraffic(const CapturedTraffic& traffic, CalibrationOptions options);

} // namespace tt::tune
