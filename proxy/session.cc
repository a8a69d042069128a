#include "proxy/session.h"

#include "core/credentials.h"
#include "core/http_headers.h"
#include "core/http_write.h"
#include "core/tgi_error.h"
#include "core/tgi_request.h"
#include "core/uv_util.h"
#include "proxy/capture.h"
#include "proxy/forward_headers.h"
#include "proxy/server.h"
#include "proxy/token_scan.h"

#include <algorithm>
#include <cstring>

namespace tt::proxy {
namespace {

// A queued write: the request first, the bytes beside it (docs/style.md, "Buffers and write
// requests"). Only the slow path allocates one: the fast path writes with uv_try_write straight
// from the session's buffer.
struct WriteBlock {
  uv_write_t req;
  std::string data;
  Session* session = nullptr;
  UpstreamConn* conn = nullptr;
};

HttpParser::Options requestOptions(const Config& c) {
  HttpParser::Options o;
  o.limits.maxHeaderBytes = c.maxHeaderBytes;
  o.limits.maxHeaders = c.maxHeaders;
  o.limits.maxUrlBytes = c.maxUrlBytes;
  o.limits.maxBodyBytes = c.maxBodyBytes == 0 ? UINT64_MAX : c.maxBodyBytes;
  o.stopAfterMessage = true;
  return o;
}

HttpParser::Options responseOptions(const Config& c) {
  HttpParser::Options o;
  o.limits.maxHeaderBytes = c.maxResponseHeaderBytes;
  o.limits.maxHeaders = 1000;
  o.stopAfterMessage = true;
  return o;
}

// The reason phrases the proxy writes: for its own errors, and where an upstream sent none. Not
// core's table: a status this one lacks has always been "Unknown" here.
std::string_view proxyReasonPhrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 431:
    return "Request Header Fields Too Large";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return "Unknown";
  }
}

bool isTransferEncoding(std::string_view name) {
  return iequals(name, "transfer-encoding");
}

bool startsWithCi(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string peerAddress(const uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "unknown";
  }
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&addr), text, sizeof text);
  } else {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&addr), text, sizeof text);
  }
  return text;
}

// origin-form of an absolute-form target (`http://host/path?q` -> `/path?q`).
std::string_view originForm(std::string_view target) {
  if (startsWithCi(target, "http://") || startsWithCi(target, "https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find_first_of("/?", authority);
    if (slash == std::string_view::npos || target[slash] == '?') {
      return {}; // "/" then the query, if any: see onRequestHead
    }
    return target.substr(slash);
  }
  return target;
}

int64_t msUntil(int64_t deadlineNs, int64_t nowNs) {
  return deadlineNs <= nowNs ? 0 : (deadlineNs - nowNs + 999'999) / 1'000'000;
}

} // namespace

Session::Session(Server& server)
    : server_(server),
      requestParser_(HttpParser::Kind::Request, requestSide_, requestOptions(server.config())) {
  uv_tcp_init(server_.loop(), &client_);
  client_.data = this;
  uv_timer_init(server_.loop(), &timer_);
  timer_.data = this;
  handlesOpen_ = 2;
  server_.sessionOpened(this);
}

void Session::start(uv_stream_t* listener) {
  now_ = server_.clock().nowNs();
  lastActivityNs_ = idleSinceNs_ = now_;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&client_)) != 0) {
    close();
    return;
  }
  setNoDelay(&client_);
  peer_ = peerAddress(&client_);
  updateReadState();
  armTimer();
}

void Session::drain() {
  draining_ = true;
  if (state_ == State::Idle) {
    close();
  } else if (state_ == State::Exchange) {
    closeAfter_ = true;
  }
}

void Session::close() {
  if (state_ == State::Closed) {
    return;
  }
  if (state_ == State::Exchange) {
    upstreamBroken_ = true;
    finishExchange(Outcome::ClientAbort, "connection closed by the proxy");
  }
  state_ = State::Closed;
  if (upstream_ != nullptr) {
    server_.releaseUpstream(upstream_, false);
    upstream_ = nullptr;
  }
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Session::onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&client_), &Session::onClosed);
}

