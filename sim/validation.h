#pragma once

#include "sim/config.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tt::sim {

// The generation parameters validation looks at (docs/tgi.md, "Request parameters"); unset = key
// absent.
struct GenerateParams {
  std::optional<int64_t> bestOf;
  std::optional<double> temperature;
  std::optional<double> repetitionPenalty;
  std::optional<double> frequencyPenalty;
  std::optional<int64_t> topK;
  std::optional<double> topP;
  std::optional<double> typicalP;
  bool doSample = false;
  std::optional<int64_t> maxNewTokens;
  int64_t stopSequences = 0;
  std::optional<int64_t> truncate;
  std::optional<uint64_t> seed;
  std::optional<int64_t> topNTokens;
  bool emptyInputs = false; // `inputs` is ""
};

// What validation admits: the scheduler sees `maxNewTokensChunk` (<= 1024); the request may go
// on in further jobs up to `maxTotalNewTokens` (docs/tgi.md, "Token limits and validation").
struct ValidRequest {
  int64_t inputLength = 0;
  int64_t maxNewTokensChunk = 0;
  int64_t maxTotalNewTokens = 0;
};

struct ValidationResult {
  std::optional<ValidRequest> request;
  std::string error; // "Input validation error: ..." when request is empty
};

inline constexpr int64_t kDefaultGenerationLength = 1024;

// TGI's `validate` in its order (router/src/validation.rs), for a prompt of `promptTokens`
// tokens (the tokenizer is not modelled: the caller counts them).
ValidationResult validateRequest(const SchedulerConfig& config, const GenerateParams& params,
                                 int64_t promptTokens);

} // namespace tt::sim
