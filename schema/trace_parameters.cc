#include "schema/trace_parameters.h"

#include <nlohmann/json.hpp>

namespace tt {

std::string ImportParameters::json() const {
  nlohmann::json j = {{"format", format},
                      {"file", file},
                      {"rows", rows},
                      {"skipped", skipped},
                      {"block_tokens", blockTokens}};
  if (sessions) {
    j["sessions"] = *sessions;
  }
  return j.dump();
}

std::string CaptureParameters::json() const {
  return nlohmann::json{{"listen", listen},
                        {"redact", redact},
                        {"max_connections", maxConnections},
                        {"max_header_bytes", maxHeaderBytes},
                        {"max_headers", maxHeaders},
                        {"max_url_bytes", maxUrlBytes},
                        {"max_body_bytes", maxBodyBytes},
                        {"header_timeout_s", headerTimeoutS},
                        {"idle_timeout_s", idleTimeoutS},
                        {"scrape_interval_s", scrapeIntervalS}}
      .dump();
}

std::string ReplayParameters::json() const {
  nlohmann::json j = {{"mode", mode},
                      {"value", value},
                      {"copies", copies},
                      {"seed", seed},
                      {"ties", ties},
                      {"window", window},
                      {"shard", shard},
                      {"endpoint", endpoint},
                      {"all_routes", allRoutes},
                      {"skipped", skipped},
                      {"planned", planned},
                      {"synthesis",
                       {{"calibrated", calibrated},
                        {"tokens_per_word", tokensPerWord},
                        {"mean_abs_error_pct", meanAbsErrorPct},
                        {"max_abs_error_pct", maxAbsErrorPct}}}};
  if (limit) {
    j["limit"] = *limit;
  }
  if (durationS) {
    j["duration_s"] = *durationS;
  }
  return j.dump();
}

std::string MergeParameters::json() const {
  nlohmann::json from = nlohmann::json::array();
  for (const Part& part : mergedFrom) {
    from.push_back({{"file", part.file}, {"trace", part.trace}, {"requests", part.requests}});
  }
  return nlohmann::json{{"merged_from", from}}.dump();
}

std::string SimulationParameters::json() const {
  nlohmann::json j{{"source_trace", sourceTrace},
                   {"mode", mode},
                   {"copies", copies},
                   {"launcher", nlohmann::json::parse(launcherJson)}};
  if (value) {
    j["value"] = *value;
  }
  return j.dump();
}

std::string ValidationParameters::json() const {
  return nlohmann::json{{"validation", name}, {"load", load}, {"mode", "speed"}, {"value", speed}}
      .dump();
}

std::optional<int64_t> storedBlockTokens(const std::string& parametersJson) {
  const auto parameters = nlohmann::json::parse(parametersJson, nullptr, false);
  if (parameters.is_object() && parameters.contains("block_tokens") &&
      parameters["block_tokens"].is_number_integer()) {
    return parameters["block_tokens"].get<int64_t>();
  }
  return std::nullopt;
}

} // namespace tt
