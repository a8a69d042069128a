#pragma once

#include "sim/config.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tt::cli {

// The TGI launcher flags a simulated server honours (text-generation-launcher's names and
// defaults, docs/tgi.md, "Flags and defaults"), plus the simulator's own; shared by `tgi-sim` and
// `tracetune simulate` so a served simulation and a what-if are configured the same way.
struct LauncherFlags {
  sim::LauncherConfig launcher;
  std::string cudaGraphs = "1,2,4,8,16,32"; // "0" disables CUDA graphs
  std::string prefillChunking = "on";
  std::string scheduler = "v3";
  std::optional<int64_t> kvTokens;
  std::string profile = "h100-llama3-8b";
  uint64_t seed = 0;

  // The launcher configuration the flags give; nullopt with `error` set for a bad --cuda-graphs.
  std::optional<sim::LauncherConfig> resolve(std::string* error) const;
  // The flags as given, for a trace's parameters.
  nlohmann::json toJson() const;
};

// Declares the flags on `app`. With `fromEnvironment`, each also reads TGI's environment
// variable (MAX_BATCH_SIZE, ...), as the launcher does; a server wants that, a what-if not.
void addLauncherFlags(CLI::App& app, LauncherFlags& flags, bool fromEnvironment);

// What the scheduler will use, for a trace's server info.
nlohmann::json schedulerConfigJson(const sim::SchedulerConfig& config);

} // namespace tt::cli
