// `tracetune proxy` as a user runs it: a real process, its database, its admin endpoint, the
// upstream scrape and a graceful shutdown on SIGTERM (docs/proxy.md, "Running it" and "Admin
// endpoint"; issue 4, 1 and 4-6).
#include "tests/proxy/harness.h"
#include "tests/support/child_process.h"
#include "tests/support/proxy_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

#include "schema/store.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>

namespace tt::test {
namespace {

using namespace std::chrono_literals;

const std::string kBinary = std::string(TT_BINARY_DIR) + "/tracetune";

std::string httpGet(int port, const std::string& path) {
  Client c(port);
  c.send("GET " + path + " HTTP/1.1\r\nHost: admin\r\n\r\n");
  const Message m = c.response();
  return std::to_string(m.status) + "\n" + m.body;
}

} // namespace

TEST_CASE("tracetune proxy records into its database, serves admin metrics, scrapes the "
          "upstream and drains on SIGTERM",
          "[proxy][cli][process]") {
  TempDir dir;
  const std::string db = dir.file("capture.db");
  std::atomic<int> scrapes{0};
  FakeUpstream upstream([&](UpConn& c) {
    while (auto req = c.readRequest(5000)) {
      if (req->target == "/info") {
        c.send(jsonResponse(
            R"({"model_id":"m","max_input_tokens":1000,"max_total_tokens":2000,"version":"3.3.6"})"));
      } else if (req->target == "/metrics") {
        ++scrapes;
        c.send(jsonResponse("# TYPE tgi_queue_size gauge\ntgi_queue_size 3\n"
                            "tgi_batch_current_size 2\ntgi_batch_max_total_tokens 16000\n"
                            "tgi_batch_inference_duration_bucket{method=\"decode\",le=\"0.01\"} 5\n"
                            "other_metric 1\n"));
      } else if (req->target == "/generate_stream") {
        c.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
               "chunked\r\n\r\n");
        // Streams on while the proxy is asked to stop: the drain lets it finish.
        for (int k = 1; k <= 10; ++k) {
          sleepUntilNs(monoNs() + 30'000'000);
          c.send(chunk("data: {\"index\":" + std::to_string(k) +
                       ",\"token\":{\"id\":1,\"text\":\"x\",\"logprob\":0,\"special\":false},"
                       "\"generated_text\":" +
                       (k == 10 ? std::string("\"xx\"") : std::string("null")) +
                       ",\"details\":null}\n\n"));
        }
        c.send("0\r\n\r\n");
      } else {
        c.send(jsonResponse("{\"generated_text\":\"ok\"}", "x-queue-time: 7\r\n"));
      }
    }
  });
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream",
                      "http://127.0.0.1:" + std::to_string(upstream.port()), "--db", db, "--label",
                      "cli-test", "--admin", "0", "--scrape-interval", "0.1", "--redact", "prompts",
                      "--drain-timeout", "10"});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  REQUIRE(proxy.adminPort > 0);

  Client client(proxy.port);
  const std::string body = R"({"inputs":"secret prompt","parameters":{"max_new_tokens":3}})";
  client.send("POST /generate HTTP/1.1\r\nHost: a\r\nCookie: s=1\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(client.response().status == 200);

  CHECK(httpGet(proxy.adminPort, "/healthz") == "200\nok\n");
  const std::string metrics = httpGet(proxy.adminPort, "/metrics");
  CHECK(metrics.starts_with("200\n"));
  CHECK(metrics.find("tracetune_proxy_exchanges_total{outcome=\"ok\"} 1") != std::string::npos);
  CHECK(metrics.find("tracetune_capture_queue_depth") != std::string::npos);
  CHECK(metrics.find("tracetune_proxy_connections_open 1") != std::string::npos);
  CHECK(httpGet(proxy.adminPort, "/nope").starts_with("404"));

  // Wait (bounded) for at least two scrapes to have reached the upstream.
  const int64_t deadline = monoNs() + 10'000'000'000;
  while (scrapes < 2 && monoNs() < deadline) {
    std::this_thread::yield();
  }
  CHECK(scrapes >= 2);

  // A stream in flight when SIGTERM arrives finishes within the drain timeout.
  Client streaming(proxy.port);
  streaming.send("POST /generate_stream HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}");
  std::string first;
  REQUIRE(streaming.sock.readUntil(
      first, [](const std::string& s) { return s.find("data:") != std::string::npos; }));
  const int status = proxy.stop(SIGTERM);
  CHECK(status == 0);
  streaming.raw = first;
  streaming.closedByPeer(5000);
  CHECK(streaming.raw.find("\r\n0\r\n\r\n") != std::string::npos); // the stream completed
  CHECK(proxy.child.err.find("stopped;") != std::string::npos);

  Store store(db, Store::Access::Read);
  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 1);
  CHECK(traces[0].kind == TraceKind::Capture);
  CHECK(traces[0].label == "cli-test");
  CHECK(traces[0].serverInfoJson.find("\"max_batch_total_tokens\":16000") != std::string::npos);
  CHECK(traces[0].serverInfoJson.find("\"model_id\":\"m\"") != std::string::npos);
  const auto exchanges = store.exchanges(traces[0].id);
  REQUIRE(exchanges.size() == 2);
  CHECK(exchanges[0].path == "/generate");
  CHECK(exchanges[0].requestBody.find("secret prompt") == std::string::npos);
  CHECK(exchanges[0].requestBody.find("\"sha256\"") != std::string::npos);
  CHECK(exchanges[0].requestBodySha256.has_value());
  CHECK(exchanges[0].maxNewTokens == 3);
  CHECK(exchanges[0].tgi.queueUs == 7000);
  for (const auto& [name, value] : exchanges[0].requestHeaders) {
    CHECK(name != "Cookie");
  }
  CHECK(exchanges[1].tokenTimesUs.size() == 10);
  CHECK(exchanges[1].outcome == Outcome::Ok);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(store.db().handle(),
                     "SELECT count(*), sum(name = 'tgi_queue_size'), max(value) FILTER (WHERE name "
                     "= 'tgi_queue_size'), sum(name = 'other_metric') FROM samples",
                     -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) >= 8);
  CHECK(sqlite3_column_int(st, 1) >= 2);
  CHECK(sqlite3_column_double(st, 2) == 3.0);
  CHECK(sqlite3_column_int(st, 3) == 0);
  sqlite3_finalize(st);
}

