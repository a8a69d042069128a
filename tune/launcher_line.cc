#include "tune/launcher_line.h"

#include <cstdio>

namespace tt::tune {
namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string joined(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) {
    line += " " + w;
  }
  return line;
}

} // namespace

std::vector<std::string> launcherArguments(const sim::LauncherConfig& launcher) {
  const sim::ResolvedConfig resolved = sim::resolveConfig(launcher);
  const sim::SchedulerConfig& c = *resolved.config;
  std::vector<std::string> args{
      "--max-concurrent-requests",  std::to_string(c.maxConcurrentRequests),
      "--max-input-tokens",         std::to_string(c.maxInputTokens),
      "--max-total-tokens",         std::to_string(c.maxTotalTokens),
      "--max-batch-prefill-tokens", std::to_string(c.maxBatchPrefillTokens)};
  if (!c.chunking) {
    if (c.maxBatchSize) {
      args.insert(args.end(), {"--max-batch-size", std::to_string(*c.maxBatchSize)});
    }
    args.insert(args.end(), {"--waiting-served-ratio", number(c.waitingServedRatio),
                             "--max-waiting-tokens", std::to_string(c.maxWaitingTokens)});
  }
  if (c.router == sim::RouterVersion::V2) {
    args.insert(args.end(), {"--max-batch-total-tokens", std::to_string(c.maxBatchTotalTokens)});
  }
  return args;
}

std::string launcherCommand(const std::string& modelId, const sim::LauncherConfig& launcher) {
  return "text-generation-launcher --model-id " + modelId + joined(launcherArguments(launcher));
}

std::string dockerCommand(const std::string& modelId, const std::string& tgiVersion,
                          const sim::LauncherConfig& launcher) {
  return "docker run --gpus all --shm-size 1g -p 8080:80 -v $PWD/data:/data "
         "ghcr.io/huggingface/text-generation-inference:" +
         tgiVersion + " --model-id " + modelId + joined(launcherArguments(launcher));
}

} // namespace tt::tune
