#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt::replay {

// Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes); nullopt when a quote is
// left open.
std::optional<std::vector<std::string>> splitCsv(std::string_view line);

// Whole-field number parsing; nullopt on anything else.
std::optional<int64_t> parseInt(std::string_view text);
std::optional<double> parseDouble(std::string_view text);

} // namespace tt::replay
