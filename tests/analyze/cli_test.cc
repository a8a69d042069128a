#include "tests/analyze/synthetic_traces.h"
#include "tests/support/run_process.h"
#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tt;

using test::isOneLine;
using test::tracetune;

TEST_CASE("analyze prints one trace as a table, JSON and CSV") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    test::addSyntheticTrace(store, "prod", 4, 50);
  }
  const auto table = tracetune({"analyze", "--db", db, "--slo", "ttft=200ms,itl=40ms"});
  REQUIRE(table.exitCode == 0);
  CHECK(table.err.empty());
  CHECK_THAT(table.out, Catch::StartsWith("Traces (SLO ttft=200ms,itl=40ms)\n"));
  CHECK_THAT(table.out, Catch::Contains("metric"));
  CHECK_THAT(table.out, Catch::Contains("ttft "));
  CHECK_THAT(table.out, Catch::Contains(" ms "));
  CHECK_THAT(table.out, Catch::Contains("Prefill view of #1 prod"));
  CHECK_THAT(table.out, Catch::Contains("Decode view of #1 prod"));
  CHECK(table.out.find("nan") == std::string::npos);

  const auto json = tracetune({"analyze", "--db", db, "1", "--format", "json", "--slo", "ttft=1s"});
  REQUIRE(json.exitCode == 0);
  const auto j = nlohmann::json::parse(json.out);
  const auto& t = j["traces"][0];
  CHECK(t["requests"] == 50);
  CHECK(t["ok"] == 46); // every 11th request is a 429
  CHECK(t["outcomes"]["http_error"] == 4);
  CHECK(t["ttft_us"]["p50"].get<double>() > 100'000);
  CHECK(t["itl_us"]["count"] == 46 * 9);
  CHECK(t["goodput"]["good"] == 46);
  CHECK(t["ttft_from_intended_us"]["count"] == 46);
  CHECK(!t["timeline"].empty());
  CHECK(j["curves"].is_null());

  const auto csv = tracetune({"analyze", "--db", db, "--format", "csv"});
  REQUIRE(csv.exitCode == 0);
  CHECK_THAT(csv.out, Catch::StartsWith("section,trace_id,label,metric,statistic,value,unit\r\n"));
  CHECK_THAT(csv.out, Catch::Contains("trace,1,prod,requests,count,50,\r\n"));
  CHECK_THAT(csv.out, Catch::Contains("trace,1,prod,ttft,p99,"));
}

TEST_CASE("analyze reports bad input in one line") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    test::addSyntheticTrace(store, "a", 2, 10);
    test::addSyntheticTrace(store, "b", 3, 10);
  }
  SECTION("an unknown trace id") {
    const auto r = tracetune({"analyze", "--db", db, "1", "99"});
    CHECK(r.exitCode == 1);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::StartsWith("tracetune: no trace 99 in " + db));
    CHECK(r.out.empty());
  }
  SECTION("an SLO in the wrong unit is a usage error") {
    for (const std::string slo : {"ttft=2", "ttft=2kg", "latency=1s", "itl=-3ms"}) {
      const auto r = tracetune({"analyze", "--db", db, "1", "--slo", slo});
      CHECK(r.exitCode == 2);
      CHECK(isOneLine(r.err));
      CHECK_THAT(r.err, Catch::Contains("SLO"));
    }
  }
  SECTION("several traces and no selection") {
    const auto r = tracetune({"analyze", "--db", db});
    CHECK(r.exitCode == 1);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::Contains("holds 2 traces: name the trace ids"));
  }
  SECTION("a family no label starts with") {
    const auto r = tracetune({"analyze", "--db", db, "--family", "zz"});
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.err, Catch::Contains("no trace label in " + db + " starts with 'zz'"));
  }
  SECTION("a missing database and a bad format") {
    CHECK(tracetune({"analyze", "--db", dir.file("none.db")}).exitCode == 1);
    CHECK(tracetune({"analyze", "--db", db, "--format", "xml"}).exitCode == 2);
  }
  SECTION("an HTML file that cannot be written") {
    const auto r = tracetune({"analyze", "--db", db, "1", "--html", dir.file("no/such/r.html")});
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.err, Catch::Contains("cannot write the HTML report"));
  }
}

