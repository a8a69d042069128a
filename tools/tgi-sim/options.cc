#include "tools/tgi-sim/options.h"

#include "core/clock.h"
#include "sim/profile_source.h"

#include <uv.h>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace tt::tgisim {
namespace {

std::string defaultModelId(const std::string& profile) {
  if (profile == "h100-llama3-8b") {
    return "meta-llama/Meta-Llama-3-8B-Instruct";
  }
  if (profile == "h100-qwen2.5-14b") {
    return "Qwen/Qwen2.5-14B-Instruct";
  }
  if (profile == "h100-qwen2.5-32b") {
    return "Qwen/Qwen2.5-32B-Instruct";
  }
  const size_t slash = profile.find_last_of('/');
  std::string stem = slash == std::string::npos ? profile : profile.substr(slash + 1);
  if (const size_t dot = stem.rfind('.'); dot != std::string::npos && dot > 0) {
    stem.resize(dot);
  }
  return "tgi-sim/" + stem;
}

// `--cuda-graphs 1,2,4`; `0` disables them.
std::optional<std::vector<int64_t>> parseGraphs(const std::string& text) {
  std::vector<int64_t> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const long long v = std::stoll(item, &used);
      if (used != item.size() || v < 0) {
        return std::nullopt;
      }
      if (v > 0) {
        sizes.push_back(v);
      }
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return sizes;
}

struct SignalStop {
  uv_signal_t sigint{};
  uv_signal_t sigterm{};
  Server* server = nullptr;
};

void onSignal(uv_signal_t* handle, int /*signum*/) {
  auto* stop = static_cast<SignalStop*>(handle->data);
  stop->server->stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&stop->sigint), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&stop->sigterm), nullptr);
}

} // namespace

void setupTgiSim(CLI::App& app, TgiSimOptions& o) {
  app.description("A simulated Text Generation Inference server: TGI's HTTP API, timed by a "
                  "model of its scheduler and a GPU cost model (tools/tgi-sim/README.md).");
  app.add_option("--hostname", o.hostname, "Address to listen on")
      ->envname("HOSTNAME")
      ->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0: any free port)")
      ->envname("PORT")
      ->capture_default_str();
  app.add_option("--max-batch-prefill-tokens", o.maxBatchPrefillTokens,
                 "Prompt tokens in one forward (default 4096)")
      ->envname("MAX_BATCH_PREFILL_TOKENS");
  app.add_option("--max-batch-total-tokens", o.maxBatchTotalTokens,
                 "Token budget of a batch; v3 ignores it (the KV capacity decides), v2 uses it")
      ->envname("MAX_BATCH_TOTAL_TOKENS");
  app.add_option("--max-batch-size", o.maxBatchSize, "Sequences in a batch (unset: no limit)")
      ->envname("MAX_BATCH_SIZE");
  app.add_option("--max-concurrent-requests", o.maxConcurrentRequests,
                 "Requests in flight before 429")
      ->envname("MAX_CONCURRENT_REQUESTS")
      ->capture_default_str();
  app.add_option("--max-input-tokens", o.maxInputTokens,
                 "Longest prompt (default max_total_tokens - 1)")
      ->envname("MAX_INPUT_TOKENS");
  app.add_option("--max-total-tokens", o.maxTotalTokens,
                 "Prompt plus new tokens of one request (default min(KV capacity, 8192))")
      ->envname("MAX_TOTAL_TOKENS");
  app.add_option("--max-waiting-tokens", o.maxWaitingTokens,
                 "Decode steps before waiting requests are forced in (no chunking)")
      ->envname("MAX_WAITING_TOKENS")
      ->capture_default_str();
  app.add_option("--waiting-served-ratio", o.waitingServedRatio,
                 "Queue/batch ratio that interrupts decoding (no chunking)")
      ->envname("WAITING_SERVED_RATIO")
      ->capture_default_str();
  app.add_option("--cuda-graphs", o.cudaGraphs, "Captured decode batch sizes; 0 disables")
      ->envname("CUDA_GRAPHS")
      ->capture_default_str();
  app.add_option("--max-best-of", o.maxBestOf)->envname("MAX_BEST_OF")->capture_default_str();
  app.add_option("--max-stop-sequences", o.maxStopSequences)
      ->envname("MAX_STOP_SEQUENCES")
      ->capture_default_str();
  app.add_option("--max-top-n-tokens", o.maxTopNTokens)
      ->envname("MAX_TOP_N_TOKENS")
      ->capture_default_str();
  app.add_option("--max-client-batch-size", o.maxClientBatchSize)
      ->envname("MAX_CLIENT_BATCH_SIZE")
      ->capture_default_str();
  app.add_option("--payload-limit", o.payloadLimit, "Largest request body in bytes")
      ->envname("PAYLOAD_LIMIT")
      ->capture_default_str();
  app.add_option("--validation-workers", o.validationWorkers)
      ->envname("VALIDATION_WORKERS")
      ->capture_default_str();
  app.add_option("--model-id", o.modelId,
                 "Model name in /info and answers (default from --profile)")
      ->envname("MODEL_ID");
  app.add_option("--profile", o.profile, "Cost model: a built-in profile name or a profile CSV")
      ->capture_default_str();
  app.add_option("--prefill-chunking", o.prefillChunking, "Prefill chunking (TGI's default: on)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--scheduler", o.scheduler, "Router: v3 (block allocator) or v2 (token budget)")
      ->check(CLI::IsMember({"v3", "v2"}))
      ->capture_default_str();
  app.add_option("--kv-tokens", o.kvTokens,
                 "KV cache capacity in tokens (what warmup would find; default 400000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--time-scale", o.timeScale, "Run this many times faster than real time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of generated text and random request seeds")
      ->capture_default_str();
  app.add_option("--eos-probability", o.eosProbability,
                 "Chance that each token after the first is end-of-sequence (0: never)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
}

