#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt {

enum class TgiEventKind {
  Token, // one generated token, more to come
  Final, // the last token of a sequence (it is a token too), with finish_reason
  Usage, // an OpenAI chunk with no choices and the usage totals
  Error, // an error delivered inside the stream
  Done,  // `[DONE]` (OpenAI routes only)
  Other, // not JSON, or not a shape TGI sends
};


// What one SSE event's data says, for /generate_stream (and `/` streaming) and for the
// OpenAI chat and completions chunk formats (docs/tgi.md, "Streaming bytes", "Error bodies").
struct TgiEvent {
  TgiEventKind kind = TgiEventKind::Other;
  std::optional<std::string> finishReason;
  std::optional<int64_t> generatedTokens;   // details.generated_tokens / usage.completion_tokens
  std::optional<int64_t> promptTokens;      // details.input_length / usage.prompt_tokens
  std::optional<std::string> generatedText; // /generate_stream final event
  std::optional<int64_t> index;             // /generate_stream `index`, OpenAI choice index
  std::string errorMessage;
  std::string errorType;          // error_type, or "" for OpenAI stream errors
  std::optional<int> errorStatus; // OpenAI stream errors' http_status_code
};

// Classifies one event's data (the joined `data:` lines). Never throws.
TgiEvent classifyTgiEvent(std::string_view data);

// Counts a stream's tokens and remembers how it ended; feed it every event's data in order.
class TgiStreamTally {
public:
  // Returns the event's classification after counting it.
  TgiEvent add(std::string_view data);
  // Counts an event the caller already knows is TgiEventKind::Token, without parsing it.
  void addToken() { ++tokens_; }

  int64_t tokens() const { return tokens_; }
  bool sawFinal() const { return finals_ > 0; }
  bool sawDone() const { return done_; }
  bool sawError() const { return error_; }
  const std::optional<std::string>& finishReason() const { return finishReason_; }
  // The server's own count when it sent one (details or usage), else the token events seen.
  int64_t outputTokens() const { return reported_.value_or(tokens_); }
  const std::optional<int64_t>& promptTokens() const { return promptTokens_; }
  const std::string& errorMessage() const { return errorMessage_; }

private:
  int64_t tokens_ = 0;
  int64_t finals_ = 0;
  bool done_ = false;
  bool error_ = false;
  std::optional<std::string> finishReason_;
  std::optional<int64_t> reported_;
  std::optional<int64_t> promptTokens_;
  std::string errorMessage_;
};

} // namespace tt
