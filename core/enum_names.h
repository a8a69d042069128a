#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace tt {

// Lookups in a constexpr table of {enum value, name} pairs: how enums are written to and read
// from the database and the command line.
template <typename Enum, typename Table> std::string_view nameOf(const Table& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) {
      return name;
    }
  }
  return "unknown";
}

template <typename Enum, typename Table>
std::optional<Enum> valueOf(const Table& table, std::string_view name) {
  for (const auto& [value, candidate] : table) {
    if (candidate == name) {
      return value;
    }
  }
  return std::nullopt;
}

} // namespace tt
