#include "core/http_response_reader.h"

namespace tt {

HttpResponseReader::HttpResponseReader(HttpLimits limits)
    : parser_(HttpParser::Kind::Response, *this, {.limits = limits, .stopAfterMessage = true}) {}

HttpResponseReader::State HttpResponseReader::feed(std::string_view bytes, int64_t nowNs) {
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

HttpResponseReader::State HttpResponseReader::eof(int64_t nowNs) {
  if (state_ != State::Reading) {
    return state_;
  }
  nowNs_ = nowNs;
  switch (parser_.finish()) {
  case EofState::Complete:
    if (state_ == State::Reading) {
      complete();
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

void HttpResponseReader::fail(Outcome outcome, std::string error, int64_t nowNs) {
  if (state_ != State::Reading) {
    return;
  }
  state_ = State::Failed;
  keepAlive_ = false;
  onResponseFailed(outcome, std::move(error), nowNs);
}

void HttpResponseReader::onHead(const HttpHead& head) {
  if (!head.isInterim()) {
    onResponseHead(head, nowNs_);
  }
}

void HttpResponseReader::onBody(std::string_view chunk) {
  onResponseBody(chunk, nowNs_);
}

void HttpResponseReader::onMessageComplete(const HttpHead& head) {
  if (head.isInterim() || state_ != State::Reading) {
    return;
  }
  keepAlive_ = head.keepAlive;
  complete();
}

void HttpResponseReader::complete() {
  state_ = State::Complete;
  onResponseComplete(nowNs_);
}

} // namespace tt
