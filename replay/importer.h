#pragma once

#include "replay/import.h"
#include "replay/row_parser.h"

#include <span>
#include <string_view>

namespace tt::replay {

// One trace file format that `tracetune import` reads (docs/replay.md describes each). A new
// format is its parser (row_parser.h) and its row in importer.cc.
struct Importer {
  std::string_view name;     // as `tracetune import FORMAT` takes it
  std::string_view title;    // as people call the format
  int blockTokens = 0;       // prompt tokens per prefix hash id (0: the format has none)
  bool usesSessions = false; // lays sessions out in ImportOptions::sessions slots
  RowParserPtr (*makeParser)(const ImportOptions& options) = nullptr;
};

// Every format, in the order `tracetune import --help` lists them.
std::span<const Importer> importers();

// The format named `name`, or nullptr.
const Importer* findImporter(std::string_view name);

} // namespace tt::replay
