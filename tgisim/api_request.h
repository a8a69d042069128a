#pragma once

#include "sim/validation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tt::tgisim {

// A body axum's extractors refuse before TGI's handler runs (docs/tgi.md, "Error bodies"): a
// text/plain answer.
struct Rejection {
  int status = 400;
  std::string body;
};

// What the scheduler path needs of one generation request, after the route's mapping.
struct GenerateRequest {
  std::string inputs;
  sim::GenerateParams params; // the validation view (unset = key absent)
  bool details = false;
  bool decoderInputDetails = false;
  std::optional<bool> returnFullText;
  std::vector<std::string> stop;
  bool stream = false;          // `/` compat: "stream"
  bool addSpecialTokens = true; // false for chat (the template already has them)
};

struct ChatMessage {
  std::string role;
  std::string content;
};

struct ChatRequest {
  std::optional<std::string> model;
  std::vector<ChatMessage> messages;
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
Rejection unsupportedMediaType();
// The 413 of DefaultBodyLimit.
Rejection payloadTooLarge();

// serde deserialization of each route's body, with axum's 400/422 rejections.
std::variant<GenerateRequest, Rejection> decodeGenerate(std::string_view body, bool compat);
std::variant<ChatRequest, Rejection> decodeChat(std::string_view body);
std::variant<CompletionRequest, Rejection> decodeCompletion(std::string_view body);

// The chat template of the stand-in model (README.md): ChatML markers.
std::string applyChatTemplate(const std::vector<ChatMessage>& messages);

} // namespace tt::tgisim
