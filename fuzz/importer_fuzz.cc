// Every trace importer (replay/import.h) on arbitrary file contents. Input: one control byte (the
// format, and whether malformed rows are skipped), then the file.
//
// Invariants:
// - A file is either imported or refused with an ImportError (one line naming the row); nothing
//   else escapes.
// - An import is well formed: arrivals sorted from 0, no negative token counts, and no more
//   exchanges or skipped rows than the rows read.
#include "fuzz/check.h"
#include "replay/import.h"
#include "replay/importer.h"

#include <cstdint>
#include <sstream>
#include <string>

namespace tt::fuzz {
namespace {

void checkImport(const replay::ImportResult& result, bool skipBad) {
  FUZZ_CHECK(result.skipped == 0 || skipBad);
  FUZZ_CHECK(result.skipped <= result.rows);
  FUZZ_CHECK(result.blockTokens >= 0);
  int64_t previous = 0;
  for (const Exchange& exchange : result.exchanges) {
    FUZZ_CHECK(exchange.sentUs >= previous);
    previous = exchange.sentUs;
    FUZZ_CHECK(exchange.inputTokens.value_or(0) >= 0);
    FUZZ_CHECK(exchange.outputTokens.value_or(0) >= 0);
    FUZZ_CHECK(exchange.maxNewTokens.value_or(0) >= 0);
  }
  if (!result.exchanges.empty()) {
    FUZZ_CHECK(result.exchanges.front().sentUs == 0);
  }
}

} // namespace
} // namespace tt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tt;
  if (size == 0) {
    return 0;
  }
  replay::ImportOptions options;
  const auto importers = replay::importers();
  options.format = importers[(data[0] & 7) % importers.size()].name;
  options.skipBad = (data[0] & 8) != 0;
  options.sessions = 1 + (data[0] >> 4);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    fuzz::checkImport(replay::importTrace(in, options), options.skipBad);
  } catch (const replay::ImportError&) {
    // Refused with its one line: what a malformed file should get.
  }
  return 0;
}
