// Framing on both legs by RFC 9112 (docs/proxy.md, "Framing"): one test per row of that table,
// each followed by the next exchange, so that a proxy out of step with either peer shows it.
#include "tests/proxy/harness.h"

#include <catch2/catch.hpp>

#include <atomic>

namespace tt::test {
namespace {

// A second request that must never reach the upstream, and a response that must never reach
// the client: bytes a desynchronised peer would take for the next message.
const std::string kSmuggledRequest = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
const std::string kSmuggledResponse = "HTTP/1.1 299 Smuggled\r\nContent-Length: 0\r\n\r\n";

size_t countOf(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A request the proxy refuses: one answer with `status`, a close, and nothing upstream, neither
// the request nor the bytes after it. A new connection is then served as usual.
void expectRequestRefused(const std::string& head, int status = 400) {
  INFO("request: " << head);
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  {
    Client client(proxy.port());
    client.send(head + kSmuggledRequest);
    CHECK(client.response(3000).status == status);
    CHECK(client.closedByPeer(3000));
    CHECK(countOf(client.raw, "HTTP/1.1 ") == 1); // no answer to the bytes after it
  }
  Client next(proxy.port());
  next.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(next.response().status == 200);
  const auto up = upstream.requests();
  REQUIRE(up.size() == 1);
  CHECK(up[0].message.target == "/next");
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::RequestMalformed) == 1);
  REQUIRE(proxy.stop() == 0);
}

// A request the proxy forwards: it and the next one on the same connection arrive upstream
// with their bodies, and each gets its own answer.
void expectRequestForwarded(const std::string& request, const std::string& body) {
  INFO("request: " << request);
  FakeUpstream upstream([](UpConn& c) {
    while (auto req = c.readRequest(5000)) {
      c.send(jsonResponse(req->target));
    }
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send(request + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  const auto rs = client.responses(2);
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].body == "/first");
  CHECK(rs[1].body == "/next");
  const auto up = upstream.requests();
  REQUIRE(up.size() == 2);
  CHECK(up[0].message.body == body);
  CHECK(up[1].message.target == "/next");
  REQUIRE(proxy.stop() == 0);
}

struct ResponseRow {
  std::string method = "GET";
  std::string response; // the upstream's answer to the first request
  std::string tail;     // bytes the upstream sends right after it
  int status = 0;       // what the client gets
  bool refused = false; // 502, and the upstream connection is closed
  bool reused = false;  // the next exchange goes over the same upstream connection
};

// The upstream answers the first request with `row.response + row.tail` and every later one
// with `{"n":2}`; the client's next request on the same connection must get that answer.
Message expectResponse(const ResponseRow& row) {
  INFO("response: " << row.response << row.tail);
  std::atomic<bool> answered{false};
  std::atomic<bool> closedByProxy{false};
  FakeUpstream upstream([&](UpConn& c) {
    while (auto req = c.readRequest(5000)) {
      if (answered.exchange(true)) {
        c.send(jsonResponse(R"({"n":2})"));
        continue;
      }
      c.send(row.response + row.tail);
      if (row.refused) {
        closedByProxy = c.waitClosed(3000) > 0;
        return;
      }
    }
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  client.send(row.method + " /first HTTP/1.1\r\nHost: a\r\n\r\n");
  const Message first = client.response(3000, row.method == "HEAD");
  CHECK(first.status == row.status);
  if (row.refused) {
    CHECK(first.body.find("bad_gateway") != std::string::npos); // the proxy's own answer
  } else {
    CHECK(first.body.empty());
  }
  client.send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  const Message next = client.response(3000);
  CHECK(next.status == 200);
  CHECK(next.body == R"({"n":2})");
  CHECK(countOf(client.raw, "299 Smuggled") == 0);
  CHECK(upstream.connections() == (row.reused ? 1u : 2u));
  const auto records = recorder.waitFor(2);
  REQUIRE(records.size() == 2);
  CHECK(records[0].outcome == (row.refused ? Outcome::UpstreamError : Outcome::Ok));
  CHECK(proxy.counters().errorCount(proxy::ErrorKind::UpstreamMalformed) ==
        (row.refused ? 1u : 0u));
  REQUIRE(proxy.stop() == 0);
  upstream.stop();
  CHECK(closedByProxy == row.refused);
  return first;
}

} // namespace

// ---- request leg ------------------------------------------------------------------------------

TEST_CASE("framing, request: names that only look like Content-Length or Transfer-Encoding get "
          "400",
          "[proxy][framing]") {
  for (const char* name : {"Content_Length", "Content--Length", "ContentLength", "content-length_",
                           "Content.Length", "-Content-Length"}) {
    expectRequestRefused(std::string("POST /first HTTP/1.1\r\nHost: a\r\n") + name +
                         ": 5\r\n\r\nhello");
  }
  for (const char* name : {"Transfer_Encoding", "Transfer--Encoding", "TransferEncoding"}) {
    expectRequestRefused(std::string("POST /first HTTP/1.1\r\nHost: a\r\n") + name +
                         ": chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  }
}

TEST_CASE("framing, request: Transfer-Encoding other than a single chunked gets 400",
          "[proxy][framing]") {
  for (const char* te : {"gzip, chunked", "identity, chunked", "chunked, chunked", "identity",
                         "gzip", "chunked, gzip", "chunked;q=1"}) {
    expectRequestRefused(std::string("POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ") +
                         te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  }
  expectRequestRefused("POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

TEST_CASE("framing, request: Transfer-Encoding before HTTP/1.1 gets 400", "[proxy][framing]") {
  for (const char* version : {"HTTP/1.0", "HTTP/0.9"}) {
    expectRequestRefused(
        std::string("POST /first ") + version +
        "\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  }
}

TEST_CASE("framing, request: Content-Length with Transfer-Encoding, or two Content-Lengths, get "
          "400",
          "[proxy][framing]") {
  expectRequestRefused("POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  expectRequestRefused(
      "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello");
}

TEST_CASE("framing, request: Content-Length, chunked and look-alike-free names are forwarded",
          "[proxy][framing]") {
  expectRequestForwarded(
      "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX_Request_Id: 1\r\n\r\nhello",
      "hello");
  expectRequestForwarded("POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                         "Content-Type: application/json\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                         "hello");
  expectRequestForwarded("GET /first HTTP/1.1\r\nHost: a\r\nContent-Length-Hint: 3\r\n\r\n", "");
}

// ---- response leg -----------------------------------------------------------------------------

TEST_CASE("framing, response: a 204 announcing a body is a bad gateway, never forwarded",
          "[proxy][framing]") {
  // The issue's case: the eight bytes would be the start of the client's next response.
  expectResponse({.response = "HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\n",
                  .tail = "12345678" + kSmuggledResponse,
                  .status = 502,
                  .refused = true});
  expectResponse({.response = "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
                  .tail = "8\r\n12345678\r\n0\r\n\r\n" + kSmuggledResponse,
                  .status = 502,
                  .refused = true});
}

TEST_CASE("framing, response: a 1xx announcing a body, or a 101, is a bad gateway, never "
          "forwarded",
          "[proxy][framing]") {
  // The proxy removes Upgrade from requests: a switch it never asked for.
  expectResponse({.response = "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n"
                              "Upgrade: websocket\r\n\r\n",
                  .tail = kSmuggledResponse,
                  .status = 502,
                  .refused = true});
  expectResponse({.response = "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n",
                  .tail = "hello" + jsonResponse("{}"),
                  .status = 502,
                  .refused = true});
  expectResponse({.response = "HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\n\r\n",
                  .tail = "0\r\n\r\n" + jsonResponse("{}"),
                  .status = 502,
                  .refused = true});
}

TEST_CASE("framing, response: 204 with Content-Length 0 and 1xx without a body pass",
          "[proxy][framing]") {
  expectResponse({.response = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                  .status = 204,
                  .reused = true});
  expectResponse({.response = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                              "HTTP/1.1 204 No Content\r\n\r\n",
                  .status = 204,
                  .reused = true});
}

TEST_CASE("framing, response: bytes after a bodiless 204 are not forwarded and end that "
          "upstream connection",
          "[proxy][framing]") {
  expectResponse(
      {.response = "HTTP/1.1 204 No Content\r\n\r\n", .tail = kSmuggledResponse, .status = 204});
}

TEST_CASE("framing, response: a 304's Content-Length and Transfer-Encoding are metadata, no body "
          "is awaited",
          "[proxy][framing]") {
  const Message cl = expectResponse(
      {.response = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 10\r\n\r\n",
       .status = 304,
       .reused = true});
  CHECK(cl.header("content-length") == "10");
  const Message te = expectResponse(
      {.response = "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       .status = 304,
       .reused = true});
  CHECK(te.header("transfer-encoding") == "gzip, chunked");
}

TEST_CASE("framing, response: answers to HEAD carry no body whatever their headers say",
          "[proxy][framing]") {
  const Message cl = expectResponse({.method = "HEAD",
                                     .response = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
                                     .status = 200,
                                     .reused = true});
  CHECK(cl.header("content-length") == "1234");
  const Message te =
      expectResponse({.method = "HEAD",
                      .response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                      .status = 200,
                      .reused = true});
  CHECK(te.header("transfer-encoding") == "chunked");
}

TEST_CASE("framing, response: Transfer-Encoding other than a single chunked is a bad gateway",
          "[proxy][framing]") {
  for (const char* te : {"gzip, chunked", "gzip", "chunked, chunked"}) {
    expectResponse({.response = std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: ") + te +
                                "\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                    .tail = kSmuggledResponse,
                    .status = 502,
                    .refused = true});
  }
  expectResponse({.response = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "2\r\nok\r\n0\r\n\r\n",
                  .tail = kSmuggledResponse,
                  .status = 502,
                  .refused = true});
}

TEST_CASE("framing, response: names that only look like Content-Length or Transfer-Encoding "
          "are a bad gateway",
          "[proxy][framing]") {
  expectResponse({.response = "HTTP/1.1 200 OK\r\nContent_Length: 2\r\nContent-Length: 2\r\n\r\nok",
                  .tail = kSmuggledResponse,
                  .status = 502,
                  .refused = true});
  expectResponse(
      {.response = "HTTP/1.1 200 OK\r\nTransfer_Encoding: chunked\r\nContent-Length: 2\r\n\r\nok",
       .tail = kSmuggledResponse,
       .status = 502,
       .refused = true});
}

TEST_CASE("framing, response: Content-Length and chunked answers pass and the connection is "
          "reused",
          "[proxy][framing]") {
  expectResponse({.response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                  .status = 201,
                  .reused = true});
  expectResponse(
      {.response = "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       .status = 202,
       .reused = true});
}

} // namespace tt::test
