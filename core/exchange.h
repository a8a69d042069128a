#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tt {

// How an exchange ended. Stored as text (see outcomeName) so the SQL views stay readable.
enum class Outcome {
  Ok,            // a complete response with a 2xx/3xx status
  HttpError,     // a complete response with a 4xx/5xx status
  UpstreamError, // no usable response: connect failure, reset, malformed response
  ClientAbort,   // the client went away before the response ended
  Timeout,       // an idle timeout fired
  Truncated,     // the response started but ended before its framing said it was complete
};

std::string_view outcomeName(Outcome outcome);
std::optional<Outcome> outcomeFromName(std::string_view name);

// The TGI route an exchange went to (docs/tgi.md, "Routes"); Other for everything else.
enum class Endpoint {
  Generate,       // POST /generate
  GenerateStream, // POST /generate_stream
  Compat,         // POST / (stream or not, by its "stream" field)
  Chat,           // POST /v1/chat/completions
  Completions,    // POST /v1/completions
  Tokenize,       // POST /tokenize
  Other,
};

std::string_view endpointName(Endpoint endpoint);
std::optional<Endpoint> endpointFromName(std::string_view name);
// The routes that generate tokens: what a replay sends by default (not /tokenize, /info, ...).
bool isGeneration(Endpoint endpoint);

using Headers = std::vector<std::pair<std::string, std::string>>;

// TGI's x-* timing headers on non-streaming answers (docs/tgi.md, "Response headers"), in
// microseconds (the wire carries milliseconds; x-compute-time carries seconds).
struct TgiTimings {
  std::optional<int64_t> totalUs;
  std::optional<int64_t> validationUs;
  std::optional<int64_t> queueUs;
  std::optional<int64_t> inferenceUs;
  std::optional<int64_t> timePerTokenUs;
  std::optional<int64_t> promptTokens;
  std::optional<int64_t> generatedTokens;

  friend bool operator==(const TgiTimings&, const TgiTimings&) = default;
};

// One request and its response: the record shared by capture, replay, import and simulation
// (README.md, "The database"). Every time is in microseconds on the trace's own time axis, whose
// zero is the trace's origin (the start of the capture, replay or import).
struct Exchange {
  int64_t id = 0;                         // assigned by the store
  std::optional<int64_t> sourceRequestId; // the request this one re-ran (replay, simulation)
  std::optional<std::string> session;     // conversation or session key, where a trace has one

  // Request.
  std::optional<int64_t> intendedUs; // when the plan meant to send it (replay, simulation)
  int64_t sentUs = 0;                // when it was sent (replay) or began to arrive (capture)
  std::string method = "POST";
  std::string path;
  Headers requestHeaders;    // as the client sent them, less credentials and hop-by-hop headers
  std::string clientAddress; // "ip:port" of the client (capture), kept out of requestHeaders
  std::string requestBody;   // empty when redacted or absent
  std::optional<std::string> requestBodySha256; // hex; set when the body was redacted
  int64_t requestBodyBytes = 0;                 // size on the wire, even when the body is not kept

  // TGI fields parsed from the request.
  Endpoint endpoint = Endpoint::Other;
  bool stream = false;
  std::optional<int64_t> inputBytes;   // size of `inputs` (or of the messages' text)
  std::optional<int64_t> inputTokens;  // where known: imported traces, x-prompt-tokens, details
  bool inputTokensEstimated = false;   // inputTokens is from the prompt's characters, not TGI
  std::optional<int64_t> maxNewTokens; // as requested; absent means TGI's automatic value
  std::string parameters;              // the request's `parameters` object as JSON, or empty
  std::vector<int64_t> prefixHashIds;  // block hash ids of the prompt (Mooncake traces)

  // Response.
  std::optional<int> status;
  Headers responseHeaders;
  std::string responseBody; // non-streaming bodies, or the raw SSE text unless redacted
  std::optional<int64_t> responseHeadersUs;
  std::vector<int64_t> tokenTimesUs; // arrival of every token event, in order
  std::optional<int64_t> endUs;
  std::optional<int64_t> outputTokens; // generated tokens: token events, details or the trace
  std::optional<std::string> finishReason;
  TgiTimings tgi;

  Outcome outcome = Outcome::Ok;
  std::string error; // what went wrong, for every outcome but Ok

  friend bool operator==(const Exchange&, const Exchange&) = default;
};

} // namespace tt
