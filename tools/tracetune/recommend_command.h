#pragma once

#include "tools/common/launcher_flags.h"
#include "tools/tracetune/command.h"

#include <cstdint>
#include <ostream>
#include <set>
#include <string>

namespace tt::cli {

struct RecommendOptions {
  std::string db;
  int64_t trace = 0;
  std::string slo;
  double attainment = 0.95;
  std::string format = "table";
  std::string html; // also write a self-contained HTML report here
  bool validate = false;
  std::string launch;                  // command template with {port} and {flags}; empty: tgi-sim
  std::string targetUrl;               // a server launched by hand, instead of `launch`
  std::string setting = "recommended"; // the settings the server at targetUrl runs
  LauncherFlags flags;                 // the current settings, where the user gives them
  std::set<std::string> given;         // the launcher flags given on the command line
};

void setupRecommend(CLI::App& app, Runner& runner);
// Recommends launcher settings for a stored trace; returns the exit status.
int runRecommend(const RecommendOptions& options, std::ostream& out);

} // namespace tt::cli
