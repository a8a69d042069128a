#include "sim/config.h"

#include <algorithm>

namespace tt::sim {

int64_t blockSizeOf(Attention attention) {
  switch (attention) {
  case Attention::FlashInfer:
    return 1;
  case Attention::FlashDecoding:
    return 256;
  case Attention::Paged:
    return 16;
  }
  return 1;
}

std::vector<std::string> LauncherConfig::validate() const {
  std::vector<std::string> errors;
  if (maxInputTokens && maxTotalTokens && *maxInputTokens >= *maxTotalTokens) {
    errors.push_back("`max_input_tokens`(" + std::to_string(*maxInputTokens) +
                     ") must be < `max_total_tokens`(" + std::to_string(*maxTotalTokens) + ")");
  }
  if (maxTotalTokens && maxBatchTotalTokens && *maxTotalTokens > *maxBatchTotalTokens) {
    errors.push_back("`max_total_tokens` must be <= `max_batch_total_tokens`. Given: " +
                     std::to_string(*maxTotalTokens) + " and " +
                     std::to_string(*maxBatchTotalTokens));
  }
  if (validationWorkers <= 0) {
    errors.push_back("`validation_workers` must be > 0");
  }
  return errors;
}

ResolvedConfig resolveConfig(const LauncherConfig& l) {
  ResolvedConfig out;
  if (const auto errors = l.validate(); !errors.empty()) {
    out.error = errors.front();
    return out;
  }
  SchedulerConfig c;
  c.router = l.router;
  c.blockSize = blockSizeOf(l.attention);
  c.speculate = l.speculate;
  // Chunking needs model support, PREFILL_CHUNKING, no speculation and a flash backend; prefix
  // caching is off for paged attention (docs/tgi.md, "Defaults decided at start-up"). v2 routers
  // know neither.
  c.chunking = l.router == RouterVersion::V3 && l.model.supportsChunking && l.prefillChunking &&
               l.speculate == 0 && l.attention != Attention::Paged;
  c.prefixCaching =
      l.router == RouterVersion::V3 && l.prefixCaching && l.attention != Attention::Paged;
  c.maxConcurrentRequests = l.maxConcurrentRequests;
  c.maxBestOf = l.maxBestOf;
  c.maxStopSequences = l.maxStopSequences;
  c.maxTopNTokens = l.maxTopNTokens;
  c.maxBatchSize = l.maxBatchSize;
  c.waitingServedRatio = l.waitingServedRatio;
  c.maxWaitingTokens = l.maxWaitingTokens;
  c.cudaGraphs = l.cudaGraphs;
  std::sort(c.cudaGraphs.begin(), c.cudaGraphs.end());

  // The launcher's default prefill budget (compute_optimal is not modelled: 4096; docs/tgi.md,
  // "Defaults decided at start-up").
  c.maxBatchPrefillTokens =
      l.maxBatchPrefillTokens.value_or(std::min<int64_t>(4096, l.model.maxPositionEmbeddings));

  // Warmup (docs/tgi.md, "Defaults decided at start-up"). max_total_tokens defaults to what fits
  // (chunking) or to the warmup batch (about max_batch_prefill_tokens without chunking);
  // max_input_tokens to one less.
  const int64_t kv = l.model.kvCapacityTokens;
  c.maxTotalTokens = l.maxTotalTokens.value_or(
      c.chunking ? std::min(kv, l.model.maxPositionEmbeddings) : c.maxBatchPrefillTokens);
  c.maxInputTokens = l.maxInputTokens.value_or(c.maxTotalTokens - 1);
  if (l.router == RouterVersion::V3) {
    if (l.maxBatchTotalTokens) {
      out.warnings.push_back(
          "`--max-batch-total-tokens` is deprecated for Flash Attention models.");
      out.warnings.push_back("Inferred max batch total tokens: " + std::to_string(kv));
    }
    c.maxBatchTotalTokens = kv;
    if (c.maxTotalTokens > kv) {
      out.error =
          "Not enough memory to handle `max_total_tokens=" + std::to_string(c.maxTotalTokens) + "`";
      return out;
    }
  } else {
    c.maxBatchTotalTokens = l.maxBatchTotalTokens.value_or(
        std::max({int64_t{16000}, c.maxTotalTokens, c.maxBatchPrefillTokens}));
  }
  out.warnings.push_back("Setting max batch total tokens to " +
                         std::to_string(c.maxBatchTotalTokens));
  if (c.chunking) {
    out.warnings.push_back("Model supports prefill chunking. `waiting_served_ratio` and "
                           "`max_waiting_tokens` will be ignored.");
    if (l.maxBatchSize) {
      // TGI logs nothing about it: a note of our own (README.md, "Settings a mode ignores").
      out.warnings.push_back(
          "`--max-batch-size` limits only a batch formed while none is running: with prefill "
          "chunking, requests join a running batch whatever its size (TGI does not log this).");
    }
  }

  // The router's checks after warmup (docs/tgi.md, "Start-up validation").
  const std::string prefix = "Argument validation error: ";
  if (c.maxInputTokens >= c.maxTotalTokens) {
    out.error = prefix + "`max_input_tokens` must be < `max_total_tokens`";
  } else if (!c.chunking && c.maxBatchPrefillTokens < c.maxInputTokens) {
    out.error = prefix + "`max_batch_prefill_tokens` must be >= `max_input_tokens`. Given: " +
                std::to_string(c.maxBatchPrefillTokens) + " and " +
                std::to_string(c.maxInputTokens);
  } else if (c.maxBatchPrefillTokens > c.maxBatchTotalTokens) {
    out.error = prefix + "`max_batch_prefill_tokens` must be <= `max_batch_total_tokens`. Given: " +
                std::to_string(c.maxBatchPrefillTokens) + " and " +
                std::to_string(c.maxBatchTotalTokens);
  } else if (c.maxTotalTokens > c.maxBatchTotalTokens) {
    out.error = prefix + "`max_total_tokens` must be <= `max_batch_total_tokens`. Given: " +
                std::to_string(c.maxTotalTokens) + " and " + std::to_string(c.maxBatchTotalTokens);
  } else if (c.maxBatchSize && *c.maxBatchSize <= 0) {
    out.error = prefix + "`max_batch_size` must be > 0";
  }
  if (out.error.empty()) {
    out.config = c;
  }
  return out;
}

} // namespace tt::sim
