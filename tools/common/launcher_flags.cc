#include "tools/common/launcher_flags.h"

#include "core/enum_names.h"

#include <array>
#include <sstream>

namespace tt::cli {
namespace {

// `--scheduler`, and the router a trace's server info names.
constexpr std::array kRouterNames{
    std::pair{sim::RouterVersion::V3, std::string_view{"v3"}},
    std::pair{sim::RouterVersion::V2, std::string_view{"v2"}},
};

// `--cuda-graphs 1,2,4`; `0` disables them.
std::optional<std::vector<int64_t>> parseGraphSizes(const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    try {
      size_t used = 0;
      const int64_t size = std::stoll(item, &used);
      if (used != item.size() || size < 0) {
        return std::nullopt;
      }
      if (size > 0) {
        sizes.push_back(size);
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return sizes;
}

} // namespace

void addLauncherFlags(CLI::App& app, LauncherFlags& f, bool fromEnvironment) {
  auto& l = f.launcher;
  // A launcher flag: TGI's name, and its environment variable when asked for.
  auto flag = [&](const std::string& name, auto& value, const std::string& help, const char* env) {
    CLI::Option* option = app.add_option(name, value, help)->group("TGI launcher");
    if (fromEnvironment) {
      option->envname(env);
    }
    return option;
  };
  flag("--max-batch-prefill-tokens", l.maxBatchPrefillTokens,
       "Prompt tokens in one forward (default 4096)", "MAX_BATCH_PREFILL_TOKENS");
  flag("--max-batch-total-tokens", l.maxBatchTotalTokens,
       "Token budget of a batch; v3 ignores it (the KV capacity decides), v2 uses it",
       "MAX_BATCH_TOTAL_TOKENS");
  flag("--max-batch-size", l.maxBatchSize, "Sequences in a batch (unset: no limit)",
       "MAX_BATCH_SIZE");
  flag("--max-concurrent-requests", l.maxConcurrentRequests, "Requests in flight before 429",
       "MAX_CONCURRENT_REQUESTS")
      ->capture_default_str();
  flag("--max-input-tokens", l.maxInputTokens, "Longest prompt (default max_total_tokens - 1)",
       "MAX_INPUT_TOKENS");
  flag("--max-total-tokens", l.maxTotalTokens,
       "Prompt plus new tokens of one request (default min(KV capacity, 8192))",
       "MAX_TOTAL_TOKENS");
  flag("--max-waiting-tokens", l.maxWaitingTokens,
       "Decode steps before waiting requests are forced in (no chunking)", "MAX_WAITING_TOKENS")
      ->capture_default_str();
  flag("--waiting-served-ratio", l.waitingServedRatio,
       "Queue/batch ratio that interrupts decoding (no chunking)", "WAITING_SERVED_RATIO")
      ->capture_default_str();
  flag("--cuda-graphs", f.cudaGraphs, "Captured decode batch sizes; 0 disables", "CUDA_GRAPHS")
      ->capture_default_str();
  flag("--max-best-of", l.maxBestOf, "Largest best_of", "MAX_BEST_OF")->capture_default_str();
  flag("--max-stop-sequences", l.maxStopSequences, "Most stop sequences", "MAX_STOP_SEQUENCES")
      ->capture_default_str();
  flag("--max-top-n-tokens", l.maxTopNTokens, "Largest top_n_tokens", "MAX_TOP_N_TOKENS")
      ->capture_default_str();
  flag("--validation-workers", l.validationWorkers, "Tokenizer workers", "VALIDATION_WORKERS")
      ->capture_default_str();

  const std::string simulation = "Simulation";
  app.add_option("--profile", f.profile, "Cost model: a built-in profile name or a profile CSV")
      ->capture_default_str()
      ->group(simulation);
  app.add_option("--prefill-chunking", f.prefillChunking, "Prefill chunking (TGI's default: on)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str()
      ->group(simulation);
  app.add_option("--scheduler", f.scheduler, "Router: v3 (block allocator) or v2 (token budget)")
      ->check(CLI::IsMember(namesOf(kRouterNames)))
      ->capture_default_str()
      ->group(simulation);
  app.add_option("--kv-tokens", f.kvTokens,
                 "KV cache capacity in tokens (what warmup would find; default 400000)")
      ->check(CLI::PositiveNumber)
      ->group(simulation);
  app.add_option("--seed", f.seed, "Seed of everything random")
      ->capture_default_str()
      ->group(simulation);
}

std::optional<sim::LauncherConfig> LauncherFlags::resolve(std::string* error) const {
  sim::LauncherConfig config = launcher;
  const auto graphs = parseGraphSizes(cudaGraphs);
  if (!graphs) {
    *error =
        "--cuda-graphs: expected a comma-separated list of batch sizes, got '" + cudaGraphs + "'";
    return std::nullopt;
  }
  config.cudaGraphs = *graphs;
  config.prefillChunking = prefillChunking == "on";
  config.router =
      valueOf<sim::RouterVersion>(kRouterNames, scheduler).value_or(sim::RouterVersion::V3);
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
  nlohmann::json j{{"router", nameOf(kRouterNames, c.router)},
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
