#pragma once

#include "tools/tracetune/command.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tt::cli {

struct AnalyzeOptions {
  std::string db;
  std::vector<int64_t> traceIds;
  std::string family;           // label prefix; empty: none
  std::string slo;              // "ttft=2s,itl=200ms"; empty: none
  std::string format = "table"; // table | json | csv
  std::string html;             // file for the HTML report; empty: none
};

void setupAnalyze(CLI::App& app, Runner& runner);
// Analyses the selected traces and writes the report; throws (StoreError, AnalyzeError, ...)
// with a message for the user on bad input.
int runAnalyze(const AnalyzeOptions& options, std::ostream& out);

} // namespace tt::cli
