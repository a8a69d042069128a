#include "analyze/batch_views.h"
#include "analyze/compare.h"
#include "analyze/slo.h"
#include "analyze/timeline.h"
#include "analyze/trace_metrics.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <span>

using namespace tt;
using namespace tt::analyze;

namespace {

// A trace's metrics, from its exchanges as `analyze` reads them one by one.
TraceMetrics computeMetrics(std::span<const Exchange> exchanges, const Slo& slo) {
  TraceAccumulator accumulator(slo);
  for (const auto& e : exchanges) {
    accumulator.add(recordFromExchange(e), e.tokenTimesUs);
  }
  return accumulator.finish();
}

Exchange streamed(int64_t id, int64_t sentUs, std::vector<int64_t> tokens, int64_t endUs,
                  int64_t inputTokens) {
  Exchange e;
  e.id = id;
  e.sentUs = sentUs;
  e.stream = true;
  e.endpoint = Endpoint::GenerateStream;
  e.status = 200;
  e.outputTokens = static_cast<int64_t>(tokens.size());
  e.tokenTimesUs = std::move(tokens);
  e.endUs = endUs;
  e.inputTokens = inputTokens;
  return e;
}

// A: TTFT 100 ms, gaps 50 and 100 ms, e2e 260 ms; B: TTFT 200 ms, gap 20 ms, e2e 230 ms;
// C: a 429 answer.
std::vector<Exchange> handBuilt() {
  std::vector<Exchange> v;
  v.push_back(streamed(1, 0, {100'000, 150'000, 250'000}, 260'000, 10));
  v.push_back(streamed(2, 1'000'000, {1'200'000, 1'220'000}, 1'230'000, 20));
  Exchange c;
  c.id = 3;
  c.sentUs = 500'000;
  c.status = 429;
  c.endUs = 510'000;
  c.outcome = Outcome::HttpError;
  v.push_back(c);
  return v;
}

} // namespace

TEST_CASE("metrics of hand-built exchanges have exact values") {
  const auto m = computeMetrics(handBuilt(), Slo{});
  CHECK(m.requests == 3);
  CHECK(m.ok == 2);
  REQUIRE(m.outcomes.size() == 2);
  CHECK(m.outcomes[0] == std::pair{Outcome::Ok, int64_t{2}});
  CHECK(m.outcomes[1] == std::pair{Outcome::HttpError, int64_t{1}});
  REQUIRE(m.durationS);
  CHECK(*m.durationS == Approx(1.23));
  CHECK(*m.requestRatePerS == Approx(2 / 1.23));
  CHECK(*m.outputTokenRatePerS == Approx(5 / 1.23));
  CHECK(*m.inputTokenRatePerS == Approx(30 / 1.23));
  CHECK(*m.offeredRatePerS == Approx(2.0)); // 2 intervals over 1 s of sends

  REQUIRE(m.ttftUs);
  CHECK(m.ttftUs->count == 2);
  CHECK(m.ttftUs->mean == 150'000);
  CHECK(m.ttftUs->p50 == 150'000);
  CHECK(m.ttftUs->p90 == Approx(190'000));
  CHECK(m.ttftUs->max == 200'000);

  REQUIRE(m.itlUs); // every gap: 50, 100 (A) and 20 ms (B)
  CHECK(m.itlUs->count == 3);
  CHECK(m.itlUs->mean == Approx(170'000.0 / 3));
  CHECK(m.itlUs->p50 == 50'000);
  CHECK(m.itlUs->p90 == Approx(90'000));
  CHECK(m.itlUs->max == 100'000);

  REQUIRE(m.tpotUs); // A (260 - 100) / 2 = 80 ms, B (230 - 200) / 1 = 30 ms
  CHECK(m.tpotUs->min == 30'000);
  CHECK(m.tpotUs->max == 80'000);
  CHECK(m.tpotUs->mean == 55'000);

  REQUIRE(m.e2eUs);
  CHECK(m.e2eUs->mean == 245'000);
  CHECK(!m.tgiQueueUs);
  CHECK(!m.hasIntended);
  CHECK(!m.goodput);
  CHECK(m.ttftGridUs.size() == 101);
  CHECK(m.ttftGridUs.front() == 100'000);
  CHECK(m.ttftGridUs.back() == 200'000);
  CHECK(m.notes.empty());
}

TEST_CASE("goodput counts requests meeting every objective") {
  const auto exchanges = handBuilt();
  SECTION("ttft only: A meets 150 ms, B does not, the 429 never does") {
    const auto m = computeMetrics(exchanges, parseSlo("ttft=150ms"));
    REQUIRE(m.goodput);
    CHECK(m.goodput->good == 1);
    CHECK(m.goodput->fraction == Approx(1.0 / 3));
    CHECK(m.goodput->ratePerS == Approx(1 / 1.23));
  }
  SECTION("itl is the request's time per output token: B's 30 ms meets 50 ms, A's 80 ms not") {
    const auto m = computeMetrics(exchanges, parseSlo("itl=50ms"));
    CHECK(m.goodput->good == 1);
    CHECK(meetsSlo(recordFromExchange(exchanges[1]), parseSlo("itl=50ms"), false));
    CHECK(!meetsSlo(recordFromExchange(exchanges[0]), parseSlo("itl=50ms"), false));
  }
  SECTION("all objectives at once") {
    CHECK(computeMetrics(exchanges, parseSlo("ttft=1s,itl=100ms,e2e=250ms")).goodput->good == 1);
    CHECK(computeMetrics(exchanges, parseSlo("ttft=1s,itl=100ms,e2e=1s")).goodput->good == 2);
    CHECK(computeMetrics(exchanges, parseSlo("ttft=50ms")).goodput->good == 0);
  }
}

TEST_CASE("replays report latency from the intended send time and the send lag") {
  auto exchanges = handBuilt();
  exchanges[0].intendedUs = 0;
  exchanges[1].intendedUs = 900'000; // sent 100 ms late
  const auto m = computeMetrics(exchanges, parseSlo("ttft=250ms"));
  REQUIRE(m.hasIntended);
  CHECK(m.ttftFromIntendedUs->max == 300'000);
  CHECK(m.e2eFromIntendedUs->max == 330'000);
  CHECK(m.sendLagUs->count == 2);
  CHECK(m.sendLagUs->max == 100'000);
  CHECK(m.goodput->good == 2);             // from the actual send: 100 and 200 ms
  CHECK(m.goodputFromIntended->good == 1); // from the plan: B waited 300 ms
}

TEST_CASE("empty traces and traces with only errors give notes, not NaN") {
  const auto empty = computeMetrics({}, parseSlo("ttft=1s"));
  CHECK(empty.requests == 0);
  CHECK(!empty.durationS);
  CHECK(!empty.ttftUs);
  CHECK(!empty.goodput);
  REQUIRE(empty.notes.size() == 1);
  CHECK_THAT(empty.notes[0], Catch::Contains("no requests"));

  auto errors = handBuilt();
  for (auto& e : errors) {
    e.outcome = Outcome::UpstreamError;
  }
  const auto m = computeMetrics(errors, parseSlo("ttft=1s"));
  CHECK(m.ok == 0);
  CHECK(*m.requestRatePerS == 0);
  CHECK(!m.ttftUs);
  CHECK(!m.itlUs);
  CHECK(m.goodput->good == 0);
  CHECK(m.goodput->fraction == 0);
  CHECK(std::isfinite(m.goodput->ratePerS));
  CHECK_THAT(m.notes.at(0), Catch::Contains("no request succeeded (3 failed)"));
}

TEST_CASE("SLO parsing accepts time units and rejects anything else") {
  const Slo slo = parseSlo("ttft=2s, itl=200ms,e2e=1500us");
  CHECK(*slo.ttftUs == 2e6);
  CHECK(*slo.itlUs == 2e5);
  CHECK(*slo.e2eUs == 1500);
  CHECK(slo.describe() == "ttft=2s,itl=200ms,e2e=1.5ms");
  CHECK(parseSlo("itl=250us").describe() == "itl=250us");
  CHECK(*parseSlo("tpot=0.5ms").itlUs == 500);
  CHECK_THROWS_WITH(parseSlo("ttft=2"), Catch::Contains("no unit"));
  CHECK_THROWS_WITH(parseSlo("ttft=2kb"), Catch::Contains("unit 'kb', not a time unit"));
  CHECK_THROWS_WITH(parseSlo("ttft=-1s"), Catch::Contains("positive"));
  CHECK_THROWS_WITH(parseSlo("speed=1s"), Catch::Contains("unknown SLO 'speed'"));
  CHECK_THROWS_WITH(parseSlo("ttft"), Catch::Contains("not key=value"));
  CHECK_THROWS_WITH(parseSlo("ttft=1s,ttft=2s"), Catch::Contains("twice"));
  CHECK_THROWS_AS(parseSlo(""), SloError);
}

TEST_CASE("a replay is compared with its source request by request") {
  const auto source = handBuilt();
  std::vector<RequestRecord> src;
  for (const auto& e : source) {
    src.push_back(recordFromExchange(e));
  }
  std::vector<RequestRecord> replay = src;
  for (size_t i = 0; i < replay.size(); ++i) {
    replay[i].id = 100 + static_cast<int64_t>(i);
    replay[i].sourceRequestId = src[i].id;
  }
  *replay[0].firstTokenUs += 40'000; // A: TTFT +40 ms, TPOT -20 ms (same end)
  replay[2].outcome = Outcome::Ok;   // C now succeeds, but had no latency to compare
  replay.push_back(src[0]);          // a request without a source
  replay.back().sourceRequestId.reset();
  const RequestDeltas d = compareRequests(src, replay);
  CHECK(d.matched == 3);
  CHECK(d.unmatched == 1);
  CHECK(d.bothOk == 2);
  CHECK(d.outcomeChanged == 1);
  REQUIRE(d.ttftUs);
  CHECK(d.ttftUs->max == 40'000);
  CHECK(d.ttftUs->min == 0);
  CHECK(d.tpotUs->min == -20'000);
  CHECK(d.e2eUs->max == 0);
}

TEST_CASE("prefill and decode views group requests by the batch they ran in") {
  // Four requests sent together, first tokens together, decoding side by side: a batch of 4.
  std::vector<RequestRecord> records;
  for (int i = 0; i < 4; ++i) {
    RequestRecord r;
    r.id = i;
    r.sentUs = 0;
    r.firstTokenUs = 100'000;
    r.endUs = 100'000 + 9 * 20'000;
    r.outputTokens = 10;
    r.inputTokens = 500;
    records.push_back(r);
  }
  const BatchViews v = computeBatchViews(records);
  REQUIRE(v.prefill.size() == 1);
  CHECK(v.prefill[0].batchSize == 4);
  CHECK(v.prefill[0].meanBatch == 4);
  CHECK(v.prefill[0].latencyUs.mean == 100'000);
  CHECK(*v.prefill[0].throughputTokensPerS == Approx(4 * 500 / 0.1));
  REQUIRE(v.decode.size() == 1);
  CHECK(v.decode[0].latencyUs.p50 == 20'000);
  CHECK(*v.decode[0].throughputTokensPerS == Approx(4 / 0.02));
}

TEST_CASE("the timeline buckets sends, in-flight requests and latency") {
  std::vector<RequestRecord> records;
  for (int i = 0; i < 10; ++i) { // one request a second, each lasting half a second
    RequestRecord r;
    r.sentUs = i * 1'000'000;
    r.firstTokenUs = r.sentUs + 100'000;
    r.endUs = r.sentUs + 500'000;
    records.push_back(r);
  }
  const Timeline t = computeTimeline(records);
  CHECK(t.bucketS == Approx(0.1));
  REQUIRE(t.buckets.size() == 95);
  CHECK(t.buckets[0].sendRatePerS == Approx(10));
  CHECK(t.buckets[0].meanInFlight == Approx(1));
  CHECK(t.buckets[7].meanInFlight == Approx(0));
  CHECK(*t.buckets[0].ttftP50Us == 100'000);
  CHECK(!t.buckets[1].e2eP50Us);
  CHECK(computeTimeline({}).buckets.empty());
}

TEST_CASE("an imported trace without response times has no latency and no goodput") {
  std::vector<Exchange> imported(3);
  for (size_t i = 0; i < imported.size(); ++i) {
    imported[i].sentUs = static_cast<int64_t>(i) * 500'000;
    imported[i].inputTokens = 100;
    imported[i].outputTokens = 20;
  }
  const auto m = computeMetrics(imported, parseSlo("ttft=2s"));
  CHECK(*m.offeredRatePerS == Approx(2));
  CHECK(!m.e2eUs);
  CHECK(!m.goodput);
  REQUIRE(m.notes.size() == 1);
  CHECK_THAT(m.notes[0], Catch::StartsWith("no request has response times"));
}
