#pragma once

#include "core/exchange.h"
#include "replay/import.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tt::replay {

// One format's reader. The importer hands it each non-blank line; a parser appends exchanges
// with their arrival in sentUs (on any axis: the importer moves the first arrival to 0).
class RowParser {
public:
  virtual ~RowParser() = default;
  // CSV formats check their header line; returns why it is wrong, or "".
  virtual bool hasHeader() const { return false; }
  virtual std::string parseHeader(std::string_view /*line*/) { return ""; }
  // Returns why the row is refused (nothing appended), or "".
  virtual std::string parseRow(std::string_view line, std::vector<Exchange>& out) = 0;
  // After the last row: formats whose times depend on other rows place them here.
  virtual void finish(std::vector<Exchange>& /*out*/) {}
  // Wall-clock time (unix µs) of the earliest arrival, where the format carries one; else 0.
  virtual int64_t originUnixUs() const { return 0; }
};

using RowParserPtr = std::unique_ptr<RowParser>;

RowParserPtr makeMooncakeParser();
RowParserPtr makeAzureParser();
RowParserPtr makeAiperfParser();
RowParserPtr makeWekaParser(int sessions);
RowParserPtr makeTracetuneParser();

// An imported request (see importTrace) arriving at `arrivalUs`.
Exchange importedExchange(int64_t arrivalUs, std::optional<int64_t> inputTokens,
                          std::optional<int64_t> outputTokens);

} // namespace tt::replay
