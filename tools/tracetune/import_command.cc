#include "tools/tracetune/import_command.h"

#include "replay/import.h"
#include "replay/importer.h"
#include "schema/store.h"
#include "schema/trace_parameters.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace tt::cli {

void setupImport(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<ImportOptions>();
  std::vector<std::string> names;
  std::string titles;
  for (const replay::Importer& importer : replay::importers()) {
    names.emplace_back(importer.name);
    titles += (titles.empty() ? "" : ", ") + std::string(importer.title);
  }
  CLI::App* sub =
      app.add_subcommand("import", "Import a trace file (" + titles + ") as an import trace");
  std::string namesLine;
  for (const std::string& name : names) {
    namesLine += (namesLine.empty() ? "" : " | ") + name;
  }
  sub->add_option("format", options->format, namesLine)->required()->check(CLI::IsMember(names));
  sub->add_option("file", options->file, "Trace file")->required();
  sub->add_option("--db", options->db, "Database file (created if missing)")->required();
  sub->add_option("--label", options->label, "Trace label (default: the file name)");
  sub->add_flag("--skip-bad", options->skipBad, "Skip malformed rows, count them and go on");
  sub->add_option("--sessions", options->sessions, "weka: sessions running at once")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  sub->callback(
      [options, &runner] { runner = [options] { return runImport(*options, std::cout); }; });
}

int runImport(const ImportOptions& options, std::ostream& out) {
  const replay::Importer* importer = replay::findImporter(options.format);
  if (importer == nullptr) {
    throw UsageError("unknown format " + options.format);
  }
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + options.file + ": check the path and permissions");
  }
  replay::ImportResult result;
  try {
    result = replay::importTrace(
        in, {.format = options.format, .skipBad = options.skipBad, .sessions = options.sessions});
  } catch (const replay::ImportError& e) {
    throw std::runtime_error(options.file + ": " + e.what() +
                             (e.header() ? " (is it in the " + options.format + " format?)"
                                         : " (fix the row, or pass --skip-bad to skip it)"));
  }
  if (in.bad()) {
    throw std::runtime_error("error reading " + options.file);
  }
  if (result.exchanges.empty()) { // nothing to store: no trace, and no new database file
    throw std::runtime_error(options.file + ": no requests read" +
                             (result.skipped > 0 ? " (all " + std::to_string(result.skipped) +
                                                       " rows were malformed: is it in the " +
                                                       options.format + " format?)"
                                                 : " (the file has no rows)"));
  }

  Store store(options.db, Store::Access::Create);
  const ImportParameters parameters{
      .format = options.format,
      .file = options.file,
      .rows = result.rows,
      .skipped = result.skipped,
      .blockTokens = result.blockTokens,
      .sessions = importer->usesSessions ? std::optional<int64_t>(options.sessions) : std::nullopt};
  const int64_t traceId = store.createTrace(
      {.kind = TraceKind::Import,
       .label = options.label.empty() ? std::filesystem::path(options.file).filename().string()
                                      : options.label,
       .target = options.file,
       .parametersJson = parameters.json(),
       .originUnixUs = result.originUnixUs,
       .state = TraceState::Recording});
  try {
    store.append(traceId, result.exchanges);
    store.setTraceState(traceId, TraceState::Complete);
  } catch (const std::exception&) {
    store.deleteTrace(traceId); // a half-written trace is worse than none
    throw;
  }

  const auto plural = [](size_t n, const char* noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
  };
  out << "imported " << plural(result.exchanges.size(), "request") << " from " << options.file
      << " as trace " << traceId;
  if (result.skipped > 0) {
    out << " (skipped " << plural(static_cast<size_t>(result.skipped), "malformed row") << ")";
  }
  out << "\n";
  for (const auto& problem : result.problems) {
    out << "  skipped " << problem << "\n";
  }
  return 0;
}

} // namespace tt::cli
