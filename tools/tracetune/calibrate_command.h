#pragma once

#include "tools/tracetune/command.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tt::cli {

struct CalibrateOptions {
  std::string db;
  int64_t trace = 0;
  std::string out; // the profile CSV, when given
  std::string format = "table";
  int64_t maxBatchPrefillTokens = 4096;
  std::vector<int64_t> cudaGraphs{1, 2, 4, 8, 16, 32};
  std::string tokenizeUrl; // count the uncounted prompts with this server's /tokenize
};

void setupCalibrate(CLI::App& app, Runner& runner);
// Fits the cost model of the captured server (docs/calibrate.md) and reports it; writes the
// profile to `out` when given. Returns the exit status; throws for what a user can fix.
int runCalibrate(const CalibrateOptions& options, std::ostream& out);

} // namespace tt::cli
