#pragma once

#include "tgisim/filler.h"
#include "tgisim/tokenizer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt::tgisim {

// Identity strings of the simulated server (docs/tgi.md, "Non-streaming answers", "/info").
struct ServerIdentity {
  std::string modelId;
  std::string version = "3.3.6-dev0";
  std::string systemFingerprint() const { return version + "-native"; }
};

// How one sequence ended, as `/generate` names it: length, eos_token, stop_sequence.
struct SequenceEnd {
  std::string finishReason;
  int64_t generatedTokens = 0;
  std::optional<uint64_t> seed; // set when sampling
  int64_t inputLength = 0;
};

// `finish_reason` on the OpenAI routes: eos_token becomes "stop" (FinishReason::format(true)).
std::string_view openAiFinishReason(std::string_view reason);

// POST /generate (and each element of `/`): `details` only when asked (docs/tgi.md,
// "Non-streaming answers").
std::string generateResponseJson(const std::string& generatedText, const SequenceEnd* details,
                                 const std::vector<GenToken>& tokens);

// One /generate_stream event's data. `end` is set on the final event; `details` says whether
// its details are sent (else `null`).
std::string streamTokenJson(int64_t index, const GenToken& token, const std::string* generatedText,
                            const SequenceEnd* details);

// Chat completion, non-streaming.
std::string chatCompletionJson(const ServerIdentity& id, std::string_view model, int64_t created,
                               const std::string& content, std::string_view finishReason,
                               int64_t promptTokens, int64_t completionTokens);

// One chat.completion.chunk for a token; finishReason empty for all but the last.
std::string chatChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                          const GenToken& token, std::string_view finishReason);

// The usage chunk sent after the last token when stream_options.include_usage is true.
std::string chatUsageChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                               int64_t promptTokens, int64_t completionTokens);

struct CompletionChoice {
  size_t index = 0;
  std::string text;
  std::string finishReason;
  int64_t promptTokens = 0;
  int64_t completionTokens = 0;
};

// /v1/completions, non-streaming: choices in the order given (completion order).
std::string completionJson(const ServerIdentity& id, std::string_view model, int64_t created,
                           const std::vector<CompletionChoice>& choices);

// /v1/completions stream: a token of prompt `index`; the last one (finishReason set) carries
// usage.
std::string completionChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                                size_t index, const GenToken& token);
std::string completionFinalJson(const ServerIdentity& id, std::string_view model, int64_t created,
                                size_t index, const GenToken& token, std::string_view finishReason,
                                int64_t promptTokens, int64_t completionTokens);

// POST /tokenize
std::string tokenizeJson(const std::vector<TokenPiece>& pieces);
// POST /chat_tokenize: `{"tokenize_response":[...],"templated_text":...}`.
std::string chatTokenizeJson(const std::vector<TokenPiece>& pieces,
                             const std::string& templatedText);

} // namespace tt::tgisim
