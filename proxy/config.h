#pragma once

#include "core/http_parser.h"
#include "core/url.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tt::proxy {

// What capture keeps of bodies (docs/proxy.md, "Redaction").
enum class Redact {
  None,    // bodies stored as received (up to Config::captureBodyBytes)
  Prompts, // the prompt (inputs, messages' content, prompt) replaced by its length and SHA-256
  Bodies,  // no request or response body; the request body's SHA-256 only
};

inline constexpr std::array kRedactNames{
    std::pair{Redact::None, std::string_view{"none"}},
    std::pair{Redact::Prompts, std::string_view{"prompts"}},
    std::pair{Redact::Bodies, std::string_view{"bodies"}},
};

std::optional<Redact> redactFromName(std::string_view name);

struct Config {
  std::string listenHost = "127.0.0.1";
  int listenPort = 0; // 0: any free port (tests)
  HttpUrl upstream;   // host must resolve at start
  Redact redact = Redact::None;

  // Client leg: what a client controls is bounded (docs/proxy.md, "Limits on what a client
  // controls").
  size_t maxConnections = 20'000;    // open client connections; more are closed at once
  size_t maxHeaderBytes = 32 * 1024; // request line + headers (431)
  size_t maxHeaders = 100;           // header lines (431)
  size_t maxUrlBytes = 8 * 1024;     // request target (414)
  uint64_t maxBodyBytes = 0; // 0: no limit (413 above it; TGI enforces its own payload limit)
  // Upstream leg: a response head over this is a bad gateway (502).
  size_t maxResponseHeaderBytes = 64 * 1024;

  // Timeouts, in milliseconds. None of them bounds a whole response.
  int64_t headerTimeoutMs = 60'000;    // from the first byte of a request head to its end (408)
  int64_t keepAliveTimeoutMs = 75'000; // an idle client connection between requests
  int64_t idleTimeoutMs = 300'000;     // no byte moved either way while an exchange is open
  int64_t connectTimeoutMs = 5'000;    // upstream TCP connect
  int64_t lingerMs = 5'000;            // reading and discarding after an error answer

  // Backpressure: upstream reads stop when the client's write queue holds highWatermark bytes
  // and resume at lowWatermark (the same for request bodies towards the upstream).
  size_t highWatermark = 64 * 1024;
  size_t lowWatermark = 32 * 1024;
  size_t pipelineBytes = 64 * 1024; // pipelined request bytes held while a response is open

  size_t maxIdleUpstream = 256;          // idle keep-alive connections kept to the upstream
  size_t captureBodyBytes = 1024 * 1024; // per body; a longer body is stored cut to this
  size_t maxSseEventBytes = 1024 * 1024; // an SSE event longer than this stops event timing
};

} // namespace tt::proxy
