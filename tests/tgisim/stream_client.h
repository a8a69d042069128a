#pragma once

#include "core/clock.h"
#include "core/http_parser.h"
#include "core/sse_splitter.h"
#include "tgisim/engine_driver.h"

#include <netinet/in.h>
#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tt::test {

// One streaming request over libuv: records the monotonic arrival time of every SSE event
// (the clock is read once per read callback) and the events' data.
class StreamConn final : public HttpMessageHandler, public SseHandler {
public:
  StreamConn(uv_loop_t& loop, const Clock& clock, int port, std::string request)
      : clock_(clock), request_(std::move(request)),
        parser_(HttpParser::Kind::Response, *this, {}) {
    uv_tcp_init(&loop, &tcp_);
    tcp_.data = this;
    connect_.data = this;
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_connect(&connect_, &tcp_, reinterpret_cast<const sockaddr*>(&addr),
                   &StreamConn::onConnect);
  }

  bool done() const { return done_; }
  bool failed() const { return failed_; }
  int status() const { return status_; }
  const std::vector<int64_t>& times() const { return times_; }
  const std::vector<std::string>& events() const { return events_; }

  void onHead(const HttpHead& head) override { status_ = head.status; }
  void onBody(std::string_view chunk) override { splitter_.feed(chunk, *this); }
  void onMessageComplete(const HttpHead&) override { done_ = true; }
  void onEvent(const SseEvent& event) override {
    times_.push_back(now_);
    events_.emplace_back(event.data);
  }
  void onComment(std::string_view, uint64_t) override {}

private:
  static void onConnect(uv_connect_t* req, int status) {
    auto* self = static_cast<StreamConn*>(req->data);
    if (status != 0) {
      self->fail();
      return;
    }
    uv_buf_t buf = uv_buf_init(self->request_.data(), static_cast<unsigned>(self->request_.size()));
    self->write_.data = self;
    uv_write(&self->write_, reinterpret_cast<uv_stream_t*>(&self->tcp_), &buf, 1, nullptr);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), &StreamConn::onAlloc,
                  &StreamConn::onRead);
  }
  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* self = static_cast<StreamConn*>(h->data);
    *buf = uv_buf_init(self->buffer_, sizeof self->buffer_);
  }
  static void onRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* self = static_cast<StreamConn*>(s->data);
    if (n < 0) {
      self->fail();
      return;
    }
    self->now_ = self->clock_.nowNs();
    const auto r = self->parser_.execute(std::string_view(buf->base, static_cast<size_t>(n)));
    if (r.status == ParseStatus::Error) {
      self->fail();
      return;
    }
    if (self->done_) {
      self->finish();
    }
  }
  void fail() {
    failed_ = !done_;
    finish();
  }
  void finish() {
    if (!closing_) {
      closing_ = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), nullptr);
    }
  }

  const Clock& clock_;
  std::string request_;
  HttpParser parser_;
  SseSplitter splitter_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_{};
  uv_write_t write_{};
  char buffer_[64 * 1024];
  int64_t now_ = 0;
  int status_ = 0;
  bool done_ = false;
  bool failed_ = false;
  bool closing_ = false;
  std::vector<int64_t> times_;
  std::vector<std::string> events_;
};

// Records every forward of a server (called on the server's thread; read after it stopped).
class ForwardLog final : public tgisim::ForwardObserver {
public:
  struct Forward {
    sim::ForwardRecord record;
    int64_t intendedNs = 0;
    int64_t firedNs = 0;
    size_t tokens = 0;
  };
  void onForward(const sim::ForwardRecord& record, int64_t intendedNs, int64_t firedNs,
                 std::span<const sim::TokenEvent> events) override {
    const size_t index = forwards.size();
    forwards.push_back({record, intendedNs, firedNs, events.size()});
    for (const auto& e : events) {
      auto& list = tokenForwards[e.id];
      list.push_back(index);
    }
  }
  std::vector<Forward> forwards;
  std::map<sim::RequestId, std::vector<size_t>> tokenForwards; // forward index of every token
};

} // namespace tt::test
