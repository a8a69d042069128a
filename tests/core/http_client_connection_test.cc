#include "core/http_client_connection.h"

#include "core/uv_util.h"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <functional>
#include <list>
#include <string>
#include <vector>

namespace tt {
namespace {

template <typename H> uv_handle_t* handle(H* h) {
  return reinterpret_cast<uv_handle_t*>(h);
}

// Runs the loop until `done` holds or 10 s passed (a guard timer wakes it); says whether it held.
bool runUntil(uv_loop_t* loop, const std::function<bool()>& done) {
  uv_timer_t guard;
  bool expired = false;
  uv_timer_init(loop, &guard);
  guard.data = &expired;
  uv_timer_start(
      &guard, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, 10'000, 0);
  while (!done() && !expired) {
    uv_run(loop, UV_RUN_ONCE);
  }
  uv_close(handle(&guard), nullptr);
  uv_run(loop, UV_RUN_NOWAIT); // the guard's close
  return done();
}

// A server on the test's loop, 127.0.0.1 port 0. Each request (a head, no body) gets the next
// answer of the script, written at once; an answer with `thenClose` closes the connection once
// written; an empty answer is never sent.
class ScriptedServer {
public:
  struct Answer {
    std::string bytes;
    bool thenClose = false;
  };

  ScriptedServer(uv_loop_t* loop, std::vector<Answer> script)
      : loop_(loop), script_(script.begin(), script.end()) {
    listener_.data = this;
    std::string error;
    REQUIRE(listenTcp(loop, &listener_, "127.0.0.1", 0, 16, &ScriptedServer::onConnection, &port_,
                      &error) == 0);
    uv_ip4_addr("127.0.0.1", port_, &address_);
  }

  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&address_); }
  int connections() const { return static_cast<int>(peers_.size()); }
  const std::vector<std::string>& requests() const { return requests_; }

private:
  struct Peer {
    ScriptedServer* server;
    uv_tcp_t tcp;
    uv_write_t write;
    std::string received;
    std::string sending;
    char buffer[4096];
  };

  static void onConnection(uv_stream_t* listener, int status) {
    auto* self = static_cast<ScriptedServer*>(listener->data);
    CHECK(status == 0); // CHECK, not REQUIRE: no throwing through libuv
    Peer& peer = self->peers_.emplace_back();
    peer.server = self;
    uv_tcp_init(self->loop_, &peer.tcp);
    peer.tcp.data = &peer;
    CHECK(uv_accept(listener, reinterpret_cast<uv_stream_t*>(&peer.tcp)) == 0);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&peer.tcp),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* p = static_cast<Peer*>(h->data);
          *buf = uv_buf_init(p->buffer, sizeof p->buffer);
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
          auto* p = static_cast<Peer*>(s->data);
          if (n < 0) {
            uv_close(handle(s), nullptr);
          } else {
            p->received.append(buf->base, static_cast<size_t>(n));
            p->server->answer(*p);
          }
        });
  }

  void answer(Peer& peer) {
    const size_t end = peer.received.find("\r\n\r\n");
    if (end == std::string::npos) {
      return;
    }
    requests_.push_back(peer.received.substr(0, end + 4));
    peer.received.erase(0, end + 4);
    if (script_.empty()) {
      FAIL_CHECK("a request beyond the script");
      return;
    }
    Answer next = std::move(script_.front());
    script_.pop_front();
    if (next.bytes.empty()) {
      return;
    }
    peer.sending = std::move(next.bytes);
    peer.write.data = next.thenClose ? &peer : nullptr;
    uv_buf_t buf = uv_buf_init(peer.sending.data(), static_cast<unsigned>(peer.sending.size()));
    uv_write(&peer.write, reinterpret_cast<uv_stream_t*>(&peer.tcp), &buf, 1,
             [](uv_write_t* w, int) {
               if (w->data != nullptr && !uv_is_closing(handle(w->handle))) {
                 uv_close(handle(w->handle), nullptr);
               }
             });
  }

  uv_loop_t* loop_;
  uv_tcp_t listener_;
  int port_ = 0;
  sockaddr_in address_{};
  std::deque<Answer> script_;
  std::list<Peer> peers_; // stable addresses; freed with the server, after the loop closed
  std::vector<std::string> requests_;
};

