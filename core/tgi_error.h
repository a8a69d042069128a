#pragma once

#include <string>
#include <string_view>

namespace tt {

// TGI's error kinds (docs/tgi.md, "Error bodies") with their status, error_type and message prefix.
enum class TgiErrorKind {
  Generation,                 // 424 generation "Request failed during generation: "
  Overloaded,                 // 429 overloaded "Model is overloaded"
  Validation,                 // 422 validation "Input validation error: "
  IncompleteGeneration,       // 500 incomplete_generation
  IncompleteGenerationStream, // 500 incomplete_generation_stream
  Template,                   // 422 template_error "Template error: "
  Tool,                       // 422 tool_error "Tool error: "
  Unhealthy,                  // 503 healthcheck "unhealthy"
};

struct TgiErrorSpec {
  int status;
  std::string_view type;
  std::string_view prefix; // the message is prefix + detail
};

TgiErrorSpec tgiErrorSpec(TgiErrorKind kind);

// `{"error":"<message>","error_type":"<type>"}` with JSON escaping, as TGI writes it.
std::string tgiErrorBody(std::string_view message, std::string_view errorType);

// The body for `kind` with `detail` after its prefix (Overloaded, Incomplete*: detail unused).
std::string tgiErrorBody(TgiErrorKind kind, std::string_view detail = {});

// The data of an error inside an OpenAI-route stream: `{"error":{"message":..,
// "http_status_code":422}}` (TGI hard-codes 422).
std::string tgiOpenAiStreamError(std::string_view message);

// Appends one SSE event `data: <data>\n\n` the way axum writes it.
void appendSseData(std::string& out, std::string_view data);

} // namespace tt
