#pragma once

#include "core/clock.h"
#include "core/exchange.h"
#include "core/url.h"
#include "replay/prompt_synth.h"

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::replay {

// Resolves the target's host (names through getaddrinfo, blocking: done once, before the run).
// Returns the libuv error (< 0) and sets `error` when it cannot.
int resolveTarget(const HttpUrl& target, sockaddr_storage& address, std::string& error);

// One request on a private loop, waiting for the whole response (at most timeoutMs). The
// exchange says how it went: outcome UpstreamError with the reason when the target is not
// reachable.
Exchange fetchOnce(const HttpUrl& target, const sockaddr_storage& address, const Clock& clock,
                   const std::string& method, const std::string& path, const std::string& body,
                   uint64_t timeoutMs);

// How synthesized prompt lengths were calibrated against the target's tokenizer.
struct Calibration {
  bool calibrated = false; // /tokenize answered
  double tokensPerWord = 1.0;
  std::string note;           // one line for people: what was measured, or why not
  double meanAbsErrorPct = 0; // |tokenized - wanted| / wanted over the check prompts
  double maxAbsErrorPct = 0;
};

// Tokenizes a probe prompt through POST /tokenize to measure tokens per word, then checks the
// achieved length of prompts synthesized for `checkLengths` (e.g. a few of the trace's input
// lengths). Without /tokenize the estimate stays one token per word.
Calibration calibrateSynthesis(const HttpUrl& target, const sockaddr_storage& address,
                               const Clock& clock, const std::vector<int64_t>& checkLengths,
                               int blockTokens);

} // namespace tt::replay
