#pragma once

#include "sim/cost_model.h"
#include "tune/captured_streams.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tt::tune {

// One forward pass of the server, recovered from the token events of a capture.
struct RecoveredForward {
  int64_t endUs = 0;              // the first token arrival of the forward
  std::optional<int64_t> startUs; // when the server began it, where the capture shows it
  int64_t tokens = 0;             // token events it emitted (one per stream in it)
  int64_t decodeSeqs = 0;         // streams that got their second or later token
  int64_t kvTokens = 0;           // KV tokens those streams attend: prompt + generated so far
  int64_t maxContext = 0;         // the longest of those contexts
  std::vector<int64_t> prompts;   // prompt lengths whose first token it emitted
  bool fromIdle = false;          // began at a request's arrival, not at the previous forward's end
  bool composition = false;       // everything it computed is known (see forward_recovery.cc)
  // Its time: end less start, or its share of a run of late sends (see forward_recovery.cc);
  // none where the start is unknown or a late send hides it.
  std::optional<double> durationUs;

  std::optional<double> ms() const;
  // Timed and fully known: a measurement of the cost model at its shape.
  bool measured() const { return composition && durationUs.has_value(); }
};

struct RecoveryOptions {
  // The prompt tokens one forward may compute (--max-batch-prefill-tokens): a prompt beyond it is
  // chunked over forwards that the capture does not all show.
  int64_t maxBatchPrefillTokens = 4096;
};

struct RecoveredSchedule {
  std::vector<RecoveredForward> forwards;
  double toleranceUs = 0;  // token events closer than this to a forward's first one belong to it
  double medianStepUs = 0; // the median gap between two tokens of one stream
};

// Groups the token events of all streams into forwards: TGI sends the tokens of every stream in
// a forward at the forward's end (backends/v3/src/backend.rs, send_responses), so they arrive
// together, and one stream has at most one token per forward. Throws CalibrationError when no
// stream has two tokens.
RecoveredSchedule recoverForwards(const CapturedTraffic& traffic, const RecoveryOptions& options);

} // namespace tt::tune

namespace tt::tune {

// The forward as the cost model sees it (sim/cost_model.h), with TGI's CUDA graph padding of a
// decode-only forward.
sim::ForwardShape forwardShape(const RecoveredForward& forward,
                               const std::vector<int64_t>& cudaGraphs);

} // namespace tt::tune
