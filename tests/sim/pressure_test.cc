// TGI's decisions where a scheduler under pressure shows them: a full concurrency limit, a tight
// v2 budget, a small KV cache, a large running batch (sim/README.md, "Faithful to TGI").
// Hand-computed with the flat cost model: eager forwards 10 ms, graph decodes 5 ms.
#include "sim/engine.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

using namespace tt::sim;
using namespace tt::sim::testing;
using K = ForwardKind;

TEST_CASE("an arrival during a forward takes its permit when it arrives") {
  auto cfg = smallConfig();
  cfg.maxConcurrentRequests = 1;
  // A holds the only permit until its stream ends with the prefill at 10 ms; B arrives at 5 ms,
  // when the HTTP handler's try_acquire fails: 429 at once.
  const std::vector<EngineRequest> reqs = {request(0, 10, 1), request(5'000, 10, 1)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  CHECK(r.requests[0].outcome == Outcome::Ok);
  CHECK(r.requests[1].outcome == Outcome::Overloaded);
  CHECK(r.requests[1].endUs == 5'000);
}

TEST_CASE("an arrival during a forward queues ahead of a continuation made at its end") {
  auto cfg = smallConfig();
  cfg.prefixCaching = false;
  // A's first job: prefill at 10 ms, 1023 graph decodes, the last one ends at
  // 10 + 1023 * 5 = 5125 ms, where its continuation (1034 tokens) joins the queue. B arrived at
  // 5124 ms, so it is ahead: next_batch takes B's 60 tokens, then a 40-token chunk of A's job.
  const std::vector<EngineRequest> reqs = {request(0, 10, 1500), request(5'124'000, 60, 1)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  REQUIRE(r.steps.size() > 1024);
  CHECK(r.steps[1024].startUs == 5'125'000);
  CHECK(r.steps[1024].kind == K::Prefill);
  CHECK(r.steps[1024].admitted == 2);
  CHECK(r.steps[1024].prefillTokens == 100);
  CHECK(r.requests[1].admittedUs == 5'125'000);
  CHECK(r.requests[1].tokenUs == std::vector<int64_t>{5'135'000});
}

TEST_CASE("v2: a running request counts input + max_new_tokens - 1 in the batch's max_tokens") {
  auto cfg = smallConfig();
  cfg.router = RouterVersion::V2;
  cfg.chunking = false;
  cfg.prefixCaching = false;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.maxBatchTotalTokens = 40;
  // The shard sizes A as 10 + 10 - 1 = 19 tokens: the budget left is 40 - 19 = 21, and B
  // (router arithmetic 10 + 11 = 21) fits at once, pausing A for its prefill.
  const std::vector<EngineRequest> reqs = {request(0, 10, 10), request(10'000, 10, 11)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  CHECK(r.requests[1].admittedUs == 10'000);
  CHECK(r.requests[1].firstTokenUs == 20'000);
  CHECK(r.requests[0].endUs == 20'000 + 9 * 5'000);
}

TEST_CASE("waiting_served_ratio is an f32: 90 running at 0.7 need 63 waiting, not 62") {
  auto cfg = smallConfig();
  cfg.chunking = false;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.waitingServedRatio = 0.7;
  cfg.maxConcurrentRequests = 200;
  // floor(90f * 0.7f) = 63 (in double, 62). 62 requests wait from 10 ms: too few until
  // max_waiting_tokens (20) forwards without admission, the prefill and 19 eager decodes of 90.
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 90; ++i) {
    reqs.push_back(request(0, 10, 100));
  }
  for (int i = 0; i < 62; ++i) {
    reqs.push_back(request(10'000, 10, 1));
  }
  const auto r = runTraced(cfg, flatModel(), reqs);
  CHECK(r.steps[1].kind == K::Decode);
  CHECK(r.steps[20].kind == K::Prefill);
  CHECK(r.steps[20].admitted == 62);
  CHECK(r.requests[90].admittedUs == 200'000);
}