void Session::onClosed(uv_handle_t* handle) {
  auto* s = static_cast<Session*>(handle->data);
  if (--s->handlesOpen_ == 0) {
    s->server_.sessionClosed(s);
    delete s;
  }
}

// ---- client leg ----------------------------------------------------------------------------

void Session::onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  *buf = static_cast<Session*>(handle->data)->server_.readBuffer();
}

void Session::onClientRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* s = static_cast<Session*>(stream->data);
  if (nread == 0 || s->state_ == State::Closed) {
    return;
  }
  s->now_ = s->server_.clock().nowNs();
  if (nread < 0) {
    s->handleClientEof(nread);
    return;
  }
  s->lastActivityNs_ = s->now_;
  s->server_.counters().clientBytesIn += static_cast<uint64_t>(nread);
  s->handleClientData(std::string_view(buf->base, static_cast<size_t>(nread)));
  s->flushUpstream();
  s->flushClient();
  s->updateReadState();
  s->armTimer();
}

void Session::handleClientData(std::string_view data) {
  switch (state_) {
  case State::Idle:
    feedRequest(data);
    break;
  case State::Exchange:
    if (requestDone_) {
      pending_.append(data); // the next request waits for this response
    } else {
      feedRequest(data);
    }
    break;
  case State::Lingering:
  case State::Closed:
    break; // discarded
  }
}

void Session::feedRequest(std::string_view data) {
  if (state_ == State::Idle && !headStarted_) {
    headStarted_ = true;
    headStartNs_ = now_;
  }
  const ParseResult r = requestParser_.execute(data);
  switch (r.status) {
  case ParseStatus::Ok:
    break;
  case ParseStatus::MessageEnd:
    if (r.consumed < data.size() && state_ != State::Lingering) {
      pending_.append(data.substr(r.consumed));
    }
    break;
  case ParseStatus::Upgrade:
    // A request asking to switch protocols was forwarded without its Upgrade headers; nothing
    // after it on this connection is HTTP we could parse, so the connection ends after it.
    closeAfter_ = true;
    break;
  case ParseStatus::Error:
    rejectRequest(requestParser_.error(), requestParser_.errorReason());
    break;
  }
}

void Session::handleClientEof(ssize_t status) {
  if (status != UV_EOF) {
    server_.counters().count(ErrorKind::ClientRead);
  }
  if (state_ == State::Exchange) {
    server_.counters().count(ErrorKind::ClientAbort);
    upstreamBroken_ = true; // an unfinished request or response: the connection is unusable
    finishExchange(Outcome::ClientAbort, "the client closed the connection");
  }
  close();
}

void Session::onClientWritten(uv_write_t* req, int status) {
  auto* block = static_cast<WriteBlock*>(req->data);
  Session* s = block->session;
  delete block;
  --s->clientWrites_;
  if (s->state_ == State::Closed) {
    return;
  }
  s->now_ = s->server_.clock().nowNs();
  if (status < 0) {
    s->server_.counters().count(ErrorKind::ClientWrite);
    s->handleClientEof(status);
    return;
  }
  s->lastActivityNs_ = s->now_;
  s->updateReadState();
  s->armTimer();
}

void Session::onShutdown(uv_shutdown_t* req, int status) {
  auto* s = static_cast<Session*>(req->handle->data);
  if (s->state_ == State::Closed) {
    return;
  }
  if (status < 0) {
    s->close();
  }
  // Otherwise linger: the client reads our answer, then closes; its EOF closes the session.
}

