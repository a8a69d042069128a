#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tt {

// A member of a JSON object, when it is there with the expected type; nullopt otherwise. TGI's
// bodies are untrusted, so a wrong type reads as absent rather than throwing. `Json` is
// nlohmann::json or nlohmann::ordered_json.
template <class Json> std::optional<int64_t> intField(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  return it->template get<int64_t>();
}

template <class Json> std::optional<std::string> stringField(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->template get<std::string>();
}

} // namespace tt
