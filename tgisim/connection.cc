#include "tgisim/connection.h"

#include "core/http_write.h"
#include "core/uv_util.h"

#include <ctime>
#include <memory>

namespace tt::tgisim {
namespace {

// Pipelined bytes buffered while a request is answered, before reading pauses.
constexpr size_t kMaxBufferedInput = 1024 * 1024;

// hyper's `date` header (IMF-fixdate). Wall-clock time labels the answer only.
std::string httpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  const size_t n = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buffer, n);
}

} // namespace

Connection::Connection(ConnectionEvents& events, uint64_t maxBodyBytes)
    : events_(events),
      parser_(HttpParser::Kind::Request, *this,
              HttpParser::Options{.limits = HttpLimits{.maxBodyBytes = maxBodyBytes},
                                  .stopAfterMessage = true}) {}

void Connection::accept(uv_stream_t* listener) {
  uv_tcp_init(listener->loop, &tcp_);
  tcp_.data = this;
  events_.connectionOpened(*this);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_)) != 0) {
    close();
    return;
  }
  setNoDelay(&tcp_);
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::onAlloc,
                    &Connection::onRead) != 0) {
    close();
    return;
  }
  reading_ = true;
}

void Connection::close() {
  if (state_ != State::Open) {
    return;
  }
  state_ = State::Closing;
  events_.requestEnded(*this);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::onClose);
}

void Connection::onClose(uv_handle_t* handle) {
  std::unique_ptr<Connection> self(static_cast<Connection*>(handle->data));
  self->events_.connectionClosed(*self);
}

void Connection::onAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(self->readBuffer_.data(), static_cast<unsigned>(self->readBuffer_.size()));
}

void Connection::onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    // EOF or a reset: a request in progress is abandoned (the client went away).
    self->close();
    return;
  }
  if (nread == 0 || self->state_ != State::Open) {
    return;
  }
  self->input_.append(buf->base, static_cast<size_t>(nread));
  self->feed();
  if (self->state_ == State::Open && self->busy_ && self->input_.size() > kMaxBufferedInput &&
      self->reading_) {
    uv_read_stop(stream);
    self->reading_ = false;
  }
}

void Connection::feed() {
  inFeed_ = true;
  feedLoop();
  inFeed_ = false;
}

void Connection::feedLoop() {
  while (state_ == State::Open && !busy_ && !closeWhenFlushed_ && !input_.empty()) {
    const ParseResult result = parser_.execute(input_);
    input_.erase(0, result.consumed);
    if (result.status == ParseStatus::Error || result.status == ParseStatus::Upgrade) {
      answerParseError();
      return;
    }
    if (!messageReady_) {
      return; // need more bytes
    }
    messageReady_ = false;
    busy_ = true;
    keepAlive_ = head_.keepAlive;
    headRequest_ = head_.method == "HEAD";
    std::string body = std::move(body_);
    body_.clear();
    events_.request(*this, head_, body);
  }
}

void Connection::answerParseError() {
  const int status = httpStatusFor(parser_.error());
  closeWhenFlushed_ = true;
  busy_ = true;
  keepAlive_ = false;
  if (status == 413) {
    const auto rejection = std::string("Failed to buffer the request body: length limit exceeded");
    sendResponse(413, {{"content-type", "text/plain; charset=utf-8"}}, rejection);
  } else {
    sendResponse(status, {}, {});
  }
}

void Connection::onHead(const HttpHead& head) {
  head_ = head;
  body_.clear();
}

void Connection::onBody(std::string_view chunk) {
  body_.append(chunk);
}

void Connection::onMessageComplete(const HttpHead& head) {
  head_.keepAlive = head.keepAlive;
  messageReady_ = true;
}

void Connection::write(std::string data) {
  if (state_ != State::Open) {
    return;
  }
  // Most writes fit the socket buffer: try at once, queue only what is left.
  uv_buf_t first = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
  const int written = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &first, 1);
  size_t offset = 0;
  if (written > 0) {
    offset = static_cast<size_t>(written);
    if (offset == data.size()) {
      return;
    }
  } else if (written != UV_EAGAIN && written != UV_ENOSYS) {
    close();
    return;
  }
  auto* req = new WriteReq{.req = {}, .data = std::move(data), .owner = this};
  req->req.data = req;
  uv_buf_t buf =
      uv_buf_init(req->data.data() + offset, static_cast<unsigned>(req->data.size() - offset));
  ++pendingWrites_;
  const int rc =
      uv_write(&req->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, &Connection::onWrite);
  if (rc != 0) {
    --pendingWrites_;
    delete req;
    close();
  }
}

void Connection::onWrite(uv_write_t* req, int status) {
  std::unique_ptr<WriteReq> owned(static_cast<WriteReq*>(req->data));
  Connection* self = owned->owner;
  --self->pendingWrites_;
  if (status < 0) {
    self->close();
    return;
  }
  if (self->closeWhenFlushed_ && self->pendingWrites_ == 0) {
    self->close();
  }
}

size_t Connection::queuedBytes() const {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&tcp_));
}

void Connection::sendResponse(int status, const Headers& headers, std::string_view body) {
  Headers all = headers;
  if (!keepAlive_) {
    all.emplace_back("connection", "close");
  }
  all.emplace_back("content-length", std::to_string(body.size()));
  all.emplace_back("date", httpDate());
  std::string out;
  appendResponseHead(out, status, all);
  if (!headRequest_) {
    out += body;
  }
  write(std::move(out));
  requestDone();
}

void Connection::startStream(int status, const Headers& headers) {
  Headers all = headers;
  if (!keepAlive_) {
    all.emplace_back("connection", "close");
  }
  all.emplace_back("transfer-encoding", "chunked");
  all.emplace_back("date", httpDate());
  std::string out;
  appendResponseHead(out, status, all);
  write(std::move(out));
}

void Connection::sendChunk(std::string_view data) {
  std::string out;
  appendChunk(out, data);
  if (!out.empty()) {
    write(std::move(out));
  }
}

void Connection::endStream() {
  std::string out;
  appendLastChunk(out);
  write(std::move(out));
  requestDone();
}

void Connection::requestDone() {
  events_.requestEnded(*this);
  busy_ = false;
  if (!keepAlive_) {
    closeWhenFlushed_ = true;
    if (pendingWrites_ == 0) {
      close();
    }
    return;
  }
  if (state_ == State::Open && !reading_) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::onAlloc, &Connection::onRead);
    reading_ = true;
  }
  if (!inFeed_) {
    feed(); // pipelined requests waiting behind an asynchronous answer
  }
}

} // namespace tt::tgisim
