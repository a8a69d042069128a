#pragma once

#include "tools/tracetune/command.h"

#include <ostream>
#include <string>
#include <vector>

namespace tt::cli {

struct MergeOptions {
  std::vector<std::string> inputs; // databases holding one shard's replay each
  std::string db;                  // output database (created if missing)
  std::string label;
};

void setupMerge(CLI::App& app, Runner& runner);
// Combines the latest replay trace of each input into one replay trace in the output, every time
// moved onto the earliest input's time axis (traces.origin_unix_us).
int runMerge(const MergeOptions& options, std::ostream& out);

} // namespace tt::cli
