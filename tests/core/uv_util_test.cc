#include "core/uv_util.h"

#include <catch2/catch.hpp>

#include <string>

namespace tt {
namespace {

// One listener and one client on the same loop: the client sends "ping", the server reads it
// and closes both ends.
struct PingPong {
  uv_tcp_t server;
  uv_tcp_t accepted;
  uv_tcp_t client;
  uv_connect_t connect;
  uv_write_t write;
  char buf[64];
  std::string received;
  int connections = 0;
  int connects = 0;
  int writes = 0;
  int eofs = 0;
  int noDelay = -1;
};

} // namespace

TEST_CASE("uv: listen on 127.0.0.1 port 0, talk, and close the loop clean", "[uv]") {
  LoopGuard loop;
  PingPong pp;
  pp.server.data = &pp;
  int port = 0;
  std::string error;
  const auto onConnection = [](uv_stream_t* server, int status) {
    auto* p = static_cast<PingPong*>(server->data);
    CHECK(status == 0); // CHECK, not REQUIRE: no throwing through libuv
    ++p->connections;
    uv_tcp_init(server->loop, &p->accepted);
    p->accepted.data = p;
    CHECK(uv_accept(server, reinterpret_cast<uv_stream_t*>(&p->accepted)) == 0);
    p->noDelay = setNoDelay(&p->accepted);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&p->accepted),
        [](uv_handle_t* h, size_t, uv_buf_t* b) {
          auto* q = static_cast<PingPong*>(h->data);
          *b = uv_buf_init(q->buf, sizeof(q->buf));
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
          auto* q = static_cast<PingPong*>(s->data);
          if (n > 0) {
            q->received.append(b->base, static_cast<size_t>(n));
          } else if (n == UV_EOF) {
            ++q->eofs;
            uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
            uv_close(reinterpret_cast<uv_handle_t*>(&q->server), nullptr);
          }
        });
  };
  REQUIRE(listenTcp(loop.get(), &pp.server, "127.0.0.1", 0, 16, onConnection, &port, &error) == 0);
  CHECK(error.empty());
  CHECK(port > 0);
  CHECK(localPort(&pp.server) == port);

  uv_tcp_init(loop.get(), &pp.client);
  pp.client.data = &pp;
  pp.connect.data = &pp;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  uv_tcp_connect(&pp.connect, &pp.client, reinterpret_cast<const sockaddr*>(&addr),
                 [](uv_connect_t* req, int status) {
                   auto* p = static_cast<PingPong*>(req->data);
                   CHECK(status == 0); // CHECK, not REQUIRE: no throwing through libuv
                   ++p->connects;
                   p->write.data = p;
                   uv_buf_t b = uv_buf_init(const_cast<char*>("ping"), 4);
                   uv_write(&p->write, req->handle, &b, 1, [](uv_write_t* w, int st) {
                     auto* q = static_cast<PingPong*>(w->data);
                     CHECK(st == 0);
                     ++q->writes;
                     uv_close(reinterpret_cast<uv_handle_t*>(&q->client), nullptr);
                   });
                 });
  uv_run(loop.get(), UV_RUN_DEFAULT);
  CHECK(pp.connections == 1);
  CHECK(pp.connects == 1);
  CHECK(pp.writes == 1);
  CHECK(pp.eofs == 1);
  CHECK(pp.noDelay == 0);
  CHECK(pp.received == "ping");
  REQUIRE(loop.close() == 0);
}

TEST_CASE("uv: listen errors are one line, and closeLoop closes leftovers", "[uv]") {
  LoopGuard loop;
  uv_tcp_t first;
  uv_tcp_t second;
  uv_timer_t timer;
  int port = 0;
  std::string error;
  const auto ignore = [](uv_stream_t*, int) {};
  REQUIRE(listenTcp(loop.get(), &first, "127.0.0.1", 0, 1, ignore, &port, &error) == 0);
  int again = 0;
  CHECK(listenTcp(loop.get(), &second, "127.0.0.1", port, 1, ignore, &again, &error) ==
        UV_EADDRINUSE);
  CHECK(error == "cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use");
  uv_tcp_t third;
  CHECK(listenTcp(loop.get(), &third, "not-an-ip", 0, 1, ignore, &again, &error) != 0);
  CHECK(error == "cannot listen on 'not-an-ip': not an IPv4 or IPv6 address");
  // An active timer and three open TCP handles are left for closeLoop.
  uv_timer_init(loop.get(), &timer);
  uv_timer_start(
      &timer, [](uv_timer_t*) {}, 1000000, 0);
  REQUIRE(loop.close() == 0);
  CHECK(loop.close() == 0);
}

} // namespace tt
