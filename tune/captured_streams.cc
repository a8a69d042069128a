#include "tune/captured_streams.h"

#include "analyze/reader.h"
#include "core/exchange.h"
#include "core/token_times.h"
#include "schema/server_info.h"

#include <algorithm>
#include <cmath>

namespace tt::tune {

int64_t CapturedTraffic::streamed() const {
  return std::count_if(requests.begin(), requests.end(),
                       [](const CapturedRequest& r) { return !r.tokenUs.empty(); });
}

CapturedTraffic readCapturedTraffic(Store& store, int64_t traceId) {
  const auto trace = store.findTrace(traceId);
  if (!trace) {
    throw StoreError("no trace " + std::to_string(traceId) +
                     " in the database: list them with tracetune traces --db FILE");
  }
  const ServerInfo info = ServerInfo::read(trace->serverInfoJson);
  if (!info.fromTgi) {
    throw CalibrationError("trace " + std::to_string(traceId) +
                           " has no /info from a TGI server: calibrate needs a capture made by "
                           "tracetune proxy in front of TGI (it reads /info and the token times)");
  }
  CapturedTraffic traffic;
  traffic.traceId = traceId;
  traffic.modelId = info.modelId;
  traffic.timeScale = analyze::serverTimeScale(*trace);
  const double scale = traffic.timeScale;
  const auto scaled = [scale](int64_t us) {
    return static_cast<int64_t>(std::llround(static_cast<double>(us) * scale));
  };

  auto stmt = store.db().prepare(
      "SELECT id, endpoint, sent_us, end_us, COALESCE(input_tokens, tgi_prompt_tokens), "
      "input_tokens_estimated, token_times, input_bytes, response_headers_us FROM requests "
      "WHERE trace_id = ? "
      "ORDER BY sent_us, id");
  stmt.bind(1, traceId);
  while (stmt.step()) {
    const auto endpoint = endpointFromName(stmt.text(1));
    if (!endpoint || !isGeneration(*endpoint)) {
      continue; // /info, /metrics, /tokenize, ...: no forward
    }
    CapturedRequest r;
    r.id = stmt.int64(0);
    const int64_t sent = stmt.int64(2);
    r.sentUs = scaled(sent);
    if (const auto end = stmt.optInt64(3)) {
      r.endUs = scaled(*end);
    }
    r.promptTokens = stmt.optInt64(4);
    r.promptEstimated = stmt.int64(5) != 0;
    if (!stmt.isNull(6)) {
      if (auto times = decodeTokenTimes(stmt.blob(6), sent)) {
        for (const int64_t t : *times) {
          r.tokenUs.push_back(scaled(t));
        }
      }
    }
    r.inputBytes = stmt.optInt64(7);
    // A head that came with the first token (a buffering hop between the server and the proxy)
    // says nothing of when the server had the request.
    r.arrivalUs = r.sentUs;
    if (const auto head = stmt.optInt64(8);
        head && !r.tokenUs.empty() && scaled(*head) < r.tokenUs.front()) {
      r.arrivalUs = std::max(scaled(*head), r.sentUs);
    }
    traffic.requests.push_back(std::move(r));
  }
  estimatePromptsFromBytes(traffic);
  return traffic;
}

void estimatePromptsFromBytes(CapturedTraffic& traffic) {
  int64_t tokens = 0;
  int64_t bytes = 0;
  traffic.ratioFrom = 0;
  for (const CapturedRequest& r : traffic.requests) {
    if (r.promptTokens && !r.promptEstimated && r.inputBytes && *r.inputBytes > 0) {
      tokens += *r.promptTokens;
      bytes += *r.inputBytes;
      ++traffic.ratioFrom;
    }
  }
  if (bytes == 0) {
    traffic.tokensPerByte = 0;
    return;
  }
  traffic.tokensPerByte = static_cast<double>(tokens) / static_cast<double>(bytes);
  for (CapturedRequest& r : traffic.requests) {
    if ((!r.promptTokens || r.promptEstimated) && r.inputBytes && *r.inputBytes > 0) {
      r.promptTokens = std::max<int64_t>(
          1, std::llround(static_cast<double>(*r.inputBytes) * traffic.tokensPerByte));
      r.promptEstimated = true;
    }
  }
}

} // namespace tt::tune
