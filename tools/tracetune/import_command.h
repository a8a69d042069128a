#pragma once

#include "tools/tracetune/command.h"

#include <ostream>
#include <string>

namespace tt::cli {

struct ImportOptions {
  std::string format; // mooncake | azure | aiperf | weka | tracetune
  std::string file;
  std::string db;
  std::string label; // default: the file name
  bool skipBad = false;
  int sessions = 16; // weka: sessions running at once
};

void setupImport(CLI::App& app, Runner& runner);
// Imports a trace file as an `import` trace; throws on unreadable files and malformed rows.
int runImport(const ImportOptions& options, std::ostream& out);

} // namespace tt::cli
