#pragma once

#include "sim/config.h"

#include <string>
#include <vector>

namespace tt::tune {

// The text-generation-launcher arguments that pin down the schedule of `launcher` in its mode,
// resolved the way TGI resolves them (the defaults written out), so that a pasted line gives the
// server that was simulated: "--max-concurrent-requests", "256", ...
std::vector<std::string> launcherArguments(const sim::LauncherConfig& launcher);

// "text-generation-launcher --model-id MODEL ..." and the same as a `docker run` line.
std::string launcherCommand(const std::string& modelId, const sim::LauncherConfig& launcher);
std::string dockerCommand(const std::string& modelId, const std::string& tgiVersion,
                          const sim::LauncherConfig& launcher);

} // namespace tt::tune
