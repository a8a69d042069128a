#include "sim/engine.h"
#include "sim/profile_source.h"
#include "tests/sim/sim_test_util.h"

#include <catch2/catch.hpp>

using namespace tt::sim;
using namespace tt::sim::testing;

namespace {
std::vector<EngineRequest> workload() {
  std::vector<EngineRequest> reqs;
  for (int i = 0; i < 300; ++i) {
    reqs.push_back(
        request(i * 100'000, 200 + (i * 37) % 900, 100 + (i * 13) % 200, 20 + (i * 7) % 150));
  }
  return reqs;
}

std::vector<int64_t> allTokenTimes(const EngineResult& r) {
  std::vector<int64_t> out;
  for (const auto& q : r.requests) {
    out.insert(out.end(), q.tokenUs.begin(), q.tokenUs.end());
  }
  return out;
}
} // namespace

TEST_CASE("the engine is deterministic for a seed") {
  const auto model = resolveProfile(kDefaultProfile).model;
  const auto cfg = resolveConfig(LauncherConfig{}).config.value();
  EngineOptions opts;
  opts.scheduler.timeJitter = 0.05;
  opts.scheduler.seed = 7;
  const auto reqs = workload();
  const auto a = runEngine(cfg, model, reqs, opts);
  const auto b = runEngine(cfg, model, reqs, opts);
  CHECK(allTokenTimes(a) == allTokenTimes(b));
  CHECK(a.forwards == b.forwards);
  opts.scheduler.seed = 8;
  const auto c = runEngine(cfg, model, reqs, opts);
  CHECK(allTokenTimes(a) != allTokenTimes(c));
}

TEST_CASE("every token is accounted for") {
  const auto model = resolveProfile(kDefaultProfile).model;
  const auto cfg = resolveConfig(LauncherConfig{}).config.value();
  const auto reqs = workload();
  const auto r = runTraced(cfg, model, reqs);
  int64_t tokens = 0;
  int64_t emitted = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& q = r.requests[i];
    REQUIRE(q.outcome == Outcome::Ok);
    CHECK(static_cast<int64_t>(q.tokenUs.size()) ==
          std::min(reqs[i].spec.outputTokens, *reqs[i].spec.params.maxNewTokens));
    CHECK(q.admittedUs >= q.arrivalUs);
    CHECK(q.firstTokenUs > q.admittedUs);
    tokens += static_cast<int64_t>(q.tokenUs.size());
  }
  for (const auto& s : r.steps) {
    emitted += s.decodeSeqs;
  }
  // Every token but the first of each request comes from a decoding sequence.
  CHECK(emitted == tokens - static_cast<int64_t>(reqs.size()));
}

TEST_CASE("the engine hands each forward to onForward as it begins, and keeps none") {
  // A prefill (10 ms) and two graph decodes (5 ms) with the flat model.
  std::vector<std::pair<int64_t, ForwardKind>> seen;
  EngineOptions opts;
  opts.onForward = [&seen](const ForwardRecord& f) { seen.emplace_back(f.startUs, f.kind); };
  const auto r =
      runEngine(smallConfig(), flatModel(), std::vector<EngineRequest>{request(0, 10, 3)}, opts);
  CHECK(seen == std::vector<std::pair<int64_t, ForwardKind>>{{0, ForwardKind::Prefill},
                                                             {10'000, ForwardKind::Decode},
                                                             {15'000, ForwardKind::Decode}});
  CHECK(r.forwards == 3);
  CHECK(r.endUs == 20'000);
}

TEST_CASE("a run stopped from onRequestEnd ends there, the rest unfinished") {
  const auto model = resolveProfile(kDefaultProfile).model;
  const auto cfg = resolveConfig(LauncherConfig{}).config.value();
  const auto reqs = workload();
  const auto full = runEngine(cfg, model, reqs);
  EngineOptions opts;
  int ended = 0;
  opts.onRequestEnd = [&ended](const RequestResult& r) {
    CHECK(r.outcome != Outcome::Unfinished);
    return ++ended < 10;
  };
  const auto stopped = runEngine(cfg, model, reqs, opts);
  CHECK(stopped.stopped);
  CHECK_FALSE(full.stopped);
  CHECK(ended == 10); // never called again once it said stop
  int ok = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const RequestResult& r = stopped.requests[i];
    if (r.outcome == Outcome::Ok) {
      ++ok;
      // What ran before the stop ran as in the whole run.
      CHECK(r.endUs == full.requests[i].endUs);
      CHECK(r.tokens == full.requests[i].tokens);
      CHECK(r.tokens == static_cast<int64_t>(r.tokenUs.size()));
    }
  }
  CHECK(ok >= 10); // those that ended in the same forward as the tenth too
  CHECK(ok < static_cast<int>(reqs.size()));
  CHECK(stopped.endUs < full.endUs);
}
