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

// One generation request of a capture, as forward recovery needs it. Times are microseconds in
// the server's own time (a tgi-sim capture's axis multiplied by its --time-scale, as analyze reads
// it), on the trace's axis.
struct CapturedRequest {
  int64_t id = 0;
  int64_t sentUs = 0;
  std::optional<int64_t> endUs;
  std::optional<int64_t> promptTokens;
  bool promptEstimated = false; // from the prompt's characters, not the server's count
  // The arrival of every token event, when the answer was streamed and its times kept; empty
  // otherwise (a non-streamed answer occupies the batch without showing its forwards).
  std::vector<int64_t> tokenUs;
};

struct CapturedTraffic {
  int64_t traceId = 0;
  std::string modelId;                   // /info's model_id
  double timeScale = 1;                  // tgi-sim's --time-scale from /info, 1 for a real TGI
  std::vector<CapturedRequest> requests; // generation requests in send order
  int64_t streamed() const;              // requests with at least one token time
};

// Reads a capture's generation requests and its /info. Throws StoreError for an unknown trace and
// CalibrationError when the trace has no /info (not a capture of TGI through tracetune proxy).
CapturedTraffic readCapturedTraffic(Store& store, int64_t traceId);

} // namespace tt::tune
