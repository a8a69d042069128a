#include "schema/store.h"

#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("10,000 exchanges with token times round-trip through the store") {
  test::TempDir dir;
  std::vector<Exchange> written;
  for (int64_t i = 0; i < 10'000; ++i) {
    written.push_back(test::sampleExchange(i, 1 + static_cast<int>(i % 120)));
  }
  written[5].tokenTimesUs.clear(); // a non-streaming answer
  written[6].requestBody.clear();  // a redacted body
  written[6].requestBodySha256 = std::string(64, 'f');
  written[7].status.reset(); // an upstream error before any response
  written[7].outcome = Outcome::UpstreamError;

  int64_t traceId = 0;
  {
    Store store(dir.file("t.db"));
    traceId =
        store.createTrace({.kind = TraceKind::Capture, .label = "prod", .target = "http://tgi"});
    store.append(traceId, written);
  }
  Store store(dir.file("t.db"), Store::Access::Read);
  const auto read = store.exchanges(traceId);
  REQUIRE(read.size() == written.size());
  // sentUs grows with i, so the store's order (by send time) is the order written.
  for (size_t i = 0; i < read.size(); ++i) {
    INFO("exchange " << i);
    REQUIRE(read[i].id == written[i].id);
    REQUIRE(read[i] == written[i]);
  }
}

TEST_CASE("traces list with their request counts, spans and links") {
  test::TempDir dir;
  Store store(dir.file("t.db"));
  const int64_t capture = store.createTrace({.kind = TraceKind::Capture, .label = "a"});
  const int64_t replay =
      store.createTrace({.kind = TraceKind::Replay, .label = "b", .sourceTraceId = capture});
  std::vector<Exchange> exchanges{test::sampleExchange(1, 3), test::sampleExchange(2, 3)};
  store.append(capture, exchanges);

  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 2);
  CHECK(traces[0].id == capture);
  CHECK(traces[0].kind == TraceKind::Capture);
  CHECK(traces[0].requests == 2);
  CHECK(traces[0].firstSentUs == exchanges[0].sentUs);
  CHECK(traces[0].lastEndUs == exchanges[1].endUs);
  CHECK(traces[0].created.size() == 20); // 2026-11-23T12:00:00Z
  CHECK(traces[1].kind == TraceKind::Replay);
  CHECK(traces[1].requests == 0);
  CHECK_FALSE(traces[1].firstSentUs.has_value());
  CHECK(traces[1].sourceTraceId == capture);
  CHECK(store.findTrace(replay)->label == "b");
  CHECK_FALSE(store.findTrace(999).has_value());
}

TEST_CASE("a trace's state follows its run, and a failed run's trace can be removed") {
  test::TempDir dir;
  Store store(dir.file("t.db"));
  const int64_t done = store.createTrace({.kind = TraceKind::Import});
  const int64_t running =
      store.createTrace({.kind = TraceKind::Replay, .state = TraceState::Recording});
  CHECK(store.findTrace(done)->state == TraceState::Complete);
  CHECK(store.findTrace(running)->state == TraceState::Recording);
  store.setTraceState(running, TraceState::Interrupted);
  CHECK(store.findTrace(running)->state == TraceState::Interrupted);

  std::vector<Exchange> exchanges{test::sampleExchange(1, 3)};
  store.append(running, exchanges);
  store.appendSamples(running, std::vector<Sample>{{0, "tgi_queue_size", "", 1}});
  store.deleteTrace(running);
  CHECK_FALSE(store.findTrace(running).has_value());
  auto left =
      store.db().prepare("SELECT (SELECT count(*) FROM requests) + (SELECT count(*) FROM samples)");
  left.step();
  CHECK(left.int64(0) == 0); // its requests and samples went with it
  CHECK(store.listTraces().size() == 1);
}

TEST_CASE("server info and samples are stored with their trace") {
  test::TempDir dir;
  Store store(dir.file("t.db"));
  const int64_t id = store.createTrace({});
  store.setServerInfo(id, R"({"max_batch_total_tokens":16000})");
  const std::vector<Sample> samples{{0, "tgi_queue_size", "", 3}, {1000, "tgi_queue_size", "", 5}};
  store.appendSamples(id, samples);
  CHECK(store.findTrace(id)->serverInfoJson == R"({"max_batch_total_tokens":16000})");
  auto stmt = store.db().prepare("SELECT sum(value) FROM samples WHERE trace_id = ?");
  stmt.bind(1, id);
  stmt.step();
  CHECK(stmt.real(0) == 8.0);
}

TEST_CASE("request_metrics computes per-request latencies in SQL") {
  test::TempDir dir;
  Store store(dir.file("t.db"));
  const int64_t id = store.createTrace({.kind = TraceKind::Replay});
  Exchange e;
  e.intendedUs = 1'000;
  e.sentUs = 1'500;
  e.tokenTimesUs = {11'500, 21'500, 41'500};
  e.endUs = 41'600;
  e.outputTokens = 3;
  std::vector<Exchange> one{e};
  store.append(id, one);
  auto row = store.db().prepare(
      "SELECT send_lag_us, ttft_us, ttft_from_intended_us, e2e_us, itl_mean_us, max_itl_us, "
      "tpot_us FROM request_metrics");
  REQUIRE(row.step());
  CHECK(row.int64(0) == 500);
  CHECK(row.int64(1) == 10'000);
  CHECK(row.int64(2) == 10'500);
  CHECK(row.int64(3) == 40'100);
  CHECK(row.real(4) == 15'000.0);
  CHECK(row.int64(5) == 20'000);
  CHECK(row.real(6) == 15'050.0);
}
