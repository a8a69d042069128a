#pragma once

#include "core/http_parser.h"
#include "core/uv_util.h"

#include <nlohmann/json.hpp>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tt::test {

// A scripted TGI-like server on 127.0.0.1, port 0, running its own loop on its own thread.
// By default it answers every request with a /generate_stream SSE stream of max_new_tokens
// (or max_tokens) token events, keep-alive. `respond` replaces that answer. What it received
// is read with requests() after stop() (or at any time, under its lock). Requests `hold` picks
// get their answer's head and first event at once and the rest only when release() picks them
// (or never: stop() closes their connections).
class FakeUpstream {
public:
  struct Received {
    std::string method;
    std::string target;
    Headers headers;
    std::string body;
    int64_t arrivalUnixUs = 0; // wall-clock time the request ended
  };
  using Responder = std::function<std::string(const Received&)>;
  using Picker = std::function<bool(const Received&)>;

  explicit FakeUpstream(Responder respond = {}, Picker hold = {})
      : respond_(std::move(respond)), hold_(std::move(hold)) {
    if (!respond_) {
      respond_ = &FakeUpstream::sseAnswer;
    }
    std::promise<int> bound;
    auto portFuture = bound.get_future();
    thread_ = std::thread([this, &bound] {
      uv_loop_init(&loop_);
      uv_async_init(&loop_, &stop_, &FakeUpstream::onStop);
      stop_.data = this;
      uv_async_init(&loop_, &release_, &FakeUpstream::onRelease);
      release_.data = this;
      int port = 0;
      std::string error;
      if (listenTcp(&loop_, &server_, "127.0.0.1", 0, 1024, &FakeUpstream::onConnection, &port,
                    &error) != 0) {
        port = -1;
      }
      server_.data = this;
      bound.set_value(port);
      uv_run(&loop_, UV_RUN_DEFAULT);
      loopClosed_ = closeLoop(&loop_);
    });
    port_ = portFuture.get();
    if (port_ <= 0) {
      stop();
      throw std::runtime_error("fake upstream cannot listen");
    }
  }
  ~FakeUpstream() { stop(); }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Stops the server and joins its thread; returns uv_loop_close's result (0: loop empty).
  int stop() {
    if (thread_.joinable()) {
      uv_async_send(&stop_);
      thread_.join();
    }
    return loopClosed_;
  }

