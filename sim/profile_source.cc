#include "sim/profile_source.h"

#include "sim/builtin_profiles.h"

#include <fstream>
#include <sstream>

namespace tt::sim {

FittedProfile resolveProfile(std::string_view nameOrPath) {
  for (const BuiltinProfile& builtin : builtinProfiles()) {
    if (builtin.name == nameOrPath) {
      return fitProfile(parseProfile(builtin.csv, std::string(builtin.name)));
    }
  }
  const std::string path(nameOrPath);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string names;
    for (const BuiltinProfile& builtin : builtinProfiles()) {
      names += (names.empty() ? "" : ", ") + std::string(builtin.name);
    }
    throw ProfileError(path + ": not a built-in profile (" + names + ") and not a readable file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return fitProfile(parseProfile(text.str(), path));
}

} // namespace tt::sim
