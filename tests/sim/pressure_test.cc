// TGI's decisions where a scheduler under pressure shows them: a full concurrency limit, a tight
// v2 budget, a small KV cache, a large running batch (sim/README.md, "Faithful to TGI").
// Hand-computed with the flat cost model: eager forwards 10 ms, graph decodes 5 ms.
#include "sim/engine.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

using namespace tt::sim;
using namespace tt::sim::testing;
using K = ForwardKind;

namespace {

EngineRequest hashed(int64_t arrivalUs, int64_t input, std::vector<uint64_t> hashes) {
  EngineRequest r = request(arrivalUs, input, 1);
  r.spec.blockHashes = std::move(hashes);
  r.spec.hashBlockTokens = 16;
  return r;
}

} // namespace

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

TEST_CASE("a prompt without prefix ids hits the entry next_batch dropped for it") {
  // next_batch allocates B, finds no prefill budget left (chunk 0) and pushes it back: dropping
  // the allocation puts B's 30 prompt tokens in the cache. At the next iteration B finds all 30
  // and computes one token, in the mixed forward with A's first decode.
  const std::vector<EngineRequest> reqs = {request(0, 100, 5), request(0, 30, 1)};
  const auto r = runTraced(smallConfig(), flatModel(), reqs);
  REQUIRE(r.steps.size() >= 2);
  CHECK(r.steps[0].prefillTokens == 100);
  CHECK(r.steps[1].kind == K::Mixed);
  CHECK(r.steps[1].prefillTokens == 1);
  CHECK(r.requests[1].cachedTokens == 29);
  CHECK(r.requests[1].tokenUs == std::vector<int64_t>{20'000});
}

TEST_CASE("without chunking, an entry given back for want of min_size keeps its allocation") {
  auto cfg = smallConfig();
  cfg.chunking = false;
  cfg.maxBatchPrefillTokens = 1000;
  cfg.waitingServedRatio = 0.5;
  cfg.maxWaitingTokens = 3;
  // A-D run (4 x 109 blocks). At 10 ms min_size is floor(4 * 0.5) = 2 and E, F wait: E is
  // allocated (109 blocks); F's 995 tokens exceed the budget, its allocation is dropped and its
  // prompt cached; one entry < 2, so E goes back to the queue holding its blocks, its prompt not
  // cached. At 15 ms E gets a new allocation (nothing cached for it; the one it held is dropped
  // after) and F finds its 995 tokens: 10 + 1 tokens, two entries, the prefill runs.
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 4; ++i) {
    reqs.push_back(request(0, 10, 100));
  }
  reqs.push_back(request(1'000, 10, 100));
  reqs.push_back(request(1'000, 995, 100));
  const auto r = runTraced(cfg, flatModel(), reqs);
  REQUIRE(r.steps.size() >= 3);
  CHECK(r.steps[1].kind == K::Decode);
  CHECK(r.steps[1].blocksInUse == 4 * 109 + 109 + 995);
  CHECK(r.steps[2].kind == K::Prefill);
  CHECK(r.steps[2].startUs == 15'000);
  CHECK(r.steps[2].prefillTokens == 11);
  CHECK(r.requests[4].cachedTokens == 0);
  CHECK(r.requests[5].cachedTokens == 994);
}

TEST_CASE("a continuation job finds its request's original prompt in the cache") {
  auto cfg = smallConfig();
  cfg.maxBatchPrefillTokens = 4096;
  // The first job's 100 prompt tokens join the cache when it ends; the continuation's prompt is
  // those 100 plus the 1024 generated, so it computes 1024.
  const auto r = runTraced(cfg, flatModel(), std::vector<EngineRequest>{request(0, 100, 1500)});
  CHECK(r.requests[0].jobs == 2);
  CHECK(r.requests[0].cachedTokens == 100);
  CHECK(r.steps[1024].prefillTokens == 1024);
}

TEST_CASE("block size 1: prefixes are matched, kept and evicted token by token") {
  auto cfg = smallConfig();
  cfg.maxBatchTotalTokens = 101; // 100 usable blocks
  // Prefix ids of 16 tokens, the last one partial. A's 20 prompt tokens stay cached (80 free).
  // B needs 90 blocks: 10 are evicted from the end of A's prefix, which keeps 10 tokens. C finds
  // those 10 (less than one id's 16) and needs 10 blocks, evicted from the end of B's prompt (A's
  // prefix is in use). D finds C's 20 and computes one token.
  const std::vector<EngineRequest> reqs = {
      hashed(0, 20, {1, 2}), hashed(100'000, 90, {3, 4, 5, 6, 7, 8}), hashed(200'000, 20, {1, 2}),
      hashed(300'000, 20, {1, 2})};
  const auto r = runTraced(cfg, flatModel(), reqs);
  REQUIRE(r.steps.size() == 4);
  CHECK(r.steps[1].blocksInUse == 100);
  CHECK(r.requests[1].cachedTokens == 0);
  CHECK(r.requests[2].cachedTokens == 10);
  CHECK(r.steps[2].prefillTokens == 10);
  CHECK(r.steps[2].blocksInUse == 100);
  CHECK(r.requests[3].cachedTokens == 19);
  CHECK(r.steps[3].prefillTokens == 1);
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