  std::vector<Received> requests() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Blocks until at least n requests have arrived or `timeout` passed; true if they arrived.
  bool waitForRequests(size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  // Sends the rest of every held answer whose request `pick` accepts.
  void release(Picker pick) {
    {
      std::lock_guard lock(mutex_);
      releases_.push_back(std::move(pick));
    }
    uv_async_send(&release_);
  }
  int connections() const { return connections_.load(); }
  int maxConcurrent() const { return maxConcurrent_.load(); }

  // A /generate_stream answer with n token events (n from the body, default 3).
  static std::string sseAnswer(const Received& r) {
    int64_t n = 3;
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (body.is_object()) {
      if (body.contains("parameters") && body["parameters"].contains("max_new_tokens")) {
        n = body["parameters"]["max_new_tokens"].get<int64_t>();
      } else if (body.contains("max_tokens")) {
        n = body["max_tokens"].get<int64_t>();
      }
    }
    std::string events;
    for (int64_t i = 1; i <= n; ++i) {
      const bool last = i == n;
      events += "data: {\"index\":" + std::to_string(i) +
                ",\"token\":{\"id\":1,\"text\":\" a\",\"logprob\":-1.0,\"special\":false}," +
                "\"generated_text\":" + (last ? "\"done\"" : "null") + ",\"details\":" +
                (last ? "{\"finish_reason\":\"length\",\"generated_tokens\":" + std::to_string(n) +
                            ",\"seed\":null,\"input_length\":5}"
                      : "null") +
                "}\n\n";
    }
    return "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
           "content-length: " +
           std::to_string(events.size()) + "\r\n\r\n" + events;
  }

private:
  struct Peer final : HttpMessageHandler {
    explicit Peer(FakeUpstream& up) : upstream(up), parser(HttpParser::Kind::Request, *this, {}) {}
    void onHead(const HttpHead& head) override {
      current = {head.method, head.target, head.headers, "", 0};
      upstream.enter();
    }
    void onBody(std::string_view chunk) override { current.body.append(chunk); }
    void onMessageComplete(const HttpHead&) override {
      current.arrivalUnixUs = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
      {
        std::lock_guard lock(upstream.mutex_);
        upstream.received_.push_back(current);
      }
      upstream.arrived_.notify_all();
      std::string answer = upstream.respond_(current);
      if (upstream.hold_ && upstream.hold_(current)) {
        // Head and first event now, the rest on release().
        const size_t head = answer.find("\r\n\r\n");
        const size_t event = answer.find("\n\n", head == std::string::npos ? 0 : head + 4);
        const size_t cut = event == std::string::npos ? answer.size() : event + 2;
        held = answer.substr(cut);
        answer.resize(cut);
        upstream.held_.insert(this);
      }
      write(std::move(answer));
      upstream.leave();
    }
    void write(std::string bytes) {
      auto* w = new Write;
      w->data = std::move(bytes);
      w->req.data = w;
      uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
      uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp), &buf, 1,
               [](uv_write_t* req, int) { delete static_cast<Write*>(req->data); });
    }
    FakeUpstream& upstream;
    uv_tcp_t tcp;
    HttpParser parser;
    Received current;
    std::string held; // the rest of a held answer
    char buffer[65536];
  };
  struct Write {
    uv_write_t req;
    std::string data;
  };

  void enter() {
    const int now = ++inFlight_;
    int seen = maxConcurrent_.load();
    while (now > seen && !maxConcurrent_.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --inFlight_; }

  static void onConnection(uv_stream_t* server, int status) {
    auto* self = static_cast<FakeUpstream*>(server->data);
    if (status != 0) {
      return;
    }
    auto* peer = new Peer(*self);
    uv_tcp_init(&self->loop_, &peer->tcp);
    peer->tcp.data = peer;
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&peer->tcp)) != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&peer->tcp), &FakeUpstream::onPeerClosed);
      return;
    }
    ++self->connections_;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&peer->tcp),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* p = static_cast<Peer*>(h->data);
          *buf = uv_buf_init(p->buffer, sizeof p->buffer);
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
          auto* p = static_cast<Peer*>(s->data);
          if (n < 0 ||
              (n > 0 &&
               p->parser.execute(std::string_view(buf->base, static_cast<size_t>(n))).status ==
                   ParseStatus::Error)) {
            uv_close(reinterpret_cast<uv_handle_t*>(s), &FakeUpstream::onPeerClosed);
          }
        });
  }
  static void onPeerClosed(uv_handle_t* h) {
    auto* peer = static_cast<Peer*>(h->data);
    peer->upstream.held_.erase(peer);
    delete peer;
  }

  static void onRelease(uv_async_t* async) {
    auto* self = static_cast<FakeUpstream*>(async->data);
    std::vector<Picker> picks;
    {
      std::lock_guard lock(self->mutex_);
      picks.swap(self->releases_);
    }
    for (const auto& pick : picks) {
      for (auto it = self->held_.begin(); it != self->held_.end();) {
        Peer* peer = *it;
        if (pick(peer->current)) {
          peer->write(std::move(peer->held));
          it = self->held_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  static void onStop(uv_async_t* async) {
    auto* self = static_cast<FakeUpstream*>(async->data);
    uv_walk(
        &self->loop_,
        [](uv_handle_t* h, void* arg) {
          auto* up = static_cast<FakeUpstream*>(arg);
          if (uv_is_closing(h)) {
            return;
          }
          const bool peer = h->type == UV_TCP && h != reinterpret_cast<uv_handle_t*>(&up->server_);
          uv_close(h, peer ? &FakeUpstream::onPeerClosed : nullptr);
        },
        self);
  }

  Responder respond_;
  Picker hold_;
  std::thread thread_;
  uv_loop_t loop_;
  uv_tcp_t server_;
  uv_async_t stop_;
  uv_async_t release_;
  std::set<Peer*> held_; // loop thread only
  std::vector<Picker> releases_;
  mutable std::condition_variable arrived_;
  int port_ = 0;
  int loopClosed_ = -1;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::atomic<int> connections_{0};
  std::atomic<int> inFlight_{0};
  std::atomic<int> maxConcurrent_{0};
};

} // namespace tt::test