void Session::flushClient() {
  if (clientOut_.empty()) {
    return;
  }
  if (state_ == State::Closed) {
    clientOut_.clear();
    return;
  }
  Counters& counters = server_.counters();
  counters.clientBytesOut += clientOut_.size();
  auto* stream = reinterpret_cast<uv_stream_t*>(&client_);
  if (clientWrites_ == 0) {
    uv_buf_t buf = uv_buf_init(clientOut_.data(), static_cast<unsigned>(clientOut_.size()));
    const int n = uv_try_write(stream, &buf, 1);
    if (n == static_cast<int>(clientOut_.size())) {
      clientOut_.clear();
      if (clientOut_.capacity() > 64 * 1024) {
        clientOut_.shrink_to_fit();
      }
      return;
    }
    if (n < 0 && n != UV_EAGAIN) {
      clientOut_.clear();
      counters.count(ErrorKind::ClientWrite);
      handleClientEof(n);
      return;
    }
    if (n > 0) {
      clientOut_.erase(0, static_cast<size_t>(n));
    }
  }
  auto* block = new WriteBlock;
  block->data.swap(clientOut_);
  block->session = this;
  block->req.data = block;
  uv_buf_t buf = uv_buf_init(block->data.data(), static_cast<unsigned>(block->data.size()));
  const int rc = uv_write(&block->req, stream, &buf, 1, &Session::onClientWritten);
  if (rc != 0) {
    delete block;
    counters.count(ErrorKind::ClientWrite);
    handleClientEof(rc);
    return;
  }
  ++clientWrites_;
  counters.peakQueuedBytes = std::max<uint64_t>(counters.peakQueuedBytes, client_.write_queue_size);
}

void Session::flushUpstream() {
  if (upstreamOut_.empty()) {
    return;
  }
  if (state_ != State::Exchange) {
    upstreamOut_.clear();
    return;
  }
  Counters& counters = server_.counters();
  if (upstream_ == nullptr) {
    upstream_ = server_.acquireUpstream(this, &upstreamReused_);
    if (upstream_ == nullptr) {
      upstreamOut_.clear();
      failUpstream(ErrorKind::UpstreamConnect, 502, "cannot connect to the upstream");
      return;
    }
    connectStartNs_ = now_;
    upstreamReading_ = upstreamReused_; // a pooled connection is read all along
    if (responseParser_) {
      responseParser_->reset(); // one parser for every exchange: its buffers are reused
    } else {
      responseParser_.emplace(HttpParser::Kind::Response, responseSide_,
                              responseOptions(server_.config()));
    }
    responseParser_->setHeadRequest(headRequest_);
  }
  counters.upstreamBytesOut += upstreamOut_.size();
  UpstreamConn& conn = *upstream_;
  if (conn.connected() && conn.pendingWrites_ == 0) {
    uv_buf_t buf = uv_buf_init(upstreamOut_.data(), static_cast<unsigned>(upstreamOut_.size()));
    const int n = uv_try_write(conn.stream(), &buf, 1);
    if (n == static_cast<int>(upstreamOut_.size())) {
      upstreamOut_.clear();
      if (upstreamOut_.capacity() > 64 * 1024) {
        upstreamOut_.shrink_to_fit();
      }
      return;
    }
    if (n < 0 && n != UV_EAGAIN) {
      upstreamOut_.clear();
      failUpstream(ErrorKind::UpstreamWrite, 502, "cannot write to the upstream");
      return;
    }
    if (n > 0) {
      upstreamOut_.erase(0, static_cast<size_t>(n));
    }
  }
  auto* block = new WriteBlock;
  block->data.swap(upstreamOut_);
  block->conn = &conn;
  block->req.data = block;
  uv_buf_t buf = uv_buf_init(block->data.data(), static_cast<unsigned>(block->data.size()));
  const int rc = uv_write(&block->req, conn.stream(), &buf, 1, [](uv_write_t* req, int status) {
    auto* b = static_cast<WriteBlock*>(req->data);
    UpstreamConn* c = b->conn;
    delete b;
    --c->pendingWrites_;
    if (c->owner_ != nullptr && status != UV_ECANCELED) {
      c->owner_->onUpstreamWritten(status);
    }
  });
  if (rc != 0) {
    delete block;
    failUpstream(ErrorKind::UpstreamWrite, 502, "cannot write to the upstream");
    return;
  }
  ++conn.pendingWrites_;
  counters.peakQueuedBytes = std::max<uint64_t>(counters.peakQueuedBytes, conn.queuedBytes());
}

