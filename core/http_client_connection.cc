#include "core/http_client_connection.h"

#include "core/uv_util.h"

#include <memory>

namespace tt {

HttpClientConnection::HttpClientConnection(uv_loop_t* loop, HttpClientConnectionOwner& owner,
                                           const Clock& clock)
    : loop_(loop), owner_(owner), clock_(clock) {
  uv_tcp_init(loop_, &tcp_);
  uv_timer_init(loop_, &timer_);
  tcp_.data = this;
  timer_.data = this;
  connectReq_.data = this;
}

void HttpClientConnection::connect(const sockaddr* address, uint64_t timeoutMs) {
  state_ = State::Connecting;
  connectStartedNs_ = clock_.nowNs();
  if (timeoutMs > 0) {
    uv_timer_start(&timer_, &HttpClientConnection::onTimeout, timeoutMs, 0);
  }
  const int rc = uv_tcp_connect(&connectReq_, &tcp_, address, &HttpClientConnection::onConnect);
  if (rc != 0) {
    owner_.onConnected(*this, rc);
    close();
  }
}

void HttpClientConnection::onConnect(uv_connect_t* req, int status) {
  auto* self = static_cast<HttpClientConnection*>(req->data);
  if (self->state_ == State::Closing) {
    return;
  }
  if (status != 0) {
    self->owner_.onConnected(*self, status);
    self->close();
    return;
  }
  uv_timer_stop(&self->timer_);
  setNoDelay(&self->tcp_);
  self->state_ = State::Idle;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), &HttpClientConnection::onAlloc,
                &HttpClientConnection::onRead);
  self->owner_.onConnected(*self, 0);
}

void HttpClientConnection::send(std::string wire, HttpResponseReader& reader, uint64_t timeoutMs) {
  state_ = State::Busy;
  reader_ = &reader;
  if (timeoutMs > 0) {
    uv_timer_start(&timer_, &HttpClientConnection::onTimeout, timeoutMs, 0);
  }
  auto* write = new Write{{}, std::move(wire), this};
  write->req.data = write;
  uv_buf_t buf = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
  const int rc = uv_write(&write->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1,
                          &HttpClientConnection::onWrite);
  if (rc != 0) {
    delete write;
    abort(Outcome::UpstreamError, std::string("write failed: ") + uv_strerror(rc));
  }
}

// libuv runs every write callback before the handle's close callback: the connection is alive.
void HttpClientConnection::onWrite(uv_write_t* req, int status) {
  std::unique_ptr<Write> write(static_cast<Write*>(req->data));
  HttpClientConnection* self = write->connection;
  if (status != 0 && status != UV_ECANCELED && self->state_ == State::Busy) {
    self->abort(Outcome::UpstreamError, std::string("write failed: ") + uv_strerror(status));
  }
}

// One read buffer per loop thread, shared by its connections: each read is parsed, and what is
// kept copied, inside its callback, before libuv asks for a buffer again. A buffer per
// connection cost 64 KiB each, 640 MiB at 10,000 streams, faulted in while the run sends.
void HttpClientConnection::onAlloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  thread_local char readBuffer[64 * 1024];
  *buf = uv_buf_init(readBuffer, sizeof readBuffer);
}

void HttpClientConnection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<HttpClientConnection*>(stream->data);
  if (nread == 0 || self->state_ == State::Closing) {
    return;
  }
  const int64_t now = self->clock_.nowNs();
  if (self->state_ != State::Busy) { // idle: the server closed (or spoke out of turn)
    self->close();
    return;
  }
  self->handleRead(nread, buf, now);
  // The connection may be closing now; it is destroyed only after onClosed, in a later turn.
  self->owner_.afterRead(self->clock_.nowNs());
}

void HttpClientConnection::handleRead(ssize_t nread, const uv_buf_t* buf, int64_t now) {
  HttpResponseReader::State state = HttpResponseReader::State::Reading;
  if (nread < 0) {
    state = nread == UV_EOF ? reader_->eof(now) : HttpResponseReader::State::Failed;
    if (nread != UV_EOF) {
      reader_->fail(Outcome::UpstreamError,
                    std::string("read failed: ") + uv_strerror(static_cast<int>(nread)), now);
    }
  } else {
    state = reader_->feed(std::string_view(buf->base, static_cast<size_t>(nread)), now);
  }
  if (state != HttpResponseReader::State::Reading) {
    finishRequest(state == HttpResponseReader::State::Complete && reader_->keepAlive() &&
                  nread > 0);
  } else if (nread < 0) {
    close();
  }
}

void HttpClientConnection::onTimeout(uv_timer_t* timer) {
  auto* self = static_cast<HttpClientConnection*>(timer->data);
  if (self->state_ == State::Connecting) {
    self->owner_.onConnected(*self, UV_ETIMEDOUT);
    self->close();
    return;
  }
  self->abort(Outcome::Timeout, "no complete response within the request timeout");
}

void HttpClientConnection::abort(Outcome outcome, const std::string& why) {
  if (state_ == State::Busy) {
    reader_->fail(outcome, why, clock_.nowNs());
    finishRequest(false);
  } else {
    close();
  }
}

// The connection is made idle or closing before the owner hears of the end, so the owner can
// send its next request on it at once. A closing connection's memory lives until onClosed.
void HttpClientConnection::finishRequest(bool reuse) {
  uv_timer_stop(&timer_);
  reader_ = nullptr;
  if (reuse) {
    state_ = State::Idle;
  } else {
    close();
  }
  owner_.onRequestDone(*this);
}

void HttpClientConnection::close() {
  if (state_ == State::Closing) {
    return;
  }
  state_ = State::Closing;
  pendingCloses_ = 2;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &HttpClientConnection::onHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &HttpClientConnection::onHandleClosed);
}

void HttpClientConnection::onHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<HttpClientConnection*>(handle->data);
  if (--self->pendingCloses_ == 0) {
    self->owner_.onClosed(*self);
  }
}

} // namespace tt
