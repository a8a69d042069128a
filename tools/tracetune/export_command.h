#pragma once

#include "tools/tracetune/command.h"

#include <cstdint>
#include <ostream>
#include <string>

namespace tt::cli {

struct ExportOptions {
  std::string db;
  int64_t trace = 0;
  std::string output; // file; empty or "-": standard output
};

void setupExport(CLI::App& app, Runner& runner);
// Writes a trace's requests as tracetune JSONL (readable by `tracetune import tracetune`).
int runExport(const ExportOptions& options, std::ostream& out);

} // namespace tt::cli
