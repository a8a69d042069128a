#include "replay/jsonl_export.h"

#include <nlohmann/json.hpp>

namespace tt::replay {
namespace {

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

template <typename T> nlohmann::json orNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

} // namespace

std::string exportLine(const Exchange& e) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : e.requestHeaders) {
    headers.push_back({name, value});
  }
  nlohmann::json row = {{"id", e.id},
                        {"sent_us", e.sentUs},
                        {"intended_us", orNull(e.intendedUs)},
                        {"session", orNull(e.session)},
                        {"method", e.method},
                        {"path", e.path},
                        {"headers", headers},
                        {"endpoint", endpointName(e.endpoint)},
                        {"stream", e.stream},
                        {"input_tokens", orNull(e.inputTokens)},
                        {"max_new_tokens", orNull(e.maxNewTokens)},
                        {"output_tokens", orNull(e.outputTokens)},
                        {"prefix_hash_ids", e.prefixHashIds}};
  if (!e.requestBody.empty()) {
    row["body"] = e.requestBody;
  }
  try {
    return row.dump();
  } catch (const nlohmann::json::type_error&) { // the body is not UTF-8
    row.erase("body");
    row["body_hex"] = toHex(e.requestBody);
    return row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

} // namespace tt::replay
