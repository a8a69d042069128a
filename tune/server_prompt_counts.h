#pragma once

#include "core/exchange.h"
#include "schema/store.h"
#include "tune/captured_streams.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt::tune {

// `calibrate --tokenize-url`: the server's own /tokenize counts the prompts whose size the capture
// does not know from the server (docs/calibrate.md, "Prompt sizes from /tokenize").
struct TokenizeOptions {
  std::string url;             // http://host:port of a server with the captured server's tokenizer
  int connections = 4;         // requests in flight at once
  uint64_t timeoutMs = 30'000; // per request, connect included
};

struct TokenizeOutcome {
  int64_t tokenized = 0; // prompts counted by /tokenize or /chat_tokenize
  int64_t chat = 0;      // of them, chat requests (templated by the server's /chat_tokenize)
  int64_t noPrompt = 0;  // no body kept (redacted), or a body whose prompt cannot be sent alone
};

// What to POST to count a captured generation request's prompt as the server did: its `inputs`
// (or one completions prompt) to /tokenize, with the request's `parameters.truncate` (TGI's
// input_length is min(tokens, truncate)); a chat request's body as it came to /chat_tokenize,
// which renders the messages with the model's own chat template (what generation counted).
// Nothing for a completions request of several prompts, or a body without a prompt.
struct TokenizeRequest {
  std::string path; // "/tokenize" or "/chat_tokenize"
  std::string body;
  std::optional<int64_t> truncate;
};
std::optional<TokenizeRequest> tokenizeRequestFor(Endpoint endpoint, std::string_view body);

// Counts, through POST {url}/tokenize or /chat_tokenize, the prompt of every streamed request of
// `traffic` whose count is not the server's own, sets it as counted (`promptTokenized`) and
// re-learns the tokens-per-byte ratio for the prompts left. Throws CalibrationError, one line, when
// the URL does not answer or answers something other than a token list.
TokenizeOutcome countPromptsWithServer(Store& store, CapturedTraffic& traffic,
                                       const TokenizeOptions& options);

} // namespace tt::tune
