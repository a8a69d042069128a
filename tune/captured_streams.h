#pragma once

#include "schema/store.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt::tune {

// A capture that cannot be calibrated from; what() is one line saying what is missing and what
// traffic would fix it.
class CalibrationError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Too few streams to recover forwards from: `calibrate` then tries the scraped /metrics alone
// (metrics_only_calibration.h).
class TooFewStreamsError : public CalibrationError {
public:
  using CalibrationError::CalibrationError;
};

// One generation request of a capture, as forward recovery needs it. Times are microseconds in
// the server's own time (a tgi-sim capture's axis multiplied by its --time-scale, as analyze reads
// it), on the trace's axis.
struct CapturedRequest {
  int64_t id = 0;
  int64_t sentUs = 0;
  // When the server had the request: a stream's response head, which TGI sends before it
  // validates and queues the request (docs/tgi.md, "Streaming bytes"), so the time from the head
  // to the first token leaves out the request's way to the server and the token's way back; the
  // send where the capture has no head before the first token (none kept, or one that came with
  // it through a buffering hop).
  int64_t arrivalUs = 0;
  std::optional<int64_t> endUs;
  std::optional<int64_t> promptTokens;
  bool promptEstimated = false;      // from the prompt's size, not the server's count
  bool promptTokenized = false;      // counted by the server's /tokenize (server_prompt_counts.h)
  std::optional<int64_t> inputBytes; // the prompt's bytes in the request body
  // The arrival of every token event, when the answer was streamed and its times kept; empty
  // otherwise (a non-streamed answer occupies the batch without showing its forwards).
  std::vector<int64_t> tokenUs;
};

struct CapturedTraffic {
  int64_t traceId = 0;
  std::string modelId;                   // /info's model_id
  double timeScale = 1;                  // tgi-sim's --time-scale from /info, 1 for a real TGI
  std::vector<CapturedRequest> requests; // generation requests in send order
  // Prompt tokens per byte of prompt, learned from the requests with both the server's count and
  // the prompt's size (`ratioFrom` of them), for the prompts with no count; 0 when none had both
  // (the proxy's own estimate, characters / 4, stands).
  double tokensPerByte = 0;
  int64_t ratioFrom = 0;
  int64_t streamed() const; // requests with at least one token time
};

// Sets tokensPerByte from the counted prompts and re-estimates every prompt without a count
// (estimated by the proxy, or not at all) from its size.
void estimatePromptsFromBytes(CapturedTraffic& traffic);

// Reads a capture's generation requests and its /info. Throws StoreError for an unknown trace and
// CalibrationError when the trace has no /info (not a capture of TGI through tracetune proxy).
CapturedTraffic readCapturedTraffic(Store& store, int64_t traceId);

} // namespace tt::tune
