#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::replay {

// Field readers for JSONL rows. Each returns why the field is unusable, or "" when it is fine
// (an absent optional field leaves `out` empty).
std::string readInt(const nlohmann::json& row, const char* name, bool required, int64_t min,
                    std::optional<int64_t>& out);
// A number of milliseconds (integer or fraction) as microseconds.
std::string readMs(const nlohmann::json& row, const char* name, bool required,
                   std::optional<int64_t>& outUs);
std::string readIntArray(const nlohmann::json& row, const char* name, std::vector<int64_t>& out);
std::string readString(const nlohmann::json& row, const char* name,
                       std::optional<std::string>& out);

// Parses one JSONL line into an object; returns why it is not one, or "".
std::string parseObject(std::string_view line, nlohmann::json& out);

} // namespace tt::replay
