#include "schema/server_info.h"

#include "core/simulator_info.h"

#include <nlohmann/json.hpp>

namespace tt {

ServerInfo ServerInfo::read(const std::string& json) {
  ServerInfo out;
  const auto info = nlohmann::json::parse(json, nullptr, false);
  if (!info.is_object()) {
    return out;
  }
  if (info.contains("model_id")) {
    out.fromTgi = true;
    out.modelId = info["model_id"].is_string() ? info["model_id"].get<std::string>() : "";
  }
  if (info.contains("version") && info["version"].is_string()) {
    out.version = info["version"].get<std::string>();
  }
  const auto limit = [&info](const char* key) -> std::optional<int64_t> {
    if (info.contains(key) && info[key].is_number_integer()) {
      return info[key].get<int64_t>();
    }
    return std::nullopt;
  };
  out.maxConcurrentRequests = limit("max_concurrent_requests");
  out.maxInputTokens = limit("max_input_tokens");
  out.maxTotalTokens = limit("max_total_tokens");
  out.maxBatchTotalTokens = limit("max_batch_total_tokens");
  if (const auto simulator = info.find("simulator"); simulator != info.end()) {
    out.timeScale = SimulatorInfo::fromJson(*simulator).timeScale;
  }
  return out;
}

std::string SimulationServerInfo::json() const {
  return nlohmann::json{{"simulated", true},
                        {"profile", profile},
                        {"profile_max_error", profileMaxError},
                        {"scheduler", nlohmann::json::parse(schedulerJson)},
                        {"warnings", warnings}}
      .dump();
}

} // namespace tt