TEST_CASE("analyze explains empty traces, error-only traces and a one-point family") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    store.createTrace({.kind = TraceKind::Capture, .label = "empty"});
    const int64_t errors = store.createTrace({.kind = TraceKind::Capture, .label = "errors"});
    std::vector<Exchange> failed{test::sampleExchange(1, 3), test::sampleExchange(2, 3)};
    for (auto& e : failed) {
      e.outcome = Outcome::UpstreamError;
    }
    store.append(errors, failed);
    test::addSyntheticTrace(store, "sweep-1", 2, 20);
  }
  const auto r = tracetune({"analyze", "--db", db, "1", "2", "--slo", "ttft=1s"});
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Catch::Contains("#1 empty: the trace has no requests"));
  CHECK_THAT(r.out, Catch::Contains("#2 errors: no request succeeded (2 failed)"));
  CHECK(r.out.find("nan") == std::string::npos);
  const auto j = tracetune({"analyze", "--db", db, "1", "2", "--format", "json"});
  CHECK(j.out.find("NaN") == std::string::npos);
  CHECK(nlohmann::json::parse(j.out)["traces"][0]["ttft_us"].is_null());

  const auto family = tracetune({"analyze", "--db", db, "--family", "sweep", "--slo", "ttft=1s"});
  REQUIRE(family.exitCode == 0);
  CHECK_THAT(family.out,
             Catch::Contains("no model fitted: the straight-line model needs at least 4 points "
                             "at distinct throughputs, there is 1"));
  CHECK_THAT(family.out, Catch::Contains("capacity: no capacity inside the measured range"));
  CHECK_THAT(family.out, Catch::Contains("capacity is at least"));
}

TEST_CASE("a replay next to its source gets per-request deltas") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    const int64_t source = store.createTrace({.kind = TraceKind::Capture, .label = "prod"});
    std::vector<Exchange> original;
    for (int i = 0; i < 5; ++i) {
      original.push_back(test::sampleExchange(i * 10, 4));
      original.back().outcome = Outcome::Ok;
    }
    store.append(source, original);
    const int64_t replay =
        store.createTrace({.kind = TraceKind::Replay, .label = "x2", .sourceTraceId = source});
    std::vector<Exchange> again = original;
    for (size_t i = 0; i < again.size(); ++i) {
      again[i].sourceRequestId = original[i].id;
      for (auto& t : again[i].tokenTimesUs) {
        t += 5'000; // every token 5 ms later, the end too
      }
      *again[i].endUs += 5'000;
    }
    store.append(replay, again);
  }
  const auto r = tracetune({"analyze", "--db", db, "1", "2", "--format", "json"});
  REQUIRE(r.exitCode == 0);
  const auto d = nlohmann::json::parse(r.out)["deltas"];
  REQUIRE(d.size() == 1);
  CHECK(d[0]["replay_trace_id"] == 2);
  CHECK(d[0]["matched"] == 5);
  CHECK(d[0]["ttft_us"]["mean"] == 5'000);
  CHECK(d[0]["e2e_us"]["p99"] == 5'000);
  CHECK(d[0]["tpot_us"]["max"] == 0);
  const auto table = tracetune({"analyze", "--db", db, "1", "2"});
  CHECK_THAT(table.out, Catch::Contains("Replay #2 vs its source #1"));
}

TEST_CASE("a family sweep gets fitted curves, a knee and a capacity") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  {
    Store store(db);
    for (const double rate : {1.0, 3.0, 5.0, 7.0, 9.0, 10.0, 11.0}) {
      test::addSyntheticTrace(store, "sweep/rate-" + std::to_string(rate), rate, 60);
    }
  }
  const auto r = tracetune(
      {"analyze", "--db", db, "--family", "sweep/", "--slo", "ttft=200ms", "--format", "json"});
  REQUIRE(r.exitCode == 0);
  const auto curves = nlohmann::json::parse(r.out)["curves"];
  REQUIRE(curves["configurations"].size() == 1);
  const auto& c = curves["configurations"][0];
  CHECK(c["points"].size() == 7);
  bool sawTtft = false;
  for (const auto& f : c["fits"]) {
    if (f["metric"] == "ttft" && f["percentile"] == 50) {
      sawTtft = true;
      REQUIRE(!f["chosen"].is_null());
      CHECK(!f["knee_per_s"].is_null());
    }
  }
  CHECK(sawTtft);
  for (const auto& f : c["fits"]) {
    REQUIRE(!f["chosen"].is_null());
    CHECK_THAT(f["chosen_why"].get<std::string>(),
               Catch::StartsWith(f["chosen"].get<std::string>() + ": AICc "));
    CHECK(f["formula"].get<std::string>().find("+ -") == std::string::npos);
    CHECK(f["formula"].get<std::string>().find("+-") == std::string::npos);
  }
  for (const auto& p : c["points"]) {
    CHECK(p["rejected"] == false); // one request in 11 fails at every rate: the traffic's own
  }
  REQUIRE(!c["capacity"].is_null());
  // TTFT p50 crosses 200 ms near 9.4 req/s sent (8.6 successful per second, 1 in 11 fails).
  CHECK(c["capacity"]["low_per_s"].get<double>() < c["capacity"]["rate_per_s"].get<double>());
  CHECK(c["capacity"]["rate_per_s"].get<double>() < c["capacity"]["high_per_s"].get<double>());
}
