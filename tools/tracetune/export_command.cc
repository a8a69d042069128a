#include "tools/tracetune/export_command.h"

#include "replay/jsonl_export.h"
#include "schema/store.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace tt::cli {

void setupExport(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand("export", "Write a trace's requests as tracetune JSONL");
  sub->add_option("--db", options->db, "Database file")->required();
  sub->add_option("--trace", options->trace, "Trace id (see tracetune traces)")->required();
  sub->add_option("-o,--output", options->output, "Output file (default: standard output)");
  sub->callback(
      [options, &runner] { runner = [options] { return runExport(*options, std::cout); }; });
}

int runExport(const ExportOptions& options, std::ostream& out) {
  Store store(options.db, Store::Access::Read);
  if (!store.findTrace(options.trace)) {
    throw std::runtime_error("no trace " + std::to_string(options.trace) + " in " + options.db +
                             " (see tracetune traces --db " + options.db + ")");
  }
  std::ofstream file;
  std::ostream* sink = &out;
  if (!options.output.empty() && options.output != "-") {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw std::runtime_error("cannot write " + options.output);
    }
    sink = &file;
  }
  store.forEachExchange(options.trace,
                        [sink](Exchange&& e) { *sink << replay::exportLine(e) << '\n'; });
  sink->flush();
  if (!*sink) {
    throw std::runtime_error("error writing " +
                             (options.output.empty() ? "output" : options.output));
  }
  return 0;
}

} // namespace tt::cli