// Reads a response's status and body, and what ended it.
class TextReader final : public HttpResponseReader {
public:
  int status = 0;
  std::string body;
  std::string end; // "complete", or the outcome and error of a failure

private:
  void onResponseHead(const HttpHead& head, int64_t) override { status = head.status; }
  void onResponseBody(std::string_view chunk, int64_t) override { body += chunk; }
  void onResponseComplete(int64_t) override { end = "complete"; }
  void onResponseFailed(Outcome outcome, std::string error, int64_t) override {
    end = std::string(outcomeName(outcome)) + ": " + error;
  }
};

// Owns one connection and logs what it is told, in order.
class LoggingOwner final : public HttpClientConnectionOwner {
public:
  LoggingOwner(uv_loop_t* loop, const Clock& clock) : connection(loop, *this, clock) {}

  void onConnected(HttpClientConnection&, int status) override {
    log.push_back("connected " + std::to_string(status));
  }
  void onRequestDone(HttpClientConnection& c) override {
    log.push_back(c.idle() ? "done, idle" : c.closing() ? "done, closing" : "done, ?");
  }
  void onClosed(HttpClientConnection&) override { log.push_back("closed"); }

  HttpClientConnection connection;
  std::vector<std::string> log;
};

const std::string kGet = "GET /info HTTP/1.1\r\nHost: a\r\n\r\n";

bool logged(const LoggingOwner& owner, const std::string& entry) {
  return !owner.log.empty() && owner.log.back() == entry;
}

} // namespace

