#include "replay/response_reader.h"

#include "core/http_headers.h"
#include "core/tgi_response.h"

namespace tt::replay {

ResponseReader::ResponseReader(Exchange& exchange, int64_t originNs, size_t maxBodyBytes)
    : exchange_(exchange), originNs_(originNs), maxBodyBytes_(maxBodyBytes),
      parser_(HttpParser::Kind::Response, *this, {.stopAfterMessage = true}) {}

ResponseReader::State ResponseReader::feed(std::string_view bytes, int64_t nowNs) {
  if (state_ != State::Reading) {
    return state_;
  }
  nowNs_ = nowNs;
  const ParseResult r = parser_.execute(bytes);
  if (state_ == State::Reading && r.status == ParseStatus::Error) {
    fail(Outcome::UpstreamError, "malformed response: " + std::string(parser_.errorReason()),
         nowNs);
  } else if (state_ == State::Complete && r.consumed < bytes.size()) {
    keepAlive_ = false; // bytes nobody asked for: do not reuse the connection
  }
  return state_;
}

ResponseReader::State ResponseReader::eof(int64_t nowNs) {
  if (state_ != State::Reading) {
    return state_;
  }
  nowNs_ = nowNs;
  switch (parser_.finish()) {
  case EofState::Complete:
    if (state_ == State::Reading) {
      finishOk();
    }
    keepAlive_ = false;
    break;
  case EofState::Idle:
    fail(Outcome::UpstreamError, "connection closed before a response", nowNs);
    break;
  case EofState::Truncated:
    fail(Outcome::Truncated, "connection closed mid-response", nowNs);
    break;
  }
  return state_;
}

void ResponseReader::fail(Outcome outcome, std::string error, int64_t nowNs) {
  if (state_ != State::Reading) {
    return;
  }
  state_ = State::Failed;
  keepAlive_ = false;
  exchange_.endUs = us(nowNs);
  exchange_.outcome = outcome;
  exchange_.error = std::move(error);
  if (tally_.tokens() > 0) {
    exchange_.outputTokens = tally_.outputTokens();
  }
}

void ResponseReader::onHead(const HttpHead& head) {
  if (head.isInterim()) {
    return;
  }
  exchange_.status = head.status;
  exchange_.responseHeaders = headersForStorage(head.headers);
  exchange_.responseHeadersUs = us(nowNs_);
  const std::string* type = head.find("content-type");
  sse_ = type != nullptr && type->find("text/event-stream") != std::string::npos;
}

void ResponseReader::onBody(std::string_view chunk) {
  if (exchange_.responseBody.size() < maxBodyBytes_) {
    exchange_.responseBody.append(chunk.substr(0, maxBodyBytes_ - exchange_.responseBody.size()));
  }
  if (sse_ && !splitter_.failed()) {
    splitter_.feed(chunk, *this);
  }
}

void ResponseReader::onEvent(const SseEvent& event) {
  const TgiEvent e = tally_.add(event.data);
  if (e.kind == TgiEventKind::Token || e.kind == TgiEventKind::Final) {
    exchange_.tokenTimesUs.push_back(us(nowNs_));
  }
}

void ResponseReader::onMessageComplete(const HttpHead& head) {
  if (head.isInterim() || state_ != State::Reading) {
    return;
  }
  keepAlive_ = head.keepAlive;
  finishOk();
}

void ResponseReader::finishOk() {
  state_ = State::Complete;
  exchange_.endUs = us(nowNs_);
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
