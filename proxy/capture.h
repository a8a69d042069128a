#pragma once

#include "core/exchange.h"
#include "core/tgi_stream.h"
#include "proxy/config.h"

#include <optional>
#include <string>
#include <string_view>

namespace tt::proxy {

// The prompt of a TGI request body replaced by `{"length":N,"sha256":"..."}` (N in bytes):
// `inputs` (/generate, /generate_stream, /, /tokenize), every message's text (chat), `prompt`
// (completions). nullopt when the body is not JSON of the endpoint's shape: then no body is kept.
std::optional<std::string> redactPrompts(Endpoint endpoint, std::string_view body);

// What a session gathered while it forwarded one exchange, besides the record itself.
struct CaptureExtras {
  Redact redact = Redact::None;
  bool requestBodyCut = false; // the stored request body is a prefix (captureBodyBytes)
  bool responseBodyCut = false;
  std::optional<std::string> requestSha256; // of the whole request body, when redacting
  bool sse = false;                         // the response was an event stream
  const TgiStreamTally* tally = nullptr;    // its events, when sse
};

// Fills the derived fields of a finished exchange: TGI request fields, redaction, token counts,
// finish reason, TGI timing headers, in-stream errors. Never throws.
void completeRecord(Exchange& record, const CaptureExtras& extras) noexcept;

} // namespace tt::proxy
