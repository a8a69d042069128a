// Forwarding through the proxy: keep-alive, pipelining, bodiless responses, 100-continue,
// hop-by-hop headers, X-Forwarded-For, unreachable upstream (reference/proxy.md §6, 8-10, 20, 21).
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
    CHECK(findHeader(e.requestHeaders, ":peer") != nullptr);
    CHECK(e.responseHeadersUs.has_value());
    CHECK(e.endUs >= e.responseHeadersUs);
    CHECK(*e.responseHeadersUs >= e.sentUs);
    REQUIRE(proxy.stop() == 0);
  }
}

} // namespace tt::test