TEST_CASE("tracetune proxy refuses bad flags and a busy port with one clear line",
          "[proxy][cli][process]") {
  TempDir dir;
  RunResult r = runProcess({kBinary, "proxy", "--listen", "127.0.0.1:0", "--upstream", "https://x",
                            "--db", dir.file("a.db")});
  CHECK(r.exitCode == 2);
  CHECK(r.err.find("--upstream") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  r = runProcess({kBinary, "proxy", "--listen", "nonsense", "--upstream", "http://127.0.0.1:9",
                  "--db", dir.file("a.db")});
  CHECK(r.exitCode == 2);
  CHECK(r.err.find("--listen") != std::string::npos);

  r = runProcess({kBinary, "proxy", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9",
                  "--db", dir.file("a.db"), "--redact", "everything"});
  CHECK(r.exitCode == 2);

  FakeUpstream busy(answerAll(""));
  r = runProcess({kBinary, "proxy", "--listen", "127.0.0.1:" + std::to_string(busy.port()),
                  "--upstream", "http://127.0.0.1:9", "--db", dir.file("b.db")});
  CHECK(r.exitCode == 1);
  CHECK(r.err.find("address already in use") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(std::filesystem::exists(dir.file("b.db"))); // it made none

  // A database that was there stays as it was: no trace of the capture that never started.
  { Store(dir.file("c.db")).createTrace({.kind = TraceKind::Import, .label = "kept"}); }
  r = runProcess({kBinary, "proxy", "--listen", "127.0.0.1:" + std::to_string(busy.port()),
                  "--upstream", "http://127.0.0.1:9", "--db", dir.file("c.db")});
  CHECK(r.exitCode == 1);
  Store store(dir.file("c.db"), Store::Access::Read);
  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 1);
  CHECK(traces[0].label == "kept");
}

} // namespace tt::test
