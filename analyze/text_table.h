#pragma once

#include "analyze/report_table.h"

#include <ostream>
#include <string>
#include <vector>

namespace tt::analyze {

// An aligned plain-text table: left-aligned text columns, right-aligned numeric ones.
class Table {
public:
  enum class Align { Left, Right };
  struct Column {
    std::string title;
    Align align = Align::Left;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void print(std::ostream& out) const;

private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Tables in order, a blank line between them, each with its title and its notes.
void printTables(const std::vector<TextTable>& tables, std::ostream& out);

// "850ms", "12.3s", "4m05s", "2h03m": a duration for people.
std::string formatDurationUs(long long us);

} // namespace tt::analyze
