#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::sim {

// Which router: v3 (block allocator, optional prefill chunking; the launcher's default) or v2
// (token-budget admission, TGI 1.x/2.x; sim/README.md, "v2's token budget").
enum class RouterVersion { V3, V2 };

// The attention backend decides the KV block size (docs/tgi.md, "Defaults decided at start-up").
enum class Attention { FlashInfer, FlashDecoding, Paged };
int64_t blockSizeOf(Attention attention);

// What warmup would measure on the GPU: the KV cache it can hold (num_blocks * BLOCK_SIZE) and
// the model's position limit (docs/tgi.md, "Defaults decided at start-up", warmup).
struct ModelFacts {
  int64_t kvCapacityTokens = 400'000; // Llama-3-8B bf16 on an 80 GB H100 at fraction 1.0
  int64_t maxPositionEmbeddings = 8192;
  bool supportsChunking = true; // model support; the shard also needs speculate == 0
};

// The launcher flags the simulator honours, with TGI's defaults (docs/tgi.md, "Flags and
// defaults"). Unset optionals are decided the way the launcher and warmup decide them (docs/tgi.md,
// "Defaults decided at start-up").
struct LauncherConfig {
  int64_t maxConcurrentRequests = 128;
  int64_t maxBestOf = 2;
  int64_t maxStopSequences = 4;
  int64_t maxTopNTokens = 5;
  std::optional<int64_t> maxInputTokens;
  std::optional<int64_t> maxTotalTokens;
  std::optional<int64_t> maxBatchPrefillTokens;
  std::optional<int64_t> maxBatchTotalTokens; // ignored by v3 flash models (warmup decides)
  std::optional<int64_t> maxBatchSize;
  double waitingServedRatio = 0.3;
  int64_t maxWaitingTokens = 20;
  int64_t validationWorkers = 2;
  std::vector<int64_t> cudaGraphs{1, 2, 4, 8, 16, 32}; // empty: `--cuda-graphs 0`
  int64_t speculate = 0;
  Attention attention = Attention::FlashInfer;
  bool prefixCaching = true;   // PREFIX_CACHING
  bool prefillChunking = true; // PREFILL_CHUNKING
  RouterVersion router = RouterVersion::V3;
  ModelFacts model;

  // The launcher's own checks, before anything starts (docs/tgi.md, "Start-up validation"): TGI's
  // messages, in its order.
  std::vector<std::string> validate() const;
};

// Every value the scheduler uses, after defaults and warmup.
struct SchedulerConfig {
  RouterVersion router = RouterVersion::V3;
  int64_t blockSize = 1;
  bool chunking = true;
  bool prefixCaching = true;
  int64_t speculate = 0;
  int64_t maxConcurrentRequests = 128;
  int64_t maxBestOf = 2;
  int64_t maxStopSequences = 4;
  int64_t maxTopNTokens = 5;
  int64_t maxInputTokens = 0;
  int64_t maxTotalTokens = 0;
  int64_t maxBatchPrefillTokens = 0;
  int64_t maxBatchTotalTokens = 0;
  std::optional<int64_t> maxBatchSize;
  double waitingServedRatio = 0.3;
  int64_t maxWaitingTokens = 20;
  std::vector<int64_t> cudaGraphs; // ascending
};

struct ResolvedConfig {
  std::optional<SchedulerConfig> config;
  // What TGI logs at start-up (deprecations, inferred values, settings the mode ignores), then
  // notes of our own, ending "(TGI does not log this)", on settings the mode ignores without a
  // word from TGI. Both front ends print them (README.md, "Settings a mode ignores").
  std::vector<std::string> warnings;
  std::string error; // the fatal start-up message when config is empty
};

// Applies launcher defaults, warmup and the router's start-up validation. On failure `error`
// holds the first message TGI would print (launcher checks, then "Argument validation error: ").
ResolvedConfig resolveConfig(const LauncherConfig& launcher);

} // namespace tt::sim
