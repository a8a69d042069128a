#include "sim/validation.h"

#include <catch2/catch.hpp>

using namespace tt::sim;

namespace {
SchedulerConfig limits() {
  SchedulerConfig c;
  c.maxInputTokens = 4095;
  c.maxTotalTokens = 4096;
  return c;
}
} // namespace

TEST_CASE("validation limits with TGI's messages") {
  const auto c = limits();
  GenerateParams p;
  p.maxNewTokens = 200;
  CHECK(validateRequest(c, p, 4000).error ==
        "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: "
        "4000 `inputs` tokens and 200 `max_new_tokens`");
  p.maxNewTokens = 1;
  CHECK(validateRequest(c, p, 4096).error ==
        "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: "
        "4096 `inputs` tokens and 1 `max_new_tokens`");
  p.maxNewTokens = std::nullopt;
  CHECK(validateRequest(c, p, 4096).error ==
        "Input validation error: `inputs` must have less than 4095 tokens. Given: 4096");
  p.maxNewTokens = 0;
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: `max_new_tokens` must be strictly positive");
  p = GenerateParams{};
  p.topP = 1.0;
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: `top_p` must be > 0.0 and < 1.0");
  p = GenerateParams{};
  p.temperature = 0.0;
  p.topP = 1.0; // temperature is checked first
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: `temperature` must be strictly positive");
  p = GenerateParams{};
  p.stop.assign(5, "s");
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: `stop` supports up to 4 stop sequences. Given: 5");
  p = GenerateParams{};
  p.truncate = 5000;
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: `truncate` must be strictly positive and less than 4095. "
        "Given: 5000");
  p = GenerateParams{};
  p.emptyInputs = true;
  CHECK(validateRequest(c, p, 0).error == "Input validation error: `inputs` cannot be empty");
  p = GenerateParams{};
  p.bestOf = 2;
  CHECK(validateRequest(c, p, 10).error ==
        "Input validation error: you must use sampling when `best_of` is > 1");
}

TEST_CASE("automatic max_new_tokens fills up to max_total_tokens in 1024-token chunks") {
  const auto c = limits();
  const auto v = validateRequest(c, GenerateParams{}, 1000);
  REQUIRE(v.request);
  CHECK(v.request->maxNewTokensChunk == 1024);
  CHECK(v.request->maxTotalNewTokens == 3096);
  const auto w = validateRequest(c, GenerateParams{}, 3500);
  REQUIRE(w.request);
  CHECK(w.request->maxNewTokensChunk == 596);
  GenerateParams t;
  t.truncate = 100;
  t.maxNewTokens = 10;
  const auto x = validateRequest(c, t, 9000); // truncation keeps the last 100 tokens
  REQUIRE(x.request);
  CHECK(x.request->inputLength == 100);
}
