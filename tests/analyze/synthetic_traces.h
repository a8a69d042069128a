#pragma once

#include "schema/store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tt::test {

// Adds a trace of `n` streamed requests sent at `rate` per second whose latency follows a
// saturating queue: TTFT = 100 ms + 30 ms * rate / (capacity - rate), 10 tokens whose gaps grow
// with the rate. Returns the trace id.
inline int64_t addSyntheticTrace(Store& store, const std::string& label, double rate, int n,
                                 const std::string& serverInfo = "{}", double capacity = 12) {
  const int64_t id = store.createTrace({.kind = TraceKind::Replay,
                                        .label = label,
                                        .serverInfoJson = serverInfo,
                                        .originUnixUs = 1'700'000'000'000'000});
  std::vector<Exchange> exchanges;
  const double ttftUs = 100'000 + 30'000 * rate / (capacity - rate);
  const auto gapUs = static_cast<int64_t>(20'000 + 2'000 * rate);
  for (int i = 0; i < n; ++i) {
    Exchange e;
    e.sentUs = static_cast<int64_t>(i * 1e6 / rate);
    e.intendedUs = e.sentUs - (i % 3) * 1'000;
    e.path = "/generate_stream";
    e.endpoint = Endpoint::GenerateStream;
    e.stream = true;
    e.status = 200;
    e.inputTokens = 100 + i % 40;
    int64_t t = e.sentUs + static_cast<int64_t>(ttftUs) + (i % 7) * 2'000;
    for (int k = 0; k < 10; ++k) {
      e.tokenTimesUs.push_back(t);
      t += gapUs + (k % 3) * 1'000;
    }
    e.endUs = t;
    e.outputTokens = 10;
    if (i % 11 == 10) {
      e.status = 429;
      e.outcome = Outcome::HttpError;
      e.tokenTimesUs.clear();
      e.endUs = e.sentUs + 500;
      e.outputTokens.reset();
    }
    exchanges.push_back(std::move(e));
  }
  store.append(id, exchanges);
  return id;
}

} // namespace tt::test
