#include "sim/config.h"

#include <catch2/catch.hpp>

using namespace tt::sim;

TEST_CASE("launcher defaults resolve as TGI's warmup does") {
  LauncherConfig l;
  const auto r = resolveConfig(l);
  REQUIRE(r.config);
  CHECK(r.config->chunking);
  CHECK(r.config->blockSize == 1);
  CHECK(r.config->maxTotalTokens == 8192);
  CHECK(r.config->maxInputTokens == 8191);
  CHECK(r.config->maxBatchPrefillTokens == 4096);
  CHECK(r.config->maxBatchTotalTokens == 400'000);
  CHECK(r.config->maxConcurrentRequests == 128);
  CHECK(r.config->waitingServedRatio == 0.3);
  CHECK(r.config->maxWaitingTokens == 20);
  CHECK(r.warnings.back() == "Model supports prefill chunking. `waiting_served_ratio` and "
                             "`max_waiting_tokens` will be ignored.");
}

TEST_CASE("start-up validation messages") {
  LauncherConfig l;
  l.maxInputTokens = 4096;
  l.maxTotalTokens = 4096;
  CHECK(l.validate().front() == "`max_input_tokens`(4096) must be < `max_total_tokens`(4096)");
  CHECK(resolveConfig(l).error == "`max_input_tokens`(4096) must be < `max_total_tokens`(4096)");

  LauncherConfig p;
  p.prefillChunking = false;
  p.maxInputTokens = 4000;
  p.maxTotalTokens = 4096;
  p.maxBatchPrefillTokens = 2048;
  CHECK(resolveConfig(p).error == "Argument validation error: `max_batch_prefill_tokens` must "
                                  "be >= `max_input_tokens`. Given: 2048 and 4000");
  p.prefillChunking = true; // chunking splits long prompts: no such rule
  CHECK(resolveConfig(p).config);

  LauncherConfig m;
  m.maxTotalTokens = 500'000;
  CHECK(resolveConfig(m).error == "Not enough memory to handle `max_total_tokens=500000`");

  LauncherConfig v2;
  v2.router = RouterVersion::V2;
  v2.maxTotalTokens = 2048;
  v2.maxInputTokens = 1024;
  v2.maxBatchTotalTokens = 1000;
  CHECK(resolveConfig(v2).error ==
        "`max_total_tokens` must be <= `max_batch_total_tokens`. Given: 2048 and 1000");
  LauncherConfig w;
  w.validationWorkers = 0;
  CHECK(resolveConfig(w).error == "`validation_workers` must be > 0");
}
