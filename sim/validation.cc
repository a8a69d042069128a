#include "sim/validation.h"

#include <algorithm>

namespace tt::sim {
namespace {

ValidationResult fail(const std::string& detail) {
  return {.request = std::nullopt, .error = "Input validation error: " + detail};
}

} // namespace

ValidationResult validateRequest(const SchedulerConfig& config, const GenerateParams& p,
                                 int64_t promptTokens) {
  const int64_t bestOf = p.bestOf.value_or(1);
  const bool sampling = p.doSample || p.temperature || p.topK || p.topP || p.typicalP;
  if (bestOf > 1 && !sampling) {
    return fail("you must use sampling when `best_of` is > 1");
  }
  if (p.temperature.value_or(1.0) <= 0.0) {
    return fail("`temperature` must be strictly positive");
  }
  if (p.repetitionPenalty.value_or(1.0) <= 0.0) {
    return fail("`repetition_penalty` must be strictly positive");
  }
  const double frequencyPenalty = p.frequencyPenalty.value_or(0.0);
  if (frequencyPenalty < -2.0 || frequencyPenalty > 2.0) {
    return fail("`frequency_penalty` must be >= -2.0 and <= 2.0");
  }
  if (p.topP && (*p.topP <= 0.0 || *p.topP >= 1.0)) {
    return fail("`top_p` must be > 0.0 and < 1.0");
  }
  if (p.typicalP && (*p.typicalP <= 0.0 || *p.typicalP >= 1.0)) {
    return fail("`typical_p` must be > 0.0 and < 1.0");
  }
  if (p.topK && *p.topK <= 0) {
    return fail("`top_k` must be strictly positive");
  }
  if (p.maxNewTokens && *p.maxNewTokens == 0) {
    return fail("`max_new_tokens` must be strictly positive");
  }
  if (const auto stops = static_cast<int64_t>(p.stop.size()); stops > config.maxStopSequences) {
    return fail("`stop` supports up to " + std::to_string(config.maxStopSequences) +
                " stop sequences. Given: " + std::to_string(stops));
  }
  if (p.seed && bestOf > 1) {
    return fail("`seed` must not be set when `best_of` > 1");
  }
  if (p.topNTokens && *p.topNTokens > config.maxTopNTokens) {
    return fail("`top_n_tokens` must be >= 0 and <= " + std::to_string(config.maxTopNTokens) +
                ". Given: " + std::to_string(*p.topNTokens));
  }
  if (p.emptyInputs) {
    return fail("`inputs` cannot be empty");
  }
  if (p.truncate && (*p.truncate == 0 || *p.truncate > config.maxInputTokens)) {
    return fail("`truncate` must be strictly positive and less than " +
                std::to_string(config.maxInputTokens) + ". Given: " + std::to_string(*p.truncate));
  }
  const int64_t inputLength = p.truncate ? std::min(promptTokens, *p.truncate) : promptTokens;
  ValidRequest valid;
  valid.inputLength = inputLength;
  if (p.maxNewTokens) {
    valid.maxNewTokensChunk = std::min(*p.maxNewTokens, kDefaultGenerationLength);
    valid.maxTotalNewTokens = *p.maxNewTokens;
  } else {
    const int64_t room = std::max<int64_t>(config.maxTotalTokens - inputLength, 0);
    valid.maxNewTokensChunk = std::min(room, kDefaultGenerationLength);
    valid.maxTotalNewTokens = room;
  }
  if (inputLength + valid.maxNewTokensChunk > config.maxTotalTokens) {
    return fail(
        "`inputs` tokens + `max_new_tokens` must be <= " + std::to_string(config.maxTotalTokens) +
        ". Given: " + std::to_string(inputLength) + " `inputs` tokens and " +
        std::to_string(valid.maxNewTokensChunk) + " `max_new_tokens`");
  }
  if (inputLength > config.maxInputTokens) {
    return fail("`inputs` must have less than " + std::to_string(config.maxInputTokens) +
                " tokens. Given: " + std::to_string(inputLength));
  }
  return {.request = valid, .error = {}};
}

} // namespace tt::sim
