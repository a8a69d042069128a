#pragma once

#include "core/exchange.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt {

// What a non-streaming TGI response body says: /generate, `/` (a one-element array), chat and
// completions, or a TGI error body (docs/tgi.md, "Non-streaming answers", "Error bodies").
struct TgiResponseInfo {
  bool valid = false; // the body is JSON of a known shape
  std::optional<std::string> finishReason;
  std::optional<int64_t> generatedTokens; // details.generated_tokens / usage.completion_tokens
  std::optional<int64_t> promptTokens;    // usage.prompt_tokens
  std::optional<std::string> errorMessage;
  std::optional<std::string> errorType;
};

// Reads the body with scanTgiResponse (core/tgi_body_scan.h), else with parseTgiResponseDocument.
TgiResponseInfo parseTgiResponse(std::string_view body);
// The same from an nlohmann document: slower, and sure of every body.
TgiResponseInfo parseTgiResponseDocument(std::string_view body);

// TGI's x-* headers on non-streaming answers (docs/tgi.md, "Response headers"): ms on the wire,
// x-compute-time in seconds. x-compute-time (the same total, finer) is preferred over x-total-time
// when both are present.
TgiTimings parseTgiTimings(const Headers& headers);
// TGI's x-compute-characters: the prompt's characters after templating. Streamed answers carry it
// where non-streamed ones carry x-prompt-tokens.
std::optional<int64_t> computeCharacters(const Headers& headers);

} // namespace tt
