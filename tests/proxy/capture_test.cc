// Capture: redaction, credentials, and capture never hurting traffic (docs/proxy.md, "Tests it
// passes", basic versions of 24-26: a full database, a locked database with a tiny queue).
#include "tests/proxy/harness.h"
#include "tests/support/temp_dir.h"

#include "core/http_headers.h"
#include "proxy/capture.h"
#include "proxy/sha256.h"
#include "schema/capture_writer.h"
#include "schema/store.h"

#include <catch2/catch.hpp>
#include <sqlite3.h>

namespace tt::test {
namespace {

const std::string kPrompt = "my secret prompt";
const std::string kBody = R"({"inputs":"my secret prompt","parameters":{"max_new_tokens":2}})";

std::string generateRequest(std::string_view extraHeaders = "") {
  return "POST /generate HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\nCookie: c=1\r\n"
         "X-Api-Key: k\r\n" +
         std::string(extraHeaders) + "Content-Length: " + std::to_string(kBody.size()) +
         "\r\n\r\n" + kBody;
}

// Creates the database and a trace in it; returns the trace's id.
int64_t newTrace(const std::string& db) {
  Store store(db);
  return store.createTrace({});
}

} // namespace

TEST_CASE("redaction: prompts keeps the body less the prompt, bodies keeps none",
          "[proxy][capture]") {
  const proxy::Redact mode =
      GENERATE(proxy::Redact::None, proxy::Redact::Prompts, proxy::Redact::Bodies);
  FakeUpstream upstream(answerAll(jsonResponse(R"({"generated_text":"reply"})")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.redact = mode;
  ProxyThread proxy(config, recorder);
  Client client(proxy.port());
  client.send(generateRequest());
  CHECK(client.response().status == 200);
  const auto records = recorder.waitFor(1);
  REQUIRE(records.size() == 1);
  const Exchange& e = records[0];
  for (const char* h : {"authorization", "cookie", "x-api-key"}) {
    CHECK(findHeader(e.requestHeaders, h) == nullptr);
  }
  CHECK(e.maxNewTokens == 2); // fields are parsed before redaction
  CHECK(e.inputBytes == static_cast<int64_t>(kPrompt.size()));
  CHECK(e.requestBodyBytes == static_cast<int64_t>(kBody.size()));
  switch (mode) {
  case proxy::Redact::None:
    CHECK(e.requestBody == kBody);
    CHECK_FALSE(e.requestBodySha256);
    CHECK(e.responseBody == R"({"generated_text":"reply"})");
    break;
  case proxy::Redact::Prompts:
    CHECK(e.requestBody.find(kPrompt) == std::string::npos);
    CHECK(e.requestBody.find("\"length\":" + std::to_string(kPrompt.size())) != std::string::npos);
    CHECK(e.requestBody.find(proxy::sha256Hex(kPrompt)) != std::string::npos);
    CHECK(e.requestBody.find("\"max_new_tokens\":2") != std::string::npos);
    CHECK(e.requestBodySha256 == proxy::sha256Hex(kBody));
    break;
  case proxy::Redact::Bodies:
    CHECK(e.requestBody.empty());
    CHECK(e.responseBody.empty());
    CHECK(e.requestBodySha256 == proxy::sha256Hex(kBody));
    break;
  }
  REQUIRE(proxy.stop() == 0);
}

TEST_CASE("redactPrompts covers chat messages and completions prompts", "[proxy][capture]") {
  const auto chat = proxy::redactPrompts(
      Endpoint::Chat,
      R"({"messages":[{"role":"user","content":"hello"},{"role":"user","content":[{"type":"text","text":"there"}]}]})");
  REQUIRE(chat);
  CHECK(chat->find("hello") == std::string::npos);
  CHECK(chat->find("there") == std::string::npos);
  CHECK(chat->find(proxy::sha256Hex("there")) != std::string::npos);
  const auto completion =
      proxy::redactPrompts(Endpoint::Completions, R"({"prompt":["a b","c"],"max_tokens":3})");
  REQUIRE(completion);
  CHECK(completion->find("a b") == std::string::npos);
  CHECK(completion->find("\"max_tokens\":3") != std::string::npos);
  CHECK_FALSE(proxy::redactPrompts(Endpoint::Generate, "not json"));
  CHECK_FALSE(proxy::redactPrompts(Endpoint::Other, "{}"));
}

TEST_CASE("the writer thread completes records: TGI fields, redaction and the answer's counts",
          "[proxy][capture]") {
  TempDir dir;
  const std::string db = dir.file("deferred.db");
  const int64_t traceId = newTrace(db);
  CaptureWriter writer(db, traceId);
  proxy::WriterRecorder recorder(writer);
  FakeUpstream upstream(answerAll(jsonResponse(
      R"({"generated_text":"reply","details":{"finish_reason":"length","generated_tokens":2}})",
      "x-compute-time: 0.25\r\nx-prompt-tokens: 4\r\n")));
  proxy::Config config = configFor(upstream.port());
  config.redact = proxy::Redact::Prompts;
  ProxyThread proxy(config, recorder);
  Client client(proxy.port());
  client.send(generateRequest());
  CHECK(client.response().status == 200);
  REQUIRE(proxy.stop() == 0);
  writer.flush();
  Store check(db, Store::Access::Read);
  const std::vector<Exchange> rows = check.exchanges(traceId);
  REQUIRE(rows.size() == 1);
  const Exchange& e = rows[0];
  CHECK(e.endpoint == Endpoint::Generate);
  CHECK(e.maxNewTokens == 2);
  CHECK(e.inputBytes == static_cast<int64_t>(kPrompt.size()));
  CHECK(e.requestBody.find(kPrompt) == std::string::npos);
  CHECK(e.requestBodySha256 == proxy::sha256Hex(kBody));
  CHECK(e.finishReason == "length");
  CHECK(e.outputTokens == 2);
  CHECK(e.inputTokens == 4);
  CHECK(e.tgi.totalUs == 250'000);
}

TEST_CASE("capture extras survive packing", "[proxy][capture]") {
  for (proxy::Redact redact :
       {proxy::Redact::None, proxy::Redact::Prompts, proxy::Redact::Bodies}) {
    for (uint32_t bits = 0; bits < 8; ++bits) {
      const proxy::CaptureExtras extras{.redact = redact,
                                        .requestBodyCut = (bits & 1U) != 0,
                                        .responseBodyCut = (bits & 2U) != 0,
                                        .sse = (bits & 4U) != 0};
      CHECK(proxy::unpackExtras(proxy::packExtras(extras)) == extras);
    }
  }
}

TEST_CASE("24 (basic): a full database loses records, never requests", "[proxy][capture]") {
  TempDir dir;
  const std::string db = dir.file("full.db");
  const int64_t traceId = newTrace(db);
  WriterOptions options;
  options.maxDatabaseBytes = 256 * 1024; // SQLITE_FULL soon
  options.flushInterval = std::chrono::milliseconds(5);
  CaptureWriter writer(db, traceId, options);
  proxy::WriterRecorder recorder(writer);
  FakeUpstream upstream(answerAll(jsonResponse(std::string(2000, 'r'))));
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  int ok = 0;
  for (int i = 0; i < 400; ++i) {
    client.send(generateRequest());
    ok += client.response().status == 200 ? 1 : 0;
  }
  CHECK(ok == 400); // error rate 0
  REQUIRE(proxy.stop() == 0);
  writer.flush();
  const WriterCounters c = writer.counters();
  CHECK(c.lost > 0); // counted
  CHECK(c.written + c.lost + c.dropped == 400);
  Store check(db, Store::Access::Read);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(check.db().handle(), "PRAGMA integrity_check", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
  sqlite3_finalize(st);
}

TEST_CASE("25/26 (basic): a locked database and a full queue never hold up or fail traffic",
          "[proxy][capture]") {
  TempDir dir;
  const std::string db = dir.file("locked.db");
  const int64_t traceId = newTrace(db);
  // Another process-like connection holds the write lock.
  sqlite3* locker = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &locker) == SQLITE_OK);
  REQUIRE(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  WriterOptions options;
  options.queueCapacity = 16;
  options.batchMax = 4;
  options.busyTimeoutMs = 50;
  options.flushInterval = std::chrono::milliseconds(5);
  CaptureWriter writer(db, traceId, options);
  proxy::WriterRecorder recorder(writer);
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  ProxyThread proxy(configFor(upstream.port()), recorder);
  Client client(proxy.port());
  for (int i = 0; i < 300; ++i) {
    client.send(generateRequest());
    REQUIRE(client.response().status == 200);
  }
  // Every request was answered while the writer could commit nothing: none waited on it. (The
  // cost of a submit to the writer is measured by bench/schema, enqueue p50 / p99.)
  CHECK(writer.counters().written == 0);
  const proxy::Counters counters = proxy.counters();
  CHECK(counters.errorCount(proxy::ErrorKind::CaptureDropped) > 0); // the queue overflowed
  sqlite3_exec(locker, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(locker);
  // Capture resumes by itself once the lock is gone.
  client.send(generateRequest());
  CHECK(client.response().status == 200);
  const uint64_t dropped = proxy.counters().errorCount(proxy::ErrorKind::CaptureDropped);
  REQUIRE(proxy.stop() == 0);
  writer.flush();
  const WriterCounters c = writer.counters();
  CHECK(c.written > 0);
  CHECK(c.dropped == dropped);
}

} // namespace tt::test
