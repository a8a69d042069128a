#pragma once

#include "tools/tracetune/command.h"

#include <ostream>
#include <string>

namespace tt::cli {

struct TracesOptions {
  std::string db;
  std::string format = "table"; // table | json
};

void setupTraces(CLI::App& app, Runner& runner);
// Lists the traces of a database; throws StoreError for a file that cannot be read.
int runTraces(const TracesOptions& options, std::ostream& out);

} // namespace tt::cli
