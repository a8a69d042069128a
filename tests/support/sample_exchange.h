#pragma once

#include "core/exchange.h"

#include <string>

namespace tt::test {

// A streamed /generate_stream exchange with every field set, distinct per `i`: `tokens` token
// events 20-40 ms apart and a request body of `bodyBytes`.
inline Exchange sampleExchange(int64_t i, int tokens = 100, size_t bodyBytes = 1024) {
  Exchange e;
  e.sourceRequestId = i % 3 == 0 ? std::optional<int64_t>(i + 7) : std::nullopt;
  e.session = "session-" + std::to_string(i % 17);
  e.intendedUs = i * 1000;
  e.sentUs = i * 1000 + i % 5;
  e.method = "POST";
  e.path = "/generate_stream";
  e.requestHeaders = {{"content-type", "application/json"}, {"x-request", std::to_string(i)}};
  e.clientAddress = "10.0.0." + std::to_string(i % 250);
  e.requestBody = std::string(bodyBytes, static_cast<char>('a' + i % 26));
  e.requestBodyBytes = static_cast<int64_t>(bodyBytes);
  e.endpoint = Endpoint::GenerateStream;
  e.stream = true;
  e.inputBytes = static_cast<int64_t>(bodyBytes) - 40;
  e.inputTokens = 200 + i % 50;
  e.inputTokensEstimated = i % 3 == 0;
  e.maxNewTokens = tokens;
  e.parameters = R"({"max_new_tokens":)" + std::to_string(tokens) + "}";
  e.prefixHashIds = {i, i + 1, i + 2};
  e.status = 200;
  e.responseHeaders = {{"content-type", "text/event-stream"}};
  e.responseHeadersUs = e.sentUs + 150;
  int64_t t = e.sentUs + 20'000 + i % 1000;
  for (int k = 0; k < tokens; ++k) {
    e.tokenTimesUs.push_back(t);
    t += 20'000 + (k * 7919 + i) % 20'000;
  }
  e.endUs = t;
  e.outputTokens = tokens;
  e.finishReason = "length";
  e.tgi.queueUs = i % 11;
  e.outcome = i % 10 == 9 ? Outcome::Truncated : Outcome::Ok;
  e.error = e.outcome == Outcome::Ok ? "" : "upstream closed mid-stream";
  return e;
}

} // namespace tt::test
