#include "tools/common/launcher_flags.h"

#include <sstream>

namespace tt::cli {
namespace {

std::vector<int64_t> parseGraphSizes(const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    try {
      size_t used = 0;
      const int64_t size = std::stoll(item, &used);
      if (used != item.size() || size < 0) {
        throw std::invalid_argument(item);
      }
      if (size > 0) {
        sizes.push_back(size);
      }
    } catch (const std::exception&) {
      throw CLI::ValidationError("--cuda-graphs", "'" + text +
                                                      "' is not a comma-separated list of batch "
                                                      "sizes (0 disables CUDA graphs)");
    }
  }
  return sizes;
}

} // namespace

void addLauncherFlags(CLI::App& app, LauncherFlags& f) {
  auto& l = f.launcher;
  const std::string group = "TGI launcher";
  app.add_option("--max-batch-prefill-tokens", l.maxBatchPrefillTokens,
                 "Prompt tokens in one prefill (default: max-input-tokens + 50)")
      ->group(group);
  app.add_option("--max-batch-total-tokens", l.maxBatchTotalTokens,
                 "Tokens a batch may hold (v2; v3 takes it from --kv-tokens)")
      ->group(group);
  app.add_option("--max-batch-size", l.maxBatchSize, "Sequences in a batch (default: no limit)")
      ->group(group);
  app.add_option("--max-concurrent-requests", l.maxConcurrentRequests,
                 "Requests in flight before 429")
      ->capture_default_str()
      ->group(group);
  app.add_option("--max-input-tokens", l.maxInputTokens, "Longest prompt")->group(group);
  app.add_option("--max-total-tokens", l.maxTotalTokens, "Longest prompt plus generation")
      ->group(group);
  app.add_option("--max-waiting-tokens", l.maxWaitingTokens,
                 "Decode steps before waiting requests may join (no chunking)")
      ->capture_default_str()
      ->group(group);
  app.add_option("--waiting-served-ratio", l.waitingServedRatio,
                 "Waiting/running ratio that lets waiting requests join (no chunking)")
      ->capture_default_str()
      ->group(group);
  app.add_option("--cuda-graphs", f.cudaGraphs, "Decode batch sizes with CUDA graphs; 0: none")
      ->capture_default_str()
      ->group(group);
  app.add_option("--max-best-of", l.maxBestOf, "Largest best_of")
      ->capture_default_str()
      ->group(group);
  app.add_option("--max-stop-sequences", l.maxStopSequences, "Most stop sequences")
      ->capture_default_str()
      ->group(group);

  const std::string simGroup = "Simulation";
  app.add_option("--profile", f.profile, "Cost model: a built-in profile name or a profile CSV")
      ->capture_default_str()
      ->group(simGroup);
  app.add_option("--prefill-chunking", f.prefillChunking, "TGI v3's prefill chunking")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str()
      ->group(simGroup);
  app.add_option("--scheduler", f.scheduler, "Router: v3 (block allocator) or v2 (token budget)")
      ->check(CLI::IsMember({"v3", "v2"}))
      ->capture_default_str()
      ->group(simGroup);
  app.add_option("--kv-tokens", f.kvTokens,
                 "KV cache capacity in tokens, as the GPU's memory would give")
      ->check(CLI::PositiveNumber)
      ->group(simGroup);
  app.add_option("--seed", f.seed, "Seed for everything random")
      ->capture_default_str()
      ->group(simGroup);
}

sim::LauncherConfig LauncherFlags::resolve() const {
  sim::LauncherConfig config = launcher;
  config.cudaGraphs = parseGraphSizes(cudaGraphs);
  config.prefillChunking = prefillChunking == "on";
  config.router = scheduler == "v2" ? sim::RouterVersion::V2 : sim::RouterVersion::V3;
  if (kvTokens) {
    config.model.kvCapacityTokens = *kvTokens;
  }
  return config;
}

nlohmann::json LauncherFlags::toJson() const {
  nlohmann::json j;
  auto put = [&](const char* name, const auto& value) {
    if constexpr (requires { value.has_value(); }) {
      if (value) {
        j[name] = *value;
      }
    } else {
      j[name] = value;
    }
  };
  put("max_batch_prefill_tokens", launcher.maxBatchPrefillTokens);
  put("max_batch_total_tokens", launcher.maxBatchTotalTokens);
  put("max_batch_size", launcher.maxBatchSize);
  put("max_concurrent_requests", launcher.maxConcurrentRequests);
  put("max_input_tokens", launcher.maxInputTokens);
  put("max_total_tokens", launcher.maxTotalTokens);
  put("max_waiting_tokens", launcher.maxWaitingTokens);
  put("waiting_served_ratio", launcher.waitingServedRatio);
  put("cuda_graphs", cudaGraphs);
  put("prefill_chunking", prefillChunking);
  put("scheduler", scheduler);
  put("kv_tokens", kvTokens);
  put("profile", profile);
  put("seed", seed);
  return j;
}

nlohmann::json schedulerConfigJson(const sim::SchedulerConfig& c) {
  nlohmann::json j{{"router", c.router == sim::RouterVersion::V3 ? "v3" : "v2"},
                   {"block_size", c.blockSize},
                   {"prefill_chunking", c.chunking},
                   {"prefix_caching", c.prefixCaching},
                   {"max_concurrent_requests", c.maxConcurrentRequests},
                   {"max_input_tokens", c.maxInputTokens},
                   {"max_total_tokens", c.maxTotalTokens},
                   {"max_batch_prefill_tokens", c.maxBatchPrefillTokens},
                   {"max_batch_total_tokens", c.maxBatchTotalTokens},
                   {"waiting_served_ratio", c.waitingServedRatio},
                   {"max_waiting_tokens", c.maxWaitingTokens},
                   {"cuda_graphs", c.cudaGraphs}};
  if (c.maxBatchSize) {
    j["max_batch_size"] = *c.maxBatchSize;
  }
  return j;
}

} // namespace tt::cli
