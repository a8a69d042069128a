#include "core/tgi_error.h"

#include <nlohmann/json.hpp>

namespace tt {
namespace {

using nlohmann::ordered_json;

std::string dumpJson(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

} // namespace

TgiErrorSpec tgiErrorSpec(TgiErrorKind kind) {
  switch (kind) {
  case TgiErrorKind::Generation:
    return {424, "generation", "Request failed during generation: "};
  case TgiErrorKind::Overloaded:
    return {429, "overloaded", "Model is overloaded"};
  case TgiErrorKind::Validation:
    return {422, "validation", "Input validation error: "};
  case TgiErrorKind::IncompleteGeneration:
    return {500, "incomplete_generation", "Incomplete generation"};
  case TgiErrorKind::IncompleteGenerationStream:
    return {500, "incomplete_generation_stream", "Incomplete generation stream"};
  case TgiErrorKind::Template:
    return {422, "template_error", "Template error: "};
  case TgiErrorKind::Tool:
    return {422, "tool_error", "Tool error: "};
  case TgiErrorKind::Unhealthy:
    return {503, "healthcheck", "unhealthy"};
  }
  return {500, "unknown", ""};
}

std::string tgiErrorBody(std::string_view message, std::string_view errorType) {
  ordered_json j;
  j["error"] = message;
  j["error_type"] = errorType;
  return dumpJson(j);
}

std::string tgiErrorBody(TgiErrorKind kind, std::string_view detail) {
  const TgiErrorSpec spec = tgiErrorSpec(kind);
  const bool takesDetail = !spec.prefix.empty() && spec.prefix.back() == ' ';
  std::string message(spec.prefix);
  if (takesDetail) {
    message += detail;
  }
  return tgiErrorBody(message, spec.type);
}

std::string tgiOpenAiStreamError(std::string_view message) {
  ordered_json j;
  j["error"]["message"] = message;
  j["error"]["http_status_code"] = 422;
  return dumpJson(j);
}

void appendSseData(std::string& out, std::string_view data) {
  out += "data: ";
  out += data;
  out += "\n\n";
}

} // namespace tt
