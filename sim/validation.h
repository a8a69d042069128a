#pragma once

#include "core/tgi_generate_parameters.h"
#include "sim/config.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tt::sim {

// What validation looks at: a request's parameters, and whether its `inputs` is "".
struct GenerateParams : TgiGenerateParameters {
  bool emptyInputs = false;
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
