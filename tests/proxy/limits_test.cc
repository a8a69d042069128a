// Smuggling defences, limits and timeouts (docs/proxy.md, "Tests it passes", 11-15, 17-19, 22
// and 30-31).
#include "tests/proxy/harness.h"

#include <catch2/catch.hpp>

#include <set>

namespace tt::test {
namespace {

struct Refusal {
  int status = 0;
  bool closed = false;
  size_t upstreamRequests = 0;
};

// Sends `raw` in one write and reports how the proxy answered and what reached the upstream.
Refusal refuse(const std::string& raw, const proxy::Config& base = {}) {
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.maxHeaderBytes = base.maxHeaderBytes;
  config.maxUrlBytes = base.maxUrlBytes;
  config.maxBodyBytes = base.maxBodyBytes;
  ProxyThread proxy(config, recorder);
  Refusal r;
  {
    Client client(proxy.port());
    client.send(raw);
    const Message m = client.response(3000);
    r.status = m.status;
    r.closed = client.closedByPeer(3000);
  }
  r.upstreamRequests = upstream.requests().size();
  REQUIRE(proxy.stop() == 0);
  return r;
}

void expectRefused(const std::string& raw, std::set<int> statuses = {400}) {
  INFO("request: " << raw);
  const Refusal r = refuse(raw);
  CHECK(statuses.count(r.status) == 1);
  CHECK(r.closed);
  CHECK(r.upstreamRequests == 0);
}

} // namespace

TEST_CASE("11: CL+TE is refused and the smuggled request never reaches the upstream",
          "[proxy][smuggling]") {
  expectRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n"
                "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
  expectRefused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n"
                "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
}

TEST_CASE("12: duplicate or list Content-Length is refused", "[proxy][smuggling]") {
  expectRefused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  expectRefused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
  expectRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello");
}

TEST_CASE("13: bad Transfer-Encoding is refused", "[proxy][smuggling]") {
  for (const char* te :
       {"gzip", "chunked, gzip", "chunked, chunked", "xchunked", "chunked\r\n x"}) {
    expectRefused(std::string("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ") + te +
                      "\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                  {400, 501});
  }
  expectRefused(
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

TEST_CASE("14: bare CR/LF, CR or NUL in values, space before colon, empty names are refused",
          "[proxy][smuggling]") {
  expectRefused("GET / HTTP/1.1\nHost: a\n\n");
  expectRefused("GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n");
  expectRefused("GET / HTTP/1.1\r\nHost: a\r\n\rX\r\n\r\n");
  expectRefused("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n");
  expectRefused(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35));
  expectRefused("GET / HTTP/1.1\r\nHost: a\r\nX-Bad : 1\r\n\r\n");
  expectRefused("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n");
  expectRefused("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n");
}

TEST_CASE("15: chunk-size abuse is refused before anything reaches the upstream",
          "[proxy][smuggling]") {
  for (const char* size : {"0x1", "+1", "-1", " 1", "1_0", "10000000000000000", "1;\x01"}) {
    expectRefused(std::string("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") +
                  size + "\r\na\r\n0\r\n\r\n");
  }
}

TEST_CASE("17: header limits give 431, an oversized upstream head gives 502", "[proxy][limits]") {
  proxy::Config small;
  small.maxHeaderBytes = 4096;
  Refusal r =
      refuse("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(5000, 'b') + "\r\n\r\n", small);
  CHECK(r.status == 431);
  CHECK(r.closed);
  CHECK(r.upstreamRequests == 0);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 101; ++i) {
    many += "X-" + std::to_string(i) + ": v\r\n";
  }
  r = refuse(many + "\r\n");
  CHECK(r.status == 431);
  CHECK(r.upstreamRequests == 0);

  FakeUpstream huge(answerAll("HTTP/1.1 200 OK\r\nX-Huge: " + std::string(70'000, 'h') +
                              "\r\nContent-Length: 0\r\n\r\n"));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(huge.port()), recorder);
  Client client(proxy.port());
  client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 502);
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::UpstreamMalformed) == 1);
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("18: body limit: 413 before the body for CL, 413 and close for chunked",
          "[proxy][limits]") {
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.maxBodyBytes = 1000;
  ProxyThread proxy(config, recorder);
  {
    Client client(proxy.port());
    client.send("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    // Answered without the body being sent.
    CHECK(client.response().status == 413);
    CHECK(client.closedByPeer());
  }
  {
    Client client(proxy.port());
    client.send("POST /generate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunk(std::string(600, 'a')) + chunk(std::string(600, 'b')));
    CHECK(client.response().status == 413);
    CHECK(client.closedByPeer());
  }
  {
    Client client(proxy.port());
    client.send("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n" +
                std::string(1000, 'x'));
    CHECK(client.response().status == 200);
  }
  CHECK(upstream.requests().size() == 1);
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("19: a trickled head is cut at the header timeout and uses no upstream",
          "[proxy][timeout]") {
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.headerTimeoutMs = 300;
  ProxyThread proxy(config, recorder);
  Client client(proxy.port());
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ";
  const int64_t start = monoNs();
  size_t i = 0;
  bool open = true;
  // One byte every 20 ms (the attacker's pace) until the proxy answers; a proxy that restarted
  // the header timeout on every byte would never answer (the loop gives up after 30 s).
  while (open && monoNs() - start < 30'000'000'000) {
    open = client.send(std::string(1, i < head.size() ? head[i] : 'x'));
    ++i;
    std::string got;
    if (client.sock.readSome(got, 20) >= 0) {
      client.raw += got;
      if (got.empty()) {
        break; // EOF
      }
    }
  }
  const int64_t elapsedMs = (monoNs() - start) / 1'000'000;
  CHECK(client.raw.starts_with("HTTP/1.1 408"));
  CHECK(elapsedMs >= 300); // not before the header timeout
  CHECK(upstream.connections() == 0);
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::HeaderTimeout) == 1);
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("22: invalid upstream framing gives 502 and closes that upstream connection",
          "[proxy][smuggling]") {
  const std::string bad = GENERATE(
      std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"),
      std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "2\r\nok\r\n0\r\n\r\n"),
      std::string(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
      std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\nContent-Length: 2\r\n\r\nok"));
  std::atomic<int64_t> closed{0};
  FakeUpstream upstream([&](UpConn& c) {
    if (!c.readRequest()) {
      return;
    }
    if (c.index > 0) { // later connections answer well
      c.send(jsonResponse("{}"));
      c.readRequest(3000);
      return;
    }
    c.send(bad);
    closed = c.waitClosed(3000);
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const Message r = client.response();
  INFO(bad);
  CHECK(r.status == 502);
  // The session's response parser starts over clean on the next upstream connection.
  client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 200);
  const auto records = recorder.waitFor(2);
  REQUIRE(records.size() == 2);
  CHECK(records[0].outcome == Outcome::UpstreamError);
  CHECK(records[1].outcome == Outcome::Ok);
  REQUIRE(proxy.stop() == 0);
  upstream.stop();
  CHECK(closed > 0);
}

TEST_CASE("30: a request target over the URL limit gets 414, one at the limit passes",
          "[proxy][limits]") {
  const proxy::Config defaults;
  const std::string longPath = "/generate?q=" + std::string(defaults.maxUrlBytes, 'u');
  const Refusal r = refuse("GET " + longPath + " HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(r.status == 414);
  CHECK(r.closed);
  CHECK(r.upstreamRequests == 0);

  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  const std::string atLimit = "/" + std::string(defaults.maxUrlBytes - 1, 'u');
  client.send("GET " + atLimit + " HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 200);
  REQUIRE(upstream.requests().size() == 1);
  CHECK(upstream.requests()[0].message.target == atLimit);
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::RequestTooLarge) == 0);
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("31: connections over the connection limit are closed at once, a freed slot serves "
          "again",
          "[proxy][limits]") {
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.maxConnections = 2;
  ProxyThread proxy(config, recorder);
  auto first = std::make_unique<Client>(proxy.port());
  Client second(proxy.port());
  for (Client* c : {first.get(), &second}) {
    c->send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(c->response().status == 200); // both hold a session now
  }
  Client third(proxy.port());
  third.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(third.closedByPeer());
  CHECK(third.raw.empty()); // closed without an answer
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::ConnectionLimit) == 1);

  first.reset(); // frees a slot once the proxy has seen the close
  bool freed = false;
  const int64_t deadline = monoNs() + 5'000'000'000;
  while (!freed && monoNs() < deadline) {
    freed = proxy.counters().connectionsOpen < 2; // each call waits for the proxy's loop
  }
  REQUIRE(freed);
  Client fourth(proxy.port());
  fourth.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(fourth.response().status == 200);
  CHECK(upstream.requests().size() == 3);
  REQUIRE(proxy.stop() == 0);
}

} // namespace tt::test
