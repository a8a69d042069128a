#include "core/tgi_response.h"

#include "core/http_headers.h"
#include "core/json_fields.h"
#include "core/tgi_body_scan.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace tt {
namespace {

using nlohmann::json;

std::optional<int64_t> parseInt(std::string_view s) {
  s = trimOws(s);
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> parseDouble(std::string_view s) {
  s = trimOws(s);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> msHeader(const Headers& headers, std::string_view name) {
  const std::string* v = findHeader(headers, name);
  if (v == nullptr) {
    return std::nullopt;
  }
  const auto ms = parseInt(*v);
  return ms ? std::optional<int64_t>(*ms * 1000) : std::nullopt;
}

std::optional<int64_t> countHeader(const Headers& headers, std::string_view name) {
  const std::string* v = findHeader(headers, name);
  return v == nullptr ? std::nullopt : parseInt(*v);
}

} // namespace

std::optional<int64_t> computeCharacters(const Headers& headers) {
  return countHeader(headers, "x-compute-characters");
}

TgiResponseInfo parseTgiResponse(std::string_view body) {
  std::optional<TgiResponseInfo> scanned = scanTgiResponse(body);
  return scanned ? std::move(*scanned) : parseTgiResponseDocument(body);
}

TgiResponseInfo parseTgiResponseDocument(std::string_view body) {
  TgiResponseInfo info;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    return info;
  }
  if (j.is_array() && j.size() == 1) {
    j = json(j.front()); // `/` wraps the GenerateResponse in an array
  }
  if (!j.is_object()) {
    return info;
  }
  const auto error = j.find("error");
  if (error != j.end() && error->is_string()) {
    info.valid = true;
    info.errorMessage = error->get<std::string>();
    info.errorType = stringField(j, "error_type");
    return info;
  }
  const auto details = j.find("details");
  if (j.contains("generated_text")) {
    info.valid = true;
    if (details != j.end() && details->is_object()) {
      info.finishReason = stringField(*details, "finish_reason");
      info.generatedTokens = intField(*details, "generated_tokens");
    }
    return info;
  }
  const auto choices = j.find("choices");
  if (choices != j.end() && choices->is_array()) {
    info.valid = true;
    if (!choices->empty() && choices->front().is_object()) {
      info.finishReason = stringField(choices->front(), "finish_reason");
    }
    const auto usage = j.find("usage");
    if (usage != j.end() && usage->is_object()) {
      info.generatedTokens = intField(*usage, "completion_tokens");
      info.promptTokens = intField(*usage, "prompt_tokens");
    }
  }
  return info;
}

TgiTimings parseTgiTimings(const Headers& headers) {
  TgiTimings t;
  const std::string* compute = findHeader(headers, "x-compute-time");
  const auto seconds = compute == nullptr ? std::nullopt : parseDouble(*compute);
  t.totalUs = seconds ? std::optional<int64_t>(std::llround(*seconds * 1e6))
                      : msHeader(headers, "x-total-time");
  t.validationUs = msHeader(headers, "x-validation-time");
  t.queueUs = msHeader(headers, "x-queue-time");
  t.inferenceUs = msHeader(headers, "x-inference-time");
  t.timePerTokenUs = msHeader(headers, "x-time-per-token");
  t.promptTokens = countHeader(headers, "x-prompt-tokens");
  t.generatedTokens = countHeader(headers, "x-generated-tokens");
  return t;
}

} // namespace tt