// The one function that starts and stops reads (docs/style.md, "Backpressure in one function"):
// each leg is read only while the other leg's write queue is below the high watermark, and resumes
// at the low one.
void Session::updateReadState() {
  if (state_ == State::Closed) {
    return;
  }
  const Config& c = server_.config();
  const auto hysteresis = [&c](bool reading, size_t queued) {
    return reading ? queued < c.highWatermark : queued <= c.lowWatermark;
  };

  bool wantClient = true;
  if (state_ == State::Exchange) {
    if (!requestDone_) {
      const size_t queued = upstream_ != nullptr ? upstream_->queuedBytes() : 0;
      wantClient = hysteresis(clientReading_, queued);
    } else {
      wantClient = pending_.size() < c.pipelineBytes;
    }
  }
  if (wantClient != clientReading_) {
    auto* stream = reinterpret_cast<uv_stream_t*>(&client_);
    if (wantClient) {
      clientReading_ = uv_read_start(stream, &Session::onAlloc, &Session::onClientRead) == 0;
    } else {
      uv_read_stop(stream);
      clientReading_ = false;
      ++server_.counters().readPauses;
    }
  }

  bool wantUpstream =
      state_ == State::Exchange && upstream_ != nullptr && upstream_->connected() && !responseDone_;
  if (wantUpstream) {
    wantUpstream = hysteresis(upstreamReading_, client_.write_queue_size);
  }
  if (upstream_ != nullptr && wantUpstream != upstreamReading_) {
    if (wantUpstream) {
      upstreamReading_ = uv_read_start(upstream_->stream(), &UpstreamConn::onAllocRead,
                                       &UpstreamConn::onRead) == 0;
    } else {
      uv_read_stop(upstream_->stream());
      upstreamReading_ = false;
      if (!responseDone_) {
        ++server_.counters().readPauses;
      }
    }
  }
}

// One timer per session; it is re-armed only when a deadline moves earlier. A deadline that
// moved later (activity) is noticed when the timer fires and re-armed then.
void Session::armTimer() {
  const Config& c = server_.config();
  int64_t deadline = 0;
  switch (state_) {
  case State::Idle:
    deadline = headStarted_ ? headStartNs_ + c.headerTimeoutMs * 1'000'000
                            : idleSinceNs_ + c.keepAliveTimeoutMs * 1'000'000;
    break;
  case State::Exchange:
    if (upstream_ != nullptr && !upstream_->connected()) {
      deadline = connectStartNs_ + c.connectTimeoutMs * 1'000'000;
    } else {
      deadline = lastActivityNs_ + c.idleTimeoutMs * 1'000'000;
    }
    break;
  case State::Lingering:
    deadline = lingerSinceNs_ + c.lingerMs * 1'000'000;
    break;
  case State::Closed:
    return;
  }
  if (!timerArmed_ || deadline < timerDueNs_) {
    timerArmed_ = true;
    timerDueNs_ = deadline;
    uv_timer_start(&timer_, &Session::onTimer, static_cast<uint64_t>(msUntil(deadline, now_)), 0);
  }
}

void Session::onTimer(uv_timer_t* timer) {
  auto* s = static_cast<Session*>(timer->data);
  s->timerArmed_ = false;
  s->now_ = s->server_.clock().nowNs();
  const Config& c = s->server_.config();
  switch (s->state_) {
  case State::Idle:
    if (s->headStarted_) {
      if (s->now_ >= s->headStartNs_ + c.headerTimeoutMs * 1'000'000) {
        s->server_.counters().count(ErrorKind::HeaderTimeout);
        s->sendError(408, "request head not received in time", "timeout", true);
        s->flushClient();
      }
    } else if (s->now_ >= s->idleSinceNs_ + c.keepAliveTimeoutMs * 1'000'000) {
      s->close();
      return;
    }
    break;
  case State::Exchange:
    if (s->upstream_ != nullptr && !s->upstream_->connected()) {
      if (s->now_ >= s->connectStartNs_ + c.connectTimeoutMs * 1'000'000) {
        s->failUpstream(ErrorKind::UpstreamConnect, 504, "upstream connect timed out");
        s->flushClient();
      }
    } else if (s->now_ >= s->lastActivityNs_ + c.idleTimeoutMs * 1'000'000) {
      s->failUpstream(ErrorKind::UpstreamTimeout, 504, "idle timeout: no bytes moved");
      s->flushClient();
    }
    break;
  case State::Lingering:
    if (s->now_ >= s->lingerSinceNs_ + c.lingerMs * 1'000'000) {
      s->close();
      return;
    }
    break;
  case State::Closed:
    return;
  }
  s->updateReadState();
  s->armTimer();
}