TEST_CASE("client connection: two requests on one keep-alive connection, one close path",
          "[client]") {
  LoopGuard loop;
  MonotonicClock clock;
  ScriptedServer server(loop.get(), {{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"},
                                     {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"}});
  LoggingOwner owner(loop.get(), clock);
  owner.connection.connect(server.address());
  REQUIRE(runUntil(loop.get(), [&] { return owner.connection.idle(); }));

  TextReader first;
  owner.connection.send(kGet, first, 10'000);
  REQUIRE(runUntil(loop.get(), [&] { return owner.log.size() == 2; }));
  CHECK(first.state() == HttpResponseReader::State::Complete);
  CHECK(first.keepAlive());
  CHECK(first.status == 200);
  CHECK(first.body == "hi");
  CHECK(first.end == "complete");

  TextReader second;
  owner.connection.send(kGet, second, 10'000);
  REQUIRE(runUntil(loop.get(), [&] { return owner.log.size() == 3; }));
  CHECK(second.status == 404);
  CHECK(second.end == "complete");

  owner.connection.close();
  owner.connection.close(); // idempotent
  REQUIRE(runUntil(loop.get(), [&] { return logged(owner, "closed"); }));
  CHECK(owner.log == std::vector<std::string>{"connected 0", "done, idle", "done, idle", "closed"});
  CHECK(server.connections() == 1);
  CHECK(server.requests() == std::vector<std::string>{kGet, kGet});
  REQUIRE(loop.close() == 0);
}

TEST_CASE("client connection: a body ended by the server's close completes, and the connection "
          "is not reused",
          "[client]") {
  LoopGuard loop;
  MonotonicClock clock;
  ScriptedServer server(loop.get(), {{"HTTP/1.1 200 OK\r\n\r\nall of it", true}});
  LoggingOwner owner(loop.get(), clock);
  owner.connection.connect(server.address());
  REQUIRE(runUntil(loop.get(), [&] { return owner.connection.idle(); }));
  TextReader reader;
  owner.connection.send(kGet, reader, 10'000);
  REQUIRE(runUntil(loop.get(), [&] { return logged(owner, "closed"); }));
  CHECK(reader.end == "complete");
  CHECK(reader.body == "all of it");
  CHECK_FALSE(reader.keepAlive());
  CHECK(owner.log == std::vector<std::string>{"connected 0", "done, closing", "closed"});
  REQUIRE(loop.close() == 0);
}

TEST_CASE("client connection: a response cut short, a malformed one and a timeout fail the "
          "request and close",
          "[client]") {
  struct Case {
    ScriptedServer::Answer answer;
    uint64_t timeoutMs;
    std::string end;
  };
  const Case c = GENERATE(values<Case>({
      {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true},
       10'000,
       "truncated: connection closed mid-response"},
      {{"HTTP/1.1 abc\r\n\r\n"}, 10'000, "upstream_error: malformed response: "},
      {{""}, 20, "timeout: no complete response within the request timeout"},
  }));
  LoopGuard loop;
  MonotonicClock clock;
  ScriptedServer server(loop.get(), {c.answer});
  LoggingOwner owner(loop.get(), clock);
  owner.connection.connect(server.address());
  REQUIRE(runUntil(loop.get(), [&] { return owner.connection.idle(); }));
  TextReader reader;
  owner.connection.send(kGet, reader, c.timeoutMs);
  REQUIRE(runUntil(loop.get(), [&] { return logged(owner, "closed"); }));
  CHECK(reader.state() == HttpResponseReader::State::Failed);
  CHECK_THAT(reader.end, Catch::StartsWith(c.end));
  CHECK(owner.log == std::vector<std::string>{"connected 0", "done, closing", "closed"});
  REQUIRE(loop.close() == 0);
}

TEST_CASE("client connection: a refused connect is reported, then the connection closes",
          "[client]") {
  LoopGuard loop;
  MonotonicClock clock;
  // A port bound without a listener: held, so that nobody else listens there meanwhile.
  uv_tcp_t bound;
  uv_tcp_init(loop.get(), &bound);
  sockaddr_in address{};
  uv_ip4_addr("127.0.0.1", 0, &address);
  REQUIRE(uv_tcp_bind(&bound, reinterpret_cast<const sockaddr*>(&address), 0) == 0);
  uv_ip4_addr("127.0.0.1", localPort(&bound), &address);
  LoggingOwner owner(loop.get(), clock);
  owner.connection.connect(reinterpret_cast<const sockaddr*>(&address));
  REQUIRE(runUntil(loop.get(), [&] { return logged(owner, "closed"); }));
  CHECK(owner.log ==
        std::vector<std::string>{"connected " + std::to_string(UV_ECONNREFUSED), "closed"});
  REQUIRE(loop.close() == 0);
}

TEST_CASE("client connection: a connect that does not finish in time is reported as timed out",
          "[client]") {
  // A listener with a backlog of 0 that never accepts: the kernel completes one handshake into
  // its accept queue and drops the SYNs of the connects after it, which then wait to retry.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  uv_ip4_addr("127.0.0.1", 0, &address);
  socklen_t length = sizeof address;
  REQUIRE(bind(listener, reinterpret_cast<const sockaddr*>(&address), length) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  REQUIRE(listen(listener, 0) == 0);
  LoopGuard loop;
  MonotonicClock clock;
  LoggingOwner queued(loop.get(), clock);
  queued.connection.connect(reinterpret_cast<const sockaddr*>(&address));
  REQUIRE(runUntil(loop.get(), [&] { return queued.connection.idle(); }));

  LoggingOwner owner(loop.get(), clock);
  owner.connection.connect(reinterpret_cast<const sockaddr*>(&address), 20);
  REQUIRE(runUntil(loop.get(), [&] { return logged(owner, "closed"); }));
  CHECK(owner.log ==
        std::vector<std::string>{"connected " + std::to_string(UV_ETIMEDOUT), "closed"});
  queued.connection.close();
  REQUIRE(runUntil(loop.get(), [&] { return logged(queued, "closed"); }));
  ::close(listener);
  REQUIRE(loop.close() == 0);
}

} // namespace tt
