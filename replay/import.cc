#include "replay/import.h"

#include "replay/importer.h"

#include <algorithm>

namespace tt::replay {
namespace {

constexpr size_t kProblemsKept = 5;

bool isBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

} // namespace

Exchange importedExchange(int64_t arrivalUs, std::optional<int64_t> inputTokens,
                          std::optional<int64_t> outputTokens) {
  Exchange e;
  e.intendedUs = arrivalUs;
  e.sentUs = arrivalUs;
  e.method = "POST";
  e.path = "/generate_stream";
  e.endpoint = Endpoint::GenerateStream;
  e.stream = true;
  e.inputTokens = inputTokens;
  e.maxNewTokens = outputTokens;
  e.outputTokens = outputTokens;
  e.outcome = Outcome::Ok;
  return e;
}

ImportResult importTrace(std::istream& in, const ImportOptions& options) {
  if (options.sessions < 1) {
    throw std::invalid_argument("--sessions must be at least 1");
  }
  const Importer* importer = findImporter(options.format);
  if (importer == nullptr) {
    throw std::invalid_argument("unknown format " + options.format);
  }
  RowParserPtr parser = importer->makeParser(options);
  ImportResult result;
  result.blockTokens = importer->blockTokens;
  std::string line;
  int64_t lineNo = 0;
  bool headerSeen = !parser->hasHeader();
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (isBlank(line)) {
      continue;
    }
    if (!headerSeen) {
      headerSeen = true;
      if (auto why = parser->parseHeader(line); !why.empty()) {
        throw ImportError(lineNo, why, true);
      }
      continue;
    }
    ++result.rows;
    if (auto why = parser->parseRow(line, result.exchanges); !why.empty()) {
      if (!options.skipBad) {
        throw ImportError(lineNo, why);
      }
      ++result.skipped;
      if (result.problems.size() < kProblemsKept) {
        result.problems.push_back("line " + std::to_string(lineNo) + ": " + why);
      }
    }
  }
  if (!headerSeen) {
    throw ImportError(lineNo, "empty file: no header line", true);
  }
  parser->finish(result.exchanges);
  std::stable_sort(result.exchanges.begin(), result.exchanges.end(),
                   [](const Exchange& a, const Exchange& b) { return a.sentUs < b.sentUs; });
  if (!result.exchanges.empty()) {
    const int64_t first = result.exchanges.front().sentUs;
    for (auto& e : result.exchanges) {
      e.sentUs -= first;
      e.intendedUs = e.sentUs;
    }
    result.originUnixUs = parser->originUnixUs();
  }
  return result;
}

} // namespace tt::replay
