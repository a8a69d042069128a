#include "replay/response_reader.h"

#include "core/http_headers.h"
#include "core/tgi_response.h"

namespace tt::replay {

ResponseReader::ResponseReader(Exchange& exchange, int64_t originNs, size_t maxBodyBytes)
    : exchange_(exchange), originNs_(originNs), maxBodyBytes_(maxBodyBytes) {}

void ResponseReader::onResponseFailed(Outcome outcome, std::string error, int64_t nowNs) {
  exchange_.endUs = us(nowNs);
  exchange_.outcome = outcome;
  exchange_.error = std::move(error);
  if (tally_.tokens() > 0) {
    exchange_.outputTokens = tally_.outputTokens();
  }
}

void ResponseReader::onResponseHead(const HttpHead& head, int64_t nowNs) {
  exchange_.status = head.status;
  exchange_.responseHeaders = headersForStorage(head.headers);
  exchange_.responseHeadersUs = us(nowNs);
  const std::string* type = head.find("content-type");
  sse_ = type != nullptr && type->find("text/event-stream") != std::string::npos;
}

void ResponseReader::onResponseBody(std::string_view chunk, int64_t nowNs) {
  if (exchange_.responseBody.size() < maxBodyBytes_) {
    exchange_.responseBody.append(chunk.substr(0, maxBodyBytes_ - exchange_.responseBody.size()));
  }
  if (sse_ && !splitter_.failed()) {
    chunkNs_ = nowNs;
    splitter_.feed(chunk, *this);
  }
}

void ResponseReader::onEvent(const SseEvent& event) {
  const TgiEvent e = tally_.add(event.data);
  if (e.kind == TgiEventKind::Token || e.kind == TgiEventKind::Final) {
    exchange_.tokenTimesUs.push_back(us(chunkNs_));
  }
}

void ResponseReader::onResponseComplete(int64_t nowNs) {
  exchange_.endUs = us(nowNs);
  const int status = exchange_.status.value_or(0);
  exchange_.outcome = status >= 400 ? Outcome::HttpError : Outcome::Ok;
  if (sse_) {
    exchange_.outputTokens = tally_.outputTokens();
    exchange_.finishReason = tally_.finishReason();
    if (tally_.promptTokens()) {
      exchange_.tgi.promptTokens = tally_.promptTokens();
    }
    if (tally_.sawError()) {
      exchange_.outcome = Outcome::HttpError;
      exchange_.error = "error in stream: " + tally_.errorMessage();
    } else if (!tally_.sawFinal() && exchange_.outcome == Outcome::Ok) {
      exchange_.outcome = Outcome::Truncated;
      exchange_.error = "stream ended without a final token event";
    }
    return;
  }
  exchange_.tgi = parseTgiTimings(exchange_.responseHeaders);
  const TgiResponseInfo info = parseTgiResponse(exchange_.responseBody);
  if (info.generatedTokens) {
    exchange_.outputTokens = info.generatedTokens;
  } else if (exchange_.tgi.generatedTokens) {
    exchange_.outputTokens = exchange_.tgi.generatedTokens;
  }
  exchange_.finishReason = info.finishReason;
  if (exchange_.outcome == Outcome::HttpError) {
    exchange_.error = info.errorMessage.value_or("HTTP " + std::to_string(status));
  }
}

} // namespace tt::replay
