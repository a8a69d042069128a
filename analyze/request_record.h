#pragma once

#include "core/exchange.h"

#include <cstdint>
#include <optional>

namespace tt::analyze {

// What analysis keeps of one exchange: its times and counts, not its bodies or token list (a
// trace's inter-token gaps go straight into the trace's distribution; see TraceAccumulator).
// Times are microseconds on the trace's time axis.
struct RequestRecord {
  int64_t id = 0;
  std::optional<int64_t> sourceRequestId;
  std::optional<int64_t> intendedUs;
  int64_t sentUs = 0;
  std::optional<int64_t> firstTokenUs; // first token event (streamed answers only)
  std::optional<int64_t> endUs;
  std::optional<int64_t> inputTokens;
  int64_t outputTokens = 0; // the server's count where known, else the token events
  int64_t tokenEvents = 0;
  std::optional<int64_t> tgiQueueUs;
  Outcome outcome = Outcome::Ok;

  bool ok() const { return outcome == Outcome::Ok; }
  // Time to first token from the actual send; none for answers that were not streamed.
  std::optional<double> ttftUs() const;
  std::optional<double> e2eUs() const;
  // (e2e - TTFT) / (output tokens - 1), AIPerf's per-request ITL and vLLM's TPOT; needs at
  // least two output tokens and a first token time.
  std::optional<double> tpotUs() const;
  // The same latencies counted from the planned send time (replays), else from the actual one.
  std::optional<double> ttftFromIntendedUs() const;
  std::optional<double> e2eFromIntendedUs() const;
  std::optional<double> sendLagUs() const;
  // When the client could first read a token: the first token event, or the end of a
  // non-streamed answer (which carries every token at once). Used by the TTFT objective.
  std::optional<double> perceivedTtftUs(bool fromIntended) const;
};

// The record of an exchange; token times beyond the first are not kept.
RequestRecord recordFromExchange(const Exchange& exchange);

} // namespace tt::analyze
