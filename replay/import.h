#pragma once

#include "core/exchange.h"

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt::replay {

// A row the importer refuses: the message is "LINE: reason" (the caller adds the file name).
class ImportError : public std::runtime_error {
public:
  ImportError(int64_t line, const std::string& reason, bool header = false)
      : std::runtime_error("line " + std::to_string(line) + ": " + reason), line_(line),
        header_(header) {}
  int64_t line() const { return line_; }
  // The file's header (or its absence) is wrong: not a row --skip-bad could skip.
  bool header() const { return header_; }

private:
  int64_t line_;
  bool header_;
};

struct ImportOptions {
  std::string format = "mooncake"; // an Importer's name (importer.h)
  bool skipBad = false; // count malformed rows and go on instead of stopping at the first
  int sessions = 16;    // weka: how many sessions run at once (each starts when a slot frees)
};

struct ImportResult {
  std::vector<Exchange> exchanges;   // one per row, sorted by arrival (sentUs)
  int64_t rows = 0;                  // data rows read (good and bad)
  int64_t skipped = 0;               // malformed rows skipped under skipBad
  std::vector<std::string> problems; // the first few skipped rows' "line N: reason"
  int64_t originUnixUs = 0;          // wall-clock time of the first arrival, where the file has it
  int blockTokens = 0;               // prompt tokens per prefix hash id (0: no hash ids)
};

// Reads a whole trace file. Throws ImportError at the first malformed row unless skipBad.
// Every exchange is an imported request: intendedUs = sentUs = its arrival on the trace's axis
// (the first arrival is 0), POST /generate_stream, inputTokens, maxNewTokens = outputTokens =
// the recorded output length, prefixHashIds and session where the format has them.
ImportResult importTrace(std::istream& in, const ImportOptions& options);

} // namespace tt::replay
