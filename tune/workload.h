#pragma once

#include "analyze/distribution.h"
#include "core/exchange.h"

#include <cstdint>
#include <optional>
#include <span>

namespace tt::tune {

// What a recommendation was optimised for: the arrival process and the requests' sizes of the
// generation requests of a trace, in the server's time.
struct Workload {
  int64_t requests = 0;
  double spanS = 0;         // first to last arrival
  double meanRatePerS = 0;  // (requests - 1) / span
  double peakRatePerS1 = 0; // the busiest 1 s, 10 s and 60 s windows, in requests/s
  double peakRatePerS10 = 0;
  double peakRatePerS60 = 0;
  // Coefficient of variation of the gaps between arrivals: 1 for Poisson arrivals, above for
  // bursts, below for a steady pace.
  double burstiness = 0;
  std::optional<analyze::Summary> inputTokens;
  std::optional<analyze::Summary> outputTokens;
  // max_new_tokens asked for against tokens generated, over the requests that state both: TGI
  // reserves KV blocks for what is asked, so what is asked and not generated is reserved for
  // nothing while the request runs.
  int64_t withMaxNewTokens = 0;
  int64_t askedTokens = 0;
  int64_t generatedTokens = 0;
  int64_t withoutMaxNewTokens = 0; // TGI then asks for max_total_tokens - input
  // Prompt blocks (hash ids) that an earlier request of the trace already had: the share the
  // prefix cache may save; nullopt when the trace has no prefix information.
  std::optional<double> sharedPrefixFraction;

  // Tokens reserved beyond those generated, as a share of the tokens asked for.
  double overReservation() const {
    return askedTokens > 0
               ? 1.0 - static_cast<double>(generatedTokens) / static_cast<double>(askedTokens)
               : 0;
  }
};

// The workload of `requests` (generation requests, in arrival order; times on the trace's axis
// multiplied by `timeScale`, see analyze/reader.h).
Workload describeWorkload(std::span<const Exchange> requests, double timeScale);

// The peak rate over windows of `windowUs`, in requests/s: the most arrivals in any window of that
// length starting at an arrival, divided by its length (for spans shorter than the window, the
// arrivals over the window).
double peakRatePerS(std::span<const int64_t> sortedArrivalsUs, int64_t windowUs);

} // namespace tt::tune
