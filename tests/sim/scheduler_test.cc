#include "sim/engine.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

using namespace tt::sim;
using namespace tt::sim::testing;
using K = ForwardKind;

TEST_CASE("a chunked prefill spans steps and a new prompt joins a mixed forward") {
  // A: 250-token prompt with a 100-token prefill budget; B arrives during A's first chunk.
  const std::vector<EngineRequest> reqs = {request(0, 250, 3), request(5'000, 30, 2)};
  const auto r = runTraced(smallConfig(), flatModel(), reqs);
  // 1: prefill A[0,100). 2: budget 100-100=0, A[100,200) continues in a decode forward.
  // 3: budget 100-50 -> B admitted: mixed A[200,250)+B[0,30), both emit. 4: decode (graph 2).
  // 5: decode A alone.
  CHECK(kinds(r) == std::vector<K>{K::Prefill, K::Decode, K::Mixed, K::Decode, K::Decode});
  CHECK(r.steps[0].prefillTokens == 100);
  CHECK(r.steps[1].prefillTokens == 100);
  CHECK(r.steps[2].prefillTokens == 80);
  CHECK(r.steps[2].admitted == 1);
  CHECK(r.steps[3].graphBatch == 2);
  CHECK(r.requests[0].tokenUs == std::vector<int64_t>{30'000, 35'000, 40'000});
  CHECK(r.requests[1].tokenUs == std::vector<int64_t>{30'000, 35'000});
  CHECK(r.requests[1].admittedUs == 20'000);
  CHECK(r.requests[0].finish == FinishReason::Length);
}

TEST_CASE("the newest prefilling request takes the chunk budget") {
  auto cfg = smallConfig();
  const std::vector<EngineRequest> reqs = {request(0, 150, 1), request(0, 150, 1)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  // 1: prefill A[0,100). Shard: A next chunk 50. 2: budget 100-50=50 -> B admitted with a
  // 50-token chunk: mixed A[100,150) + B[0,50); A emits and finishes. Shard budget counts A
  // (finished) too: 100-(2-1)=99 -> B next 99. 3: decode forward B[50,149). 4: B[149,150).
  CHECK(kinds(r) == std::vector<K>{K::Prefill, K::Mixed, K::Decode, K::Decode});
  CHECK(r.steps[1].prefillTokens == 100);
  CHECK(r.steps[2].prefillTokens == 99);
  CHECK(r.steps[3].prefillTokens == 1);
  CHECK(r.requests[0].tokenUs == std::vector<int64_t>{20'000});
  CHECK(r.requests[1].tokenUs == std::vector<int64_t>{40'000});
}

TEST_CASE("KV exhaustion blocks the head of the queue and everything behind it") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 1000;
  cfg.maxBatchTotalTokens = 101; // 100 usable blocks
  // A reserves 40+30-1 = 69 blocks; B needs 69 more and waits; C (9 blocks) would fit but is
  // behind B.
  const std::vector<EngineRequest> reqs = {request(0, 40, 30), request(0, 40, 30),
                                           request(0, 5, 5)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  const int64_t aEnd = 10'000 + 29 * 5'000;
  CHECK(r.requests[0].endUs == aEnd);
  CHECK(r.requests[1].admittedUs == aEnd);
  CHECK(r.requests[2].admittedUs == aEnd);
  CHECK(r.steps.front().blocksInUse == 69);
  CHECK(r.steps[30].kind == K::Prefill);
  // A's 40 prompt blocks stayed cached (they count as in use); B and C took 9 + 9 of them.
  CHECK(r.steps[30].blocksInUse == 100);
  CHECK(r.requests[2].firstTokenUs == aEnd + 10'000);
}

TEST_CASE("a request past max_concurrent_requests gets 429 at once") {
  auto cfg = smallConfig();
  cfg.maxConcurrentRequests = 2;
  // D arrives at the instant A's last token is emitted: the permit is back first.
  const std::vector<EngineRequest> reqs = {request(0, 10, 1), request(0, 10, 5), request(0, 10, 5),
                                           request(10'000, 10, 1)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  CHECK(r.requests[0].outcome == Outcome::Ok);
  CHECK(r.requests[1].outcome == Outcome::Ok);
  CHECK(r.requests[2].outcome == Outcome::Overloaded);
  CHECK(r.requests[2].error == "Model is overloaded");
  CHECK(r.requests[2].endUs == 0);
  CHECK(r.requests[3].outcome == Outcome::Ok);
  CHECK(r.requests[3].admittedUs == 10'000);
}

TEST_CASE("more than 1024 new tokens run as successive jobs") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 4096;
  // 1500 asked: job 1 makes 1024, job 2 is validated again (1124 + 1024 <= 4000) and makes
  // 1024 more (it gets min(1500, 1024) again: 2048 in all, sim/README.md). Job 2 finds the
  // original 100 prompt tokens in the cache and computes the 1024 generated ones.
  const std::vector<EngineRequest> reqs = {request(0, 100, 1500)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  const auto& q = r.requests[0];
  CHECK(q.jobs == 2);
  CHECK(q.tokenUs.size() == 2048);
  CHECK(q.tokenUs[1023] == 10'000 + 1023 * 5'000);
  CHECK(q.tokenUs[1024] == q.tokenUs[1023] + 10'000); // the continuation's prefill
  CHECK(r.steps[1024].prefillTokens == 1024);
  CHECK(q.endUs == q.tokenUs[1024] + 1023 * 5'000);
  CHECK(q.finish == FinishReason::Length);
}

TEST_CASE("a continuation that fails validation ends quietly with length") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 4096;
  cfg.maxTotalTokens = 2000;
  cfg.maxInputTokens = 1999;
  // 1124 + 1024 > 2000: the second job is refused and the stream ends at 1024 tokens.
  const auto r = runTraced(cfg, flatModel(), std::vector<EngineRequest>{request(0, 100, 1500)});
  CHECK(r.requests[0].jobs == 1);
  CHECK(r.requests[0].tokenUs.size() == 1024);
  CHECK(r.requests[0].outcome == Outcome::Ok);
  CHECK(r.requests[0].finish == FinishReason::Length);
}

TEST_CASE("EOS on the last slot of a job ends it with length and comes again") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 4096;
  const auto r =
      runTraced(cfg, flatModel(), std::vector<EngineRequest>{request(0, 100, 2000, 1024)});
  CHECK(r.requests[0].jobs == 2);
  CHECK(r.requests[0].tokenUs.size() == 1025);
  CHECK(r.requests[0].finish == FinishReason::EosToken);
  CHECK(r.steps[1024].prefillTokens == 1023); // the prompt (100) is cached
}

TEST_CASE("a prefix-cache hit shortens the prefill and is counted") {
  auto cfg = smallConfig();
  EngineRequest a = request(0, 48, 2);
  a.spec.blockHashes = {11, 12, 13};
  a.spec.hashBlockTokens = 16;
  EngineRequest b = request(100'000, 40, 2);
  b.spec.blockHashes = {11, 12, 99};
  b.spec.hashBlockTokens = 16;
  EngineRequest c = request(200'000, 48, 2);
  c.spec.blockHashes = {11, 12, 13};
  c.spec.hashBlockTokens = 16;
  const auto r = runTraced(cfg, flatModel(), std::vector<EngineRequest>{a, b, c});
  CHECK(r.requests[0].cachedTokens == 0);
  CHECK(r.requests[1].cachedTokens == 32); // two whole 16-token units
  CHECK(r.requests[2].cachedTokens == 47); // all 48 cached, one is recomputed
  REQUIRE(r.steps.size() == 6);
  CHECK(r.steps[2].prefillTokens == 8);
  CHECK(r.steps[4].prefillTokens == 1);
}

TEST_CASE("non-chunking: waiting_served_ratio holds a prefill back until max_waiting_tokens") {
  auto cfg = smallConfig();
  cfg.chunking = false;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.waitingServedRatio = 0.5;
  cfg.maxWaitingTokens = 3;
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 4; ++i) {
    reqs.push_back(request(0, 10, 100));
  }
  reqs.push_back(request(1'000, 10, 100));
  const auto r = runTraced(cfg, flatModel(), reqs);
  // 1 prefill of 4. 2, 3: one waiting < floor(4 * 0.5): decode. 4: 3 decode steps waited:
  // E's prefill pauses the batch. 5: decode of 5 (graph 8).
  const auto k = kinds(r);
  CHECK(std::vector<K>(k.begin(), k.begin() + 6) ==
        std::vector<K>{K::Prefill, K::Decode, K::Decode, K::Prefill, K::Decode, K::Decode});
  CHECK(r.requests[4].admittedUs == 20'000);
  CHECK(r.requests[4].firstTokenUs == 30'000);
  CHECK(r.steps[3].batchSize == 1);
  CHECK(r.steps[4].graphBatch == 8);
  CHECK(std::vector<int64_t>(r.requests[0].tokenUs.begin(), r.requests[0].tokenUs.begin() + 4) ==
        std::vector<int64_t>{10'000, 15'000, 20'000, 35'000});
}

TEST_CASE("non-chunking: max_batch_size caps the running batch") {
  auto cfg = smallConfig();
  cfg.chunking = false;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.maxBatchSize = 2;
  const std::vector<EngineRequest> reqs = {request(0, 10, 3), request(0, 10, 5), request(0, 10, 2)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  // A ends after 10k + 2 decodes = 20k; then C joins (a paused prefill).
  CHECK(r.steps[0].batchSize == 2);
  CHECK(r.requests[2].admittedUs == 20'000);
}

TEST_CASE("v2 admits by token budget") {
  auto cfg = smallConfig();
  cfg.router = RouterVersion::V2;
  cfg.chunking = false;
  cfg.prefixCaching = false;
  cfg.blockSize = 16;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.maxBatchTotalTokens = 100;
  // Running, A counts ceil16(20 + 20 - 1) = 48 of 100 tokens; B needs ceil16(20) + ceil16(20) =
  // 64 > 100 - 48 and waits for A.
  const std::vector<EngineRequest> reqs = {request(0, 20, 20), request(0, 20, 20)};
  const auto r = runTraced(cfg, flatModel(), reqs);
  CHECK(r.requests[1].admittedUs == r.requests[0].endUs);
  CHECK(r.requests[0].endUs == 10'000 + 19 * 5'000);
}