// ---- request -------------------------------------------------------------------------------

void Session::resetExchange() {
  upstreamReused_ = false;
  requestDone_ = false;
  responseStarted_ = false;
  responseDone_ = false;
  upstreamKeepAlive_ = false;
  upstreamBroken_ = false;
  closeAfter_ = false;
  requestChunked_ = false;
  clientChunked_ = false;
  headRequest_ = false;
  sse_ = false;
  requestBodyCut_ = false;
  responseBodyCut_ = false;
  requestSha_.reset();
  splitter_.reset();
  tally_ = TgiStreamTally{};
}

void Session::onRequestHead(const HttpHead& head) {
  if (state_ != State::Idle) {
    return;
  }
  if (head.method == "CONNECT") {
    server_.counters().count(ErrorKind::RequestMalformed);
    sendError(405, "CONNECT is not supported", "proxy", true);
    return;
  }
  if (!head.httpProtocol) {
    // llhttp parses RTSP and ICE requests too; forwarded as HTTP/1.1 they would change meaning,
    // and no TGI route speaks them.
    server_.counters().count(ErrorKind::RequestMalformed);
    sendError(400, "not an HTTP request", "validation", true);
    return;
  }
  resetExchange();
  const Config& c = server_.config();
  state_ = State::Exchange;
  ++server_.counters().exchangesOpen;
  headStarted_ = false;

  std::string_view target = originForm(head.target);
  std::string rooted;
  if (target.empty()) { // absolute-form without a path: `http://host?q` is `/?q`
    const size_t query = head.target.find('?');
    rooted = "/" + (query == std::string::npos ? std::string() : head.target.substr(query));
    target = rooted;
  }
  record_.sentUs = (headStartNs_ - server_.originNs()) / 1000;
  record_.method = head.method;
  record_.path = targetForStorage(target); // credentials in the query are not stored
  record_.endpoint = endpointFor(head.method, target);
  record_.requestHeaders = storedHeaders(head.headers, HopByHop(head.headers));
  record_.clientAddress = peer_;

  clientKeepAlive_ = head.keepAlive;
  clientHttp11_ = head.versionMajor == 1 && head.versionMinor >= 1;
  closeAfter_ = !head.keepAlive || draining_;
  requestChunked_ = head.chunked;
  headRequest_ = head.method == "HEAD";
  if (c.redact != Redact::None) {
    requestSha_.emplace();
  }

  appendRequestLine(upstreamOut_, head.method, c.upstream.prefix, target);
  appendRequestHeaders(upstreamOut_, head.headers, peer_, c.upstream.hostHeader());
  appendHeadEnd(upstreamOut_);
}

void Session::onRequestBody(std::string_view chunk) {
  if (state_ != State::Exchange) {
    return;
  }
  const Config& c = server_.config();
  record_.requestBodyBytes += static_cast<int64_t>(chunk.size());
  if (requestSha_) {
    requestSha_->update(chunk);
  }
  if (!requestBodyCut_) { // kept even under Redact::Bodies until its fields are parsed
    const size_t room =
        c.captureBodyBytes - std::min(c.captureBodyBytes, record_.requestBody.size());
    record_.requestBody.append(chunk.substr(0, room));
    requestBodyCut_ = chunk.size() > room;
  }
  if (requestChunked_) {
    appendChunk(upstreamOut_, chunk);
  } else {
    upstreamOut_.append(chunk);
  }
}

void Session::onRequestComplete(const HttpHead& head) {
  if (state_ != State::Exchange) {
    return;
  }
  if (requestChunked_) {
    appendLastChunkLine(upstreamOut_);
    appendForwarded(upstreamOut_, head.trailers, HopByHop(head.trailers));
    appendHeadEnd(upstreamOut_);
  }
  requestDone_ = true;
}

