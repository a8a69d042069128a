#pragma once

#include "core/exchange.h"
#include "core/serde_reader.h"
#include "core/tgi_generate_parameters.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// One part of a chat message's content array (an object; other elements are skipped).
struct TgiContentChunk {
  std::optional<std::string> type; // when a string
  std::optional<std::string> text; // when a string
};

// A chat message (an object; other elements are refused).
struct TgiMessage {
  std::string role;
  std::optional<std::string> content;  // written as a string
  std::vector<TgiContentChunk> chunks; // written as an array
  // What TGI's chat template takes: the string, or the `text` chunks' texts joined.
  std::string text() const;
};

// The prompt member of a route (`inputs`, `messages` or `prompt`), as written.
struct TgiPrompt {
  std::optional<std::string> text; // written as a string
  // Completions: written as an array; nullopt for an element that is not a string.
  std::optional<std::vector<std::optional<std::string>>> texts;
  std::optional<std::vector<TgiMessage>> messages; // chat: written as an array
};

// A TGI request body read into TGI's request types, for one route (docs/tgi.md, "Request
// parameters"). Members read as written where they have the type TGI gives them; `rejection` is how
// TGI refuses the body (serde's first error), and what did read is kept all the same, so that a
// record of a refused request still says what it asked for.
struct TgiRequest {
  bool object = false; // the body is a JSON object
  std::optional<TgiRejection> rejection;
  TgiPrompt prompt;
  std::optional<bool> stream;           // `/` and the OpenAI routes, when a boolean
  std::optional<bool> addSpecialTokens; // /generate, /generate_stream, /tokenize, when a boolean
  // Generate routes: `parameters` (TGI's defaults when absent); OpenAI routes: their sampling
  // members mapped to them as TGI's handlers map them.
  TgiGenerateParameters parameters;
  // Generate routes: `parameters` as written when an object; OpenAI routes: the body less its
  // prompt. Members in the body's order.
  std::string parametersJson;

  // OpenAI routes.
  std::optional<std::string> model;
  bool includeUsage = false; // stream_options.include_usage
  bool hasTools = false;
  bool hasResponseFormat = false;
  bool hasSuffix = false;
  std::optional<int64_t> maxTokens;           // when an integer
  std::optional<int64_t> maxCompletionTokens; // when an integer
};

// Reads `body` as TGI's handler for `endpoint` would; never throws. Endpoint::Other reads only
// whether the body is an object.
TgiRequest decodeTgiRequest(Endpoint endpoint, std::string_view body);

} // namespace tt
