#pragma once

#include "analyze/analysis.h"

#include <string>
#include <vector>

namespace tt::analyze {

// A titled table of text cells; the CLI aligns and prints it (numeric columns to the right).
struct TextTable {
  std::string title;
  std::vector<std::string> columns;
  std::vector<bool> numeric; // per column
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes; // printed under the table
  std::vector<std::string> lines; // printed as they are under the title (commands to copy)
};

// The report as terminal tables: the traces side by side, replay deltas, curves with fits,
// knee and capacity, and the prefill and decode views.
std::vector<TextTable> tableReport(const Report& report);

// A number for a table cell with the digits its size warrants; "-" when absent or not finite.
std::string formatNumber(std::optional<double> value);

} // namespace tt::analyze
