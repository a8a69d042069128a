#pragma once

#include "sim/config.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tt::cli {

// The TGI launcher flags a simulated server honours (text-generation-launcher's names and
// defaults, reference/tgi.md §3.1), plus the simulator's own; shared by `tgi-sim` and
// `tracetune simulate` so a what-if and a served simulation are configured the same way.
struct LauncherFlags {
  sim::LauncherConfig launcher;
  std::string cudaGraphs = "1,2,4,8,16,32"; // "0" disables CUDA graphs
  std::string prefillChunking = "on";
  std::string scheduler = "v3";
  std::optional<int64_t> kvTokens;
  std::string profile = "h100-llama3-8b";
  uint64_t seed = 0;

  // Completes `launcher` from the string flags; throws CLI::ValidationError on a bad list.
  sim::LauncherConfig resolve() const;
  // The flags as given, for a trace's parameters.
  nlohmann::json toJson() const;
};

void addLauncherFlags(CLI::App& app, LauncherFlags& flags);

// One request-facing summary of what the scheduler will use, for a trace's server info.
nlohmann::json schedulerConfigJson(const sim::SchedulerConfig& config);

} // namespace tt::cli
