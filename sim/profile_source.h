#pragma once

#include "sim/profile.h"

#include <string_view>

namespace tt::sim {

inline constexpr std::string_view kDefaultProfile = "h100-llama3-8b";

// `--profile NAME|FILE`: a built-in profile name, else a path to a profile CSV; returns its fit.
// Throws ProfileError with one line ("<file>:<line>: <reason>", or why the file is unreadable).
FittedProfile resolveProfile(std::string_view nameOrPath);

} // namespace tt::sim
