#pragma once

#include "core/exchange.h"
#include "core/url.h"
#include "replay/prompt_synth.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tt::replay {

struct SendOptions {
  std::optional<Endpoint> endpoint; // --endpoint: re-target every request; else as recorded
  Headers extraHeaders;             // --header, replacing recorded headers of the same name
  SynthOptions synth;
  std::string model = "tgi"; // `model` of OpenAI-route bodies built here
};

struct OutgoingRequest {
  std::string method = "POST";
  std::string path; // without the target's prefix
  Headers headers;  // without Host and Content-Length (serializeRequest adds them)
  std::string body;
  Endpoint endpoint = Endpoint::Other;
  bool stream = false;
  std::optional<int64_t> maxNewTokens;
  bool synthesized = false; // the prompt was made up from the recorded length
};

// What goes out for one source request (docs/replay.md, "What is sent"):
// - a recorded body with no --endpoint change, and any request that generates nothing (/info,
//   /tokenize, ...), goes out byte for byte, with its method, path and headers minus hop-by-hop
//   headers, credentials, Host, Content-Length and Expect;
// - otherwise the prompt (the recorded one, read from the body, or one synthesized to
//   inputTokens) goes into a body built for the endpoint, with max_new_tokens = the recorded
//   output length (at least 1; TGI refuses 0).
// `salt` makes synthesized text unique per request.
OutgoingRequest buildRequest(const Exchange& source, uint64_t salt, const SendOptions& options);

// The max_new_tokens (max_tokens) of the request buildRequest makes for `source`: a recorded
// body's own (none when the body has none), else the recorded one or the recorded output length,
// at least 1; none when neither is known. `tracetune simulate` asks the simulated TGI for the same.
std::optional<int64_t> sentMaxNewTokens(const Exchange& source, const SendOptions& options);

// The request on the wire: request line (target prefix + path), Host, headers, Content-Length.
std::string serializeRequest(const OutgoingRequest& request, const HttpUrl& target);

// The body TGI expects on `endpoint` for a prompt (generate, generate_stream, compat, chat,
// completions; the streaming form except for generate).
std::string bodyFor(Endpoint endpoint, const std::string& prompt,
                    std::optional<int64_t> maxNewTokens, const std::string& model);

} // namespace tt::replay