std::optional<ServerConfig> buildServerConfig(const TgiSimOptions& o, std::string* error) {
  sim::LauncherConfig l;
  l.maxConcurrentRequests = o.maxConcurrentRequests;
  l.maxBestOf = o.maxBestOf;
  l.maxStopSequences = o.maxStopSequences;
  l.maxTopNTokens = o.maxTopNTokens;
  l.maxInputTokens = o.maxInputTokens;
  l.maxTotalTokens = o.maxTotalTokens;
  l.maxBatchPrefillTokens = o.maxBatchPrefillTokens;
  l.maxBatchTotalTokens = o.maxBatchTotalTokens;
  l.maxBatchSize = o.maxBatchSize;
  l.waitingServedRatio = o.waitingServedRatio;
  l.maxWaitingTokens = o.maxWaitingTokens;
  l.validationWorkers = o.validationWorkers;
  l.prefillChunking = o.prefillChunking == "on";
  l.router = o.scheduler == "v2" ? sim::RouterVersion::V2 : sim::RouterVersion::V3;
  if (o.kvTokens) {
    l.model.kvCapacityTokens = *o.kvTokens;
  }
  const auto graphs = parseGraphs(o.cudaGraphs);
  if (!graphs) {
    *error =
        "--cuda-graphs: expected a comma-separated list of batch sizes, got '" + o.cudaGraphs + "'";
    return std::nullopt;
  }
  l.cudaGraphs = *graphs;
  const sim::ResolvedConfig resolved = sim::resolveConfig(l);
  if (!resolved.config) {
    *error = resolved.error;
    return std::nullopt;
  }
  ServerConfig c;
  c.hostname = o.hostname;
  c.port = o.port;
  c.scheduler = *resolved.config;
  try {
    c.costModel = sim::resolveProfile(o.profile).model;
  } catch (const std::exception& e) {
    *error = std::string("--profile: ") + e.what();
    return std::nullopt;
  }
  c.identity.modelId = o.modelId.empty() ? defaultModelId(o.profile) : o.modelId;
  c.timeScale = o.timeScale;
  c.seed = o.seed;
  c.eosProbability = o.eosProbability;
  c.payloadLimit = static_cast<uint64_t>(std::max<int64_t>(o.payloadLimit, 0));
  c.maxClientBatchSize = o.maxClientBatchSize;
  return c;
}

int runTgiSim(const TgiSimOptions& options) {
  std::string error;
  auto config = buildServerConfig(options, &error);
  if (!config) {
    std::cerr << "tgi-sim: " << error << "\n";
    return 2;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  MonotonicClock clock;
  int exitCode = 0;
  {
    Server server(loop, *config, clock);
    if (server.start(&error) != 0) {
      std::cerr << "tgi-sim: " << error << "\n";
      exitCode = 1;
    } else {
      SignalStop stop;
      stop.server = &server;
      uv_signal_init(&loop, &stop.sigint);
      uv_signal_init(&loop, &stop.sigterm);
      stop.sigint.data = &stop;
      stop.sigterm.data = &stop;
      uv_signal_start(&stop.sigint, &onSignal, SIGINT);
      uv_signal_start(&stop.sigterm, &onSignal, SIGTERM);
      std::cout << "tgi-sim listening on " << config->hostname << ":" << server.port() << std::endl;
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
  return exitCode;
}

} // namespace tt::tgisim
