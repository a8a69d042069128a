#include "replay/importer.h"

#include <array>

namespace tt::replay {
namespace {

constexpr std::array kImporters{
    Importer{.name = "mooncake",
             .title = "Mooncake",
             .blockTokens = 512,
             .makeParser = [](const ImportOptions&) { return makeMooncakeParser(); }},
    Importer{.name = "azure",
             .title = "Azure",
             .makeParser = [](const ImportOptions&) { return makeAzureParser(); }},
    Importer{.name = "aiperf",
             .title = "AIPerf",
             .blockTokens = 512,
             .makeParser = [](const ImportOptions&) { return makeAiperfParser(); }},
    Importer{.name = "weka",
             .title = "WEKA",
             .blockTokens = 64,
             .usesSessions = true,
             .makeParser = [](const ImportOptions& o) { return makeWekaParser(o.sessions); }},
    Importer{.name = "tracetune",
             .title = "tracetune JSONL",
             .makeParser = [](const ImportOptions&) { return makeTracetuneParser(); }},
};

} // namespace

std::span<const Importer> importers() {
  return kImporters;
}

const Importer* findImporter(std::string_view name) {
  for (const Importer& importer : kImporters) {
    if (importer.name == name) {
      return &importer;
    }
  }
  return nullptr;
}

} // namespace tt::replay