void Session::rejectRequest(HttpError error, std::string_view reason) {
  Counters& counters = server_.counters();
  const bool tooLarge = error == HttpError::HeaderTooLarge || error == HttpError::TooManyHeaders ||
                        error == HttpError::UriTooLong || error == HttpError::BodyTooLarge;
  counters.count(tooLarge ? ErrorKind::RequestTooLarge : ErrorKind::RequestMalformed);
  const int status = httpStatusFor(error);
  const std::string message = "invalid request: " + std::string(reason);
  if (state_ == State::Exchange) {
    // The head went (or was about to go) upstream: what this read produced is dropped and the
    // upstream connection is never reused, so nothing half-parsed can desynchronise it.
    upstreamOut_.clear();
    upstreamBroken_ = true;
    const bool started = responseStarted_;
    if (!started) {
      record_.status = status;
    }
    finishExchange(started ? Outcome::Truncated : Outcome::HttpError, message);
    if (started) {
      closeAfterFlush();
      return;
    }
  }
  if (state_ == State::Lingering || state_ == State::Closed) {
    return;
  }
  sendError(status, message, "validation", true);
}

void Session::sendError(int status, std::string_view message, std::string_view type, bool close) {
  const std::string body = tgiErrorBody(message, type);
  appendStatusLine(clientOut_, status, proxyReasonPhrase(status));
  appendHeader(clientOut_, "Content-Type", "application/json");
  appendHeader(clientOut_, "Content-Length", std::to_string(body.size()));
  if (close) {
    appendHeader(clientOut_, "Connection", "close");
  }
  appendHeadEnd(clientOut_);
  if (!headRequest_) { // an answer to HEAD has no body, whatever its Content-Length says
    clientOut_ += body;
  }
  if (close) {
    closeAfterFlush();
  }
}

void Session::closeAfterFlush() {
  if (state_ == State::Closed || state_ == State::Lingering) {
    return;
  }
  if (state_ == State::Exchange) {
    upstreamBroken_ = true;
    finishExchange(Outcome::ClientAbort, "connection closed by the proxy");
  }
  state_ = State::Lingering;
  lingerSinceNs_ = now_;
  pending_.clear();
  flushClient();
  if (state_ == State::Closed) {
    return;
  }
  if (uv_shutdown(&shutdownReq_, reinterpret_cast<uv_stream_t*>(&client_), &Session::onShutdown) !=
      0) {
    close();
    return;
  }
  shutdownSent_ = true;
  updateReadState();
  armTimer();
}

// ---- upstream ------------------------------------------------------------------------------

void Session::onUpstreamConnected(int status) {
  now_ = server_.clock().nowNs();
  if (state_ != State::Exchange) {
    return;
  }
  if (status < 0) {
    failUpstream(ErrorKind::UpstreamConnect, 502,
                 std::string("cannot connect to the upstream: ") + uv_strerror(status));
    flushClient();
  } else {
    lastActivityNs_ = now_;
  }
  updateReadState();
  armTimer();
}

void Session::onUpstreamWritten(int status) {
  now_ = server_.clock().nowNs();
  if (state_ != State::Exchange) {
    return;
  }
  if (status < 0) {
    failUpstream(ErrorKind::UpstreamWrite, 502,
                 std::string("cannot write to the upstream: ") + uv_strerror(status));
    flushClient();
  } else {
    lastActivityNs_ = now_;
  }
  updateReadState();
  armTimer();
}

