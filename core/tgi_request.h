#pragma once

#include "core/exchange.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt {

// The TGI route of a request (docs/tgi.md, "Routes"); the query string is ignored.
Endpoint endpointFor(std::string_view method, std::string_view target);
// The path of a route; "unknown" for Endpoint::Other.
std::string_view endpointPath(Endpoint endpoint);

// A prompt's tokens estimated from its size, where no tokenizer count is known: characters (or
// bytes) / 4 rounded up, the usual ratio for English text with Llama-family tokenizers.
int64_t estimatedTokens(int64_t characters);

// What a TGI request body says about the work it asks for.
struct TgiRequestFields {
  bool valid = false;                  // the body is a JSON object
  bool stream = false;                 // the answer is SSE
  std::optional<int64_t> inputBytes;   // `inputs`, the messages' text, or the prompt(s), in bytes
  std::optional<int64_t> maxNewTokens; // `parameters.max_new_tokens`, `max_tokens`
  std::string parameters; // `parameters` as JSON; for OpenAI routes the body less its prompt
  std::string error;      // why the body is not valid
};

// Parses a request body for `endpoint`; never throws. Endpoint::GenerateStream implies stream.
// Reads the body with scanTgiRequest (core/tgi_body_scan.h), else with parseTgiRequestDocument.
TgiRequestFields parseTgiRequest(Endpoint endpoint, std::string_view body);
// The same from TGI's request types (core/tgi_request_body.h): slower, and sure of every body.
TgiRequestFields parseTgiRequestDocument(Endpoint endpoint, std::string_view body);

// Copies the fields into the exchange (endpoint, stream, inputBytes, maxNewTokens, parameters).
void applyTgiRequest(Exchange& exchange, Endpoint endpoint, const TgiRequestFields& fields);

} // namespace tt
