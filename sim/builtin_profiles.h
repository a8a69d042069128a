#pragma once

#include <span>
#include <string_view>

namespace tt::sim {

// The profile files of sim/profiles, embedded at configure time (sim/CMakeLists.txt).
struct BuiltinProfile {
  std::string_view name;
  std::string_view csv;
};

// The first one is the default (h100-llama3-8b).
std::span<const BuiltinProfile> builtinProfiles();

} // namespace tt::sim
