#pragma once

#include "tools/common/launcher_flags.h"
#include "tools/tracetune/command.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace tt::cli {

struct SimulateOptions {
  std::string db;
  int64_t trace = 0;
  std::optional<double> speed;
  std::optional<double> rate;
  std::optional<double> poisson;
  int copies = 1;
  std::optional<int64_t> limit;
  std::string label;
  LauncherFlags flags;
};

void setupSimulate(CLI::App& app, Runner& runner);
// Runs the trace through the simulated TGI and stores a `simulation` trace; returns the exit
// status. Throws for runtime errors (files, unknown trace).
int runSimulate(const SimulateOptions& options, std::ostream& out);

} // namespace tt::cli
