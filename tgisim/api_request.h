#pragma once

#include "core/serde_reader.h"
#include "sim/validation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tt::tgisim {

// What the scheduler path needs of one generation request, after the route's mapping.
struct GenerateRequest {
  std::string inputs;
  sim::GenerateParams params;   // as the body gives them (unset = key absent)
  bool stream = false;          // `/` compat: "stream"
  bool addSpecialTokens = true; // false for chat (the template already has them)
};

struct ChatRequest {
  std::optional<std::string> model;
  bool stream = false;
  bool includeUsage = false;
  bool hasTools = false;
  bool hasResponseFormat = false;
  GenerateRequest generate; // the mapped request (inputs = templated text)
};

struct CompletionRequest {
  std::optional<std::string> model;
  std::vector<std::string> prompts;
  bool stream = false;
  bool hasSuffix = false;
  GenerateRequest generate; // parameters shared by every prompt (inputs unset)
};

// Content-Type check of axum's Json extractor: `application/json` or `application/*+json`.
bool isJsonContentType(const std::string* contentType);
// The 415 axum answers when it fails.
TgiRejection unsupportedMediaType();

// Each route's body read into TGI's request types (core/tgi_request_body.h), or axum's 400/422.
std::variant<GenerateRequest, TgiRejection> decodeGenerate(std::string_view body, bool compat);
std::variant<ChatRequest, TgiRejection> decodeChat(std::string_view body);
std::variant<CompletionRequest, TgiRejection> decodeCompletion(std::string_view body);

} // namespace tt::tgisim