void Session::onUpstreamRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0 || state_ != State::Exchange) {
    return;
  }
  now_ = server_.clock().nowNs();
  if (nread < 0) {
    if (nread != UV_EOF) {
      upstreamBroken_ = true;
    }
    const EofState eof = nread == UV_EOF ? responseParser_->finish() : EofState::Truncated;
    upstreamBroken_ = true; // the upstream closed: this connection is done
    if (!responseDone_) {
      const bool nothing = !responseStarted_;
      failUpstream(ErrorKind::UpstreamRead, 502,
                   nothing ? "the upstream closed the connection before responding"
                   : eof == EofState::Truncated ? "the upstream closed the connection mid-response"
                                                : "the upstream connection failed");
      flushClient();
      updateReadState();
      armTimer();
      return;
    }
  } else {
    lastActivityNs_ = now_;
    server_.counters().upstreamBytesIn += static_cast<uint64_t>(nread);
    std::string_view rest(buf->base, static_cast<size_t>(nread));
    while (!rest.empty()) {
      const ParseResult r = responseParser_->execute(rest);
      if (r.status == ParseStatus::Ok) {
        break;
      }
      if (r.status == ParseStatus::MessageEnd) {
        rest.remove_prefix(r.consumed);
        if (responseDone_) {
          upstreamBroken_ = upstreamBroken_ || !rest.empty();
          break;
        }
        continue; // an interim (1xx) response ended; the final one follows
      }
      upstreamBroken_ = true;
      failUpstream(ErrorKind::UpstreamMalformed, 502,
                   r.status == ParseStatus::Upgrade
                       ? std::string("the upstream switched protocols")
                       : "the upstream sent a malformed response: " +
                             std::string(responseParser_->errorReason()));
      flushClient();
      updateReadState();
      armTimer();
      return;
    }
  }
  flushClient();
  if (state_ == State::Exchange && responseDone_) {
    finishExchange(record_.status.value_or(0) >= 400 ? Outcome::HttpError : Outcome::Ok, {});
    afterExchange();
    flushUpstream();
    flushClient();
  }
  updateReadState();
  armTimer();
}

void Session::onResponseHead(const HttpHead& head) {
  if (head.isInterim()) {
    if (clientHttp11_) {
      appendStatusLine(clientOut_, head.status, head.reason);
      appendForwarded(clientOut_, head.headers, HopByHop(head.headers));
      appendHeadEnd(clientOut_);
    }
    return;
  }
  if (head.status == 101) {
    return; // refused in onUpstreamRead: we never asked for an upgrade
  }
  const Config& c = server_.config();
  responseStarted_ = true;
  record_.status = head.status;
  record_.responseHeadersUs = (now_ - server_.originNs()) / 1000;
  const HopByHop hop(head.headers);
  record_.responseHeaders = storedHeaders(head.headers, hop);
  upstreamKeepAlive_ = head.keepAlive;

  const bool bodyless = headRequest_ || head.status == 204 || head.status == 304;
  // Chunked or close-delimited upstream: re-chunk for HTTP/1.1 clients, else close after.
  const bool reframe = !bodyless && !head.contentLength;
  clientChunked_ = reframe && clientHttp11_;
  closeAfter_ = closeAfter_ || (reframe && !clientHttp11_) || draining_;
  appendStatusLine(clientOut_, head.status,
                   head.reason.empty() ? proxyReasonPhrase(head.status)
                                       : std::string_view(head.reason));
  appendForwarded(clientOut_, head.headers, hop, reframe ? &isTransferEncoding : nullptr);
  if (clientChunked_) {
    appendHeader(clientOut_, "Transfer-Encoding", "chunked");
  }
  if (closeAfter_) {
    appendHeader(clientOut_, "Connection", "close");
  } else if (!clientHttp11_) {
    appendHeader(clientOut_, "Connection", "keep-alive");
  }
  appendHeadEnd(clientOut_);

  const std::string* type = findHeader(head.headers, "content-type");
  sse_ = type != nullptr && startsWithCi(trimOws(*type), "text/event-stream");
  if (sse_) {
    splitter_.emplace(c.maxSseEventBytes);
  }
}

void Session::onResponseBody(std::string_view chunk) {
  if (!responseStarted_) {
    return;
  }
  if (clientChunked_) {
    appendChunk(clientOut_, chunk);
  } else {
    clientOut_.append(chunk);
  }
  if (splitter_ && !splitter_->failed()) {
    splitter_->feed(chunk, eventSide_);
  }
  const Config& c = server_.config();
  if (c.redact != Redact::Bodies && !responseBodyCut_) {
    const size_t room =
        c.captureBodyBytes - std::min(c.captureBodyBytes, record_.responseBody.size());
    record_.responseBody.append(chunk.substr(0, room));
    responseBodyCut_ = chunk.size() > room;
  }
}

