#include "analyze/text_table.h"

#include <algorithm>
#include <cstdio>

namespace tt::analyze {

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = columns_[c].title.size();
    for (const auto& row : rows_) {
      if (c < row.size()) {
        widths[c] = std::max(widths[c], row[c].size());
      }
    }
  }
  auto printRow = [&](auto cellAt) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string cell = cellAt(c);
      const std::string pad(widths[c] - cell.size(), ' ');
      const bool last = c + 1 == columns_.size();
      line += columns_[c].align == Align::Right ? pad + cell : (last ? cell : cell + pad);
      if (!last) {
        line += "  ";
      }
    }
    out << line << "\n";
  };
  printRow([&](size_t c) { return columns_[c].title; });
  for (const auto& row : rows_) {
    printRow([&](size_t c) { return c < row.size() ? row[c] : std::string(); });
  }
}

std::string formatDurationUs(long long us) {
  char text[32];
  if (us < 1'000'000) {
    std::snprintf(text, sizeof text, "%lldms", us / 1000);
  } else if (us < 60'000'000) {
    std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(us) / 1e6);
  } else if (us < 3'600'000'000LL) {
    const long long s = us / 1'000'000;
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  } else {
    const long long m = us / 60'000'000;
    std::snprintf(text, sizeof text, "%lldh%02lldm", m / 60, m % 60);
  }
  return text;
}

void printTables(const std::vector<TextTable>& tables, std::ostream& out) {
  bool first = true;
  for (const auto& t : tables) {
    if (!first) {
      out << "\n";
    }
    first = false;
    out << t.title << "\n";
    for (const auto& line : t.lines) {
      out << "  " << line << "\n";
    }
    if (!t.columns.empty()) {
      std::vector<Table::Column> columns;
      for (size_t i = 0; i < t.columns.size(); ++i) {
        columns.push_back({t.columns[i], t.numeric[i] ? Table::Align::Right : Table::Align::Left});
      }
      Table table(std::move(columns));
      for (const auto& row : t.rows) {
        table.addRow(row);
      }
      table.print(out);
    }
    for (const auto& note : t.notes) {
      out << "  note: " << note << "\n";
    }
  }
}

} // namespace tt::analyze
