#include "tools/tgi-sim/options.h"

#include "core/clock.h"
#include "sim/profile_source.h"
#include "tgisim/step_recorder.h"

#include <arpa/inet.h>
#include <uv.h>

#include <cstdio>
#include <iostream>
#include <memory>

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

// TGI's router parses the hostname as an IP address and listens on 0.0.0.0 when it is not one
// (README.md, "Flags"), as with Docker's HOSTNAME, the container's id.
bool isIpAddress(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &address) == 1;
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
                  "model of its scheduler and a GPU cost model (tgisim/README.md).");
  app.add_option("--hostname", o.hostname, "Address to listen on")
      ->envname("HOSTNAME")
      ->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on (0: any free port)")
      ->envname("PORT")
      ->capture_default_str();
  cli::addLauncherFlags(app, o.launcher, /*fromEnvironment=*/true);
  app.add_option("--max-client-batch-size", o.maxClientBatchSize)
      ->envname("MAX_CLIENT_BATCH_SIZE")
      ->capture_default_str();
  app.add_option("--payload-limit", o.payloadLimit, "Largest request body in bytes")
      ->envname("PAYLOAD_LIMIT")
      ->capture_default_str();
  app.add_option("--model-id", o.modelId,
                 "Model name in /info and answers (default from --profile)")
      ->envname("MODEL_ID");
  app.add_option("--time-scale", o.timeScale, "Run this many times faster than real time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--eos-probability", o.eosProbability,
                 "Chance that each token after the first is end-of-sequence (0: never)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--steps-out", o.stepsOut,
                 "Write every forward (virtual start and end, composition) to this CSV");
}

std::optional<ServerConfig> buildServerConfig(const TgiSimOptions& o, std::string* error,
                                              std::vector<std::string>* notes) {
  const auto launcher = o.launcher.resolve(error);
  if (!launcher) {
    return std::nullopt;
  }
  const sim::ResolvedConfig resolved = sim::resolveConfig(*launcher);
  if (!resolved.config) {
    *error = resolved.error;
    return std::nullopt;
  }
  ServerConfig c;
  c.hostname = isIpAddress(o.hostname) ? o.hostname : "0.0.0.0";
  c.port = o.port;
  c.scheduler = *resolved.config;
  try {
    c.costModel = sim::resolveProfile(o.launcher.profile).model;
  } catch (const std::exception& e) {
    *error = std::string("--profile: ") + e.what();
    return std::nullopt;
  }
  c.identity.modelId = o.modelId.empty() ? defaultModelId(o.launcher.profile) : o.modelId;
  c.timeScale = o.timeScale;
  c.seed = o.launcher.seed;
  c.eosProbability = o.eosProbability;
  c.payloadLimit = static_cast<uint64_t>(std::max<int64_t>(o.payloadLimit, 0));
  c.maxClientBatchSize = o.maxClientBatchSize;
  if (notes != nullptr) { // in TGI's order: warmup's lines, then the web server's
    notes->insert(notes->end(), resolved.warnings.begin(), resolved.warnings.end());
    if (c.hostname != o.hostname) {
      notes->push_back("Invalid hostname, defaulting to 0.0.0.0");
    }
  }
  return c;
}

int runTgiSim(const TgiSimOptions& options) {
  std::string error;
  std::vector<std::string> notes;
  auto config = buildServerConfig(options, &error, &notes);
  if (!config) {
    std::cerr << "tgi-sim: " << error << "\n";
    return 2;
  }
  for (const auto& note : notes) {
    std::cerr << "tgi-sim: note: " << note << "\n";
  }
  std::unique_ptr<StepRecorder> steps;
  if (!options.stepsOut.empty()) {
    try {
      steps = std::make_unique<StepRecorder>(options.stepsOut);
    } catch (const std::exception& e) {
      std::cerr << "tgi-sim: " << e.what() << "\n";
      return 2;
    }
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  MonotonicClock clock;
  int exitCode = 0;
  {
    Server server(loop, *config, clock);
    server.driver().setObserver(steps.get());
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
