#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// The names of a table in its order: the choices a command-line option accepts.
template <typename Table> std::vector<std::string> namesOf(const Table& table) {
  std::vector<std::string> names;
  for (const auto& [value, name] : table) {
    names.emplace_back(name);
  }
  return names;
}

} // namespace tt
