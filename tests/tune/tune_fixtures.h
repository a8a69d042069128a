#pragma once

#include "core/exchange.h"
#include "replay/row_parser.h"
#include "tune/load_run.h"

#include <cstdint>
#include <vector>

namespace tt::test {

// A generation request as an import gives it: arrival, prompt and output sizes.
inline Exchange generation(int64_t arrivalUs, int64_t inputTokens, int64_t outputTokens) {
  Exchange e = replay::importedExchange(arrivalUs, inputTokens, outputTokens);
  e.finishReason = "length";
  return e;
}

// `n` requests `gapUs` apart, each of `inputTokens` and `outputTokens`.
inline tune::WhatIfTrace steadyTrace(int n, int64_t gapUs, int64_t inputTokens,
                                     int64_t outputTokens) {
  std::vector<Exchange> requests;
  for (int i = 0; i < n; ++i) {
    requests.push_back(generation(i * gapUs, inputTokens, outputTokens));
  }
  return tune::whatIfTrace(std::move(requests), 1.0, 0);
}

} // namespace tt::test
