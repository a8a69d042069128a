#include "replay/json_fields.h"

#include <cmath>

namespace tt::replay {

std::string parseObject(std::string_view line, nlohmann::json& out) {
  out = nlohmann::json::parse(line, nullptr, false);
  if (out.is_discarded()) {
    return "not valid JSON";
  }
  if (!out.is_object()) {
    return "not a JSON object";
  }
  return "";
}

std::string readInt(const nlohmann::json& row, const char* name, bool required, int64_t min,
                    std::optional<int64_t>& out) {
  out.reset();
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) {
    return required ? std::string("missing ") + name : "";
  }
  int64_t value = 0;
  if (it->is_number_integer()) {
    value = it->get<int64_t>();
  } else if (it->is_number_float() && std::floor(it->get<double>()) == it->get<double>() &&
             std::abs(it->get<double>()) < 9e15) {
    value = static_cast<int64_t>(it->get<double>());
  } else {
    return std::string(name) + " is not an integer";
  }
  if (value < min) {
    return std::string(name) + " is " + std::to_string(value) + ", below " + std::to_string(min);
  }
  out = value;
  return "";
}

std::string readMs(const nlohmann::json& row, const char* name, bool required,
                   std::optional<int64_t>& outUs) {
  outUs.reset();
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) {
    return required ? std::string("missing ") + name : "";
  }
  if (!it->is_number()) {
    return std::string(name) + " is not a number";
  }
  const double ms = it->get<double>();
  if (!std::isfinite(ms) || ms < 0 || ms > 9e12) {
    return std::string(name) + " is out of range";
  }
  outUs = std::llround(ms * 1000.0);
  return "";
}

std::string readIntArray(const nlohmann::json& row, const char* name, std::vector<int64_t>& out) {
  out.clear();
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) {
    return "";
  }
  if (!it->is_array()) {
    return std::string(name) + " is not an array";
  }
  out.reserve(it->size());
  for (const auto& v : *it) {
    if (!v.is_number_integer()) {
      return std::string(name) + " holds a value that is not an integer";
    }
    out.push_back(v.get<int64_t>());
  }
  return "";
}

std::string readString(const nlohmann::json& row, const char* name,
                       std::optional<std::string>& out) {
  out.reset();
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) {
    return "";
  }
  if (it->is_string()) {
    out = it->get<std::string>();
    return "";
  }
  if (it->is_number_integer()) {
    out = std::to_string(it->get<int64_t>());
    return "";
  }
  return std::string(name) + " is not a string";
}

} // namespace tt::replay