void Session::onSseEvent(const SseEvent& event) {
  Counters& counters = server_.counters();
  ++counters.sseEvents;
  // Most events are plain tokens: a scan tells them apart without building a JSON document.
  bool token = isTokenEvent(event.data);
  if (token) {
    tally_.addToken();
  } else {
    const TgiEventKind kind = tally_.add(event.data).kind;
    token = kind == TgiEventKind::Token || kind == TgiEventKind::Final;
  }
  if (token) {
    ++counters.tokenEvents;
    record_.tokenTimesUs.push_back((now_ - server_.originNs()) / 1000);
  }
}

void Session::onResponseComplete(const HttpHead& head) {
  if (head.isInterim() || !responseStarted_) {
    return;
  }
  if (clientChunked_) {
    appendLastChunkLine(clientOut_);
    appendForwarded(clientOut_, head.trailers, HopByHop(head.trailers));
    appendHeadEnd(clientOut_);
  }
  responseDone_ = true;
  upstreamKeepAlive_ = head.keepAlive;
}

void Session::failUpstream(ErrorKind kind, int status, std::string_view message) {
  if (state_ != State::Exchange) {
    return;
  }
  server_.counters().count(kind);
  upstreamBroken_ = true;
  const bool timeout =
      kind == ErrorKind::UpstreamTimeout || (kind == ErrorKind::UpstreamConnect && status == 504);
  if (!responseStarted_) {
    record_.status = status;
    finishExchange(timeout ? Outcome::Timeout : Outcome::UpstreamError, std::string(message));
    // The client gets a TGI-shaped error; its connection stays open when its request is whole.
    const bool keep = requestDone_ && clientKeepAlive_ && !closeAfter_ && !draining_;
    sendError(status, message, timeout ? "timeout" : "bad_gateway", !keep);
    if (keep) {
      afterExchange();
    }
    return;
  }
  // The response began: it is cut short, never completed (no last chunk).
  finishExchange(timeout ? Outcome::Timeout : Outcome::Truncated, std::string(message));
  closeAfterFlush();
}

void Session::finishExchange(Outcome outcome, std::string error) {
  if (state_ != State::Exchange) {
    return;
  }
  const Config& c = server_.config();
  Counters& counters = server_.counters();
  record_.endUs = (now_ - server_.originNs()) / 1000;
  record_.outcome = outcome;
  record_.error = std::move(error);
  if (requestSha_) {
    record_.requestBodySha256 = requestSha_->finishHex();
    requestSha_.reset();
  }
  if (sse_) {
    applyStreamTally(record_, tally_);
  }
  ++counters.exchanges[static_cast<size_t>(record_.outcome)];
  --counters.exchangesOpen;
  const CaptureExtras extras{.redact = c.redact,
                             .requestBodyCut = requestBodyCut_,
                             .responseBodyCut = responseBodyCut_,
                             .sse = sse_};
  if (!server_.recorder().record(std::move(record_), extras)) {
    counters.count(ErrorKind::CaptureDropped);
  }
  record_ = Exchange{};

  if (upstream_ != nullptr) {
    const bool reusable = outcome != Outcome::ClientAbort && outcome != Outcome::Timeout &&
                          responseDone_ && requestDone_ && upstreamKeepAlive_ && !upstreamBroken_ &&
                          upstream_->pendingWrites_ == 0;
    // A reused connection stays read (releaseUpstream reads it while idle): no epoll change.
    upstreamReading_ = false;
    server_.releaseUpstream(upstream_, reusable);
    upstream_ = nullptr;
  }
  splitter_.reset();
  upstreamOut_.clear();
  state_ = State::Idle;
  idleSinceNs_ = now_;
}

void Session::afterExchange() {
  if (state_ != State::Idle) {
    return;
  }
  if (closeAfter_ || !requestDone_ || draining_) {
    closeAfterFlush();
    return;
  }
  headRequest_ = false; // the next request's errors are not answers to a HEAD
  if (!pending_.empty()) {
    std::string next;
    next.swap(pending_);
    feedRequest(next);
  }
}

} // namespace tt::proxy
