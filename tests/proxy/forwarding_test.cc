// Forwarding through the proxy: keep-alive, pipelining, bodiless responses, 100-continue,
// hop-by-hop headers, X-Forwarded-For, unreachable upstream (docs/proxy.md, "Tests it passes",
// 8-10, 20, 21).
#include "tests/proxy/harness.h"

#include "core/http_headers.h"

#include <catch2/catch.hpp>

namespace tt::test {

TEST_CASE("a request is forwarded and its exchange recorded", "[proxy]") {
  FakeUpstream upstream(answerAll(jsonResponse(R"([{"generated_text":"hi"}])",
                                               "x-compute-time: 0.5\r\nx-queue-time: 3\r\n"
                                               "x-prompt-tokens: 4\r\nx-generated-tokens: 1\r\n")));
  MemoryRecorder recorder;
  {
    ProxyThread proxy(configFor(upstream.port()), recorder);
    Client client(proxy.port());
    const std::string body = R"({"inputs":"hello","parameters":{"max_new_tokens":5}})";
    client.send("POST /generate HTTP/1.1\r\nHost: tgi\r\nContent-Type: application/json\r\n"
                "Authorization: Bearer secret\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    const Message r = client.response();
    CHECK(r.complete);
    CHECK(r.status == 200);
    CHECK(r.body == R"([{"generated_text":"hi"}])");
    CHECK(r.header("x-queue-time") == "3");

    const auto up = upstream.requests();
    REQUIRE(up.size() == 1);
    CHECK(up[0].message.method == "POST");
    CHECK(up[0].message.target == "/generate");
    CHECK(up[0].message.body == body);
    CHECK(up[0].message.header("authorization") == "Bearer secret"); // forwarded, never stored
    CHECK(up[0].message.header("x-forwarded-for") == "127.0.0.1");

    const auto records = recorder.waitFor(1);
    REQUIRE(records.size() == 1);
    const Exchange& e = records[0];
    CHECK(e.outcome == Outcome::Ok);
    CHECK(e.status == 200);
    CHECK(e.endpoint == Endpoint::Generate);
    CHECK(e.path == "/generate");
    CHECK(e.requestBody == body);
    CHECK(e.requestBodyBytes == static_cast<int64_t>(body.size()));
    CHECK(e.maxNewTokens == 5);
    CHECK(e.inputBytes == 5);
    CHECK(e.tgi.queueUs == 3000);
    CHECK(e.outputTokens == 1);
    CHECK(e.inputTokens == 4);
    CHECK(findHeader(e.requestHeaders, "authorization") == nullptr);
    CHECK(e.clientAddress == "127.0.0.1"); // its own field: a replay sends the header list back
    for (const auto& [name, value] : e.requestHeaders) {
      CHECK_FALSE(name.starts_with(':'));
    }
    CHECK(e.responseHeadersUs.has_value());
    CHECK(e.endUs >= e.responseHeadersUs);
    CHECK(*e.responseHeadersUs >= e.sentUs);
    REQUIRE(proxy.stop() == 0);
  }
}

} // namespace tt::test

namespace tt::test {

TEST_CASE("8: 1000 sequential requests use one client and at most two upstream connections",
          "[proxy][keepalive]") {
  FakeUpstream upstream(answerAll(jsonResponse("{\"ok\":1}")));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  int ok = 0;
  for (int i = 0; i < 1000; ++i) {
    client.send("GET /health?i=" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    ok += client.response().status == 200 ? 1 : 0;
  }
  CHECK(ok == 1000);
  CHECK(upstream.connections() <= 2);
  const proxy::Counters c = proxy.counters();
  CHECK(c.connectionsAccepted == 1);
  CHECK(c.exchanges[static_cast<size_t>(Outcome::Ok)] == 1000);
  CHECK(recorder.waitFor(1000).size() == 1000);
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("9: pipelined requests get their responses in order, captured apart", "[proxy]") {
  FakeUpstream upstream([](UpConn& c) {
    while (auto req = c.readRequest(5000)) {
      c.send(jsonResponse("{\"path\":\"" + req->target + "\"}"));
    }
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\n"
              "Content-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\nHost: a\r\n\r\n");
  const auto rs = client.responses(3);
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].body == R"({"path":"/one"})");
  CHECK(rs[1].body == R"({"path":"/two"})");
  CHECK(rs[2].body == R"({"path":"/three"})");
  const auto records = recorder.waitFor(3);
  REQUIRE(records.size() == 3);
  CHECK(records[0].path == "/one");
  CHECK(records[1].path == "/two");
  CHECK(records[1].requestBody == "abc");
  CHECK(records[1].responseBody == R"({"path":"/two"})");
  CHECK(records[2].path == "/three");
  CHECK(records[2].responseBody == R"({"path":"/three"})");
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("10: HEAD, 204 and 304 do not hang and keep-alive continues, 100-continue works",
          "[proxy]") {
  FakeUpstream upstream([](UpConn& c) {
    while (auto req = c.readRequest(5000)) {
      if (req->method == "HEAD") {
        c.send("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
      } else if (req->target == "/204") {
        c.send("HTTP/1.1 204 No Content\r\n\r\n");
      } else if (req->target == "/304") {
        c.send("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
      } else if (req->target == "/expect") {
        // readRequest returned the whole request: the 100 went out before the body arrived.
        c.send(jsonResponse(req->body));
      } else {
        c.send(jsonResponse("{}"));
      }
    }
  });
  // A script answering 100 Continue itself before the body is read.
  FakeUpstream expecting([](UpConn& c) {
    std::string head;
    if (!c.sock.readUntil(
            head, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; })) {
      return;
    }
    c.send("HTTP/1.1 100 Continue\r\n\r\n");
    std::string body = head.substr(head.find("\r\n\r\n") + 4);
    c.sock.readUntil(body, [](const std::string& s) { return s.size() >= 5; });
    c.send(jsonResponse(body));
    c.waitClosed(3000);
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n");
  const Message head = client.response(5000, true);
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "1234");
  CHECK(head.body.empty());
  client.send("GET /204 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 204);
  client.send("GET /304 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 304);
  client.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 200);
  CHECK(proxy.counters().connectionsAccepted == 1);
  REQUIRE(proxy.stop() == 0);

  ProxyThread proxy2(configFor(expecting.port()), recorder);
  Client c2(proxy2.port());
  c2.send("POST /expect HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  // The client waits for the 100 before sending its body.
  std::string interim;
  REQUIRE(c2.sock.readUntil(
      interim, [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; }));
  CHECK(interim.starts_with("HTTP/1.1 100 Continue\r\n"));
  c2.send("hello");
  std::string rest = interim.substr(interim.find("\r\n\r\n") + 4);
  REQUIRE(c2.sock.readUntil(rest, [](const std::string& s) { return s.ends_with("hello"); }));
  CHECK(rest.starts_with("HTTP/1.1 200 OK"));
  REQUIRE(proxy2.stop() == 0);
}

TEST_CASE("20: hop-by-hop headers are removed both ways", "[proxy][headers]") {
  FakeUpstream upstream(
      answerAll("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: "
                "timeout=5\r\nUpgrade: h2c\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nok"));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send("GET /h HTTP/1.1\r\nHost: a\r\nConnection: close, X-Foo\r\nX-Foo: 1\r\n"
              "Keep-Alive: 300\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: keep-alive\r\n"
              "X-Bar: 2\r\n\r\n");
  const Message r = client.response();
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK_FALSE(r.has("x-secret"));
  CHECK_FALSE(r.has("keep-alive"));
  CHECK_FALSE(r.has("upgrade"));
  CHECK(r.header("x-kept") == "yes");
  CHECK(r.header("connection") == "close"); // the client asked to close
  CHECK(client.closedByPeer());
  const auto up = upstream.requests();
  REQUIRE(up.size() == 1);
  for (const char* h : {"connection", "x-foo", "keep-alive", "te", "upgrade", "proxy-connection"}) {
    INFO(h);
    CHECK_FALSE(up[0].message.has(h));
  }
  CHECK(up[0].message.header("x-bar") == "2");
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("21: X-Forwarded-For is appended, the capture stores the peer", "[proxy][headers]") {
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 200);
  client.send("GET /b HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n");
  CHECK(client.response().status == 200);
  const auto up = upstream.requests();
  REQUIRE(up.size() == 2);
  CHECK(up[0].message.header("x-forwarded-for") == "127.0.0.1");
  CHECK(up[1].message.header("x-forwarded-for") == "1.2.3.4, 127.0.0.1");
  const auto records = recorder.waitFor(2);
  REQUIRE(records.size() == 2);
  CHECK(records[1].clientAddress == "127.0.0.1");
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("an unreachable upstream gives 502 with a TGI-shaped JSON error", "[proxy]") {
  int deadPort = 0;
  {
    FakeUpstream gone(answerAll(""));
    deadPort = gone.port();
  } // closed: nothing listens there now
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(deadPort), recorder);
  Client client(proxy.port());
  client.send("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
  const Message r = client.response();
  CHECK(r.status == 502);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.body.find("\"error\":") != std::string::npos);
  CHECK(r.body.find("\"error_type\":") != std::string::npos);
  // The client connection survives a 502 for a complete request.
  client.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(client.response().status == 502);
  const auto records = recorder.waitFor(2);
  REQUIRE(records.size() == 2);
  CHECK(records[0].outcome == Outcome::UpstreamError);
  CHECK(records[0].status == 502);
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::UpstreamConnect) == 2);
  REQUIRE(proxy.stop() == 0);
}

} // namespace tt::test
