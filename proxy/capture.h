#pragma once

#include "core/exchange.h"
#include "core/tgi_stream.h"
#include "proxy/config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt::proxy {

// The prompt of a TGI request body replaced by `{"length":N,"sha256":"..."}` (N in bytes):
// `inputs` (/generate, /generate_stream, /, /tokenize), every message's text (chat), `prompt`
// (completions). nullopt when the body is not JSON of the endpoint's shape: then no body is kept.
std::optional<std::string> redactPrompts(Endpoint endpoint, std::string_view body);

// What a session gathered while it forwarded one exchange, besides the record itself and the
// request body's SHA-256 (already in the record when redacting).
struct CaptureExtras {
  Redact redact = Redact::None;
  bool requestBodyCut = false; // the stored request body is a prefix (captureBodyBytes)
  bool responseBodyCut = false;
  bool sse = false; // the response was an event stream (its tally is applied already)

  friend bool operator==(const CaptureExtras&, const CaptureExtras&) = default;
};

// CaptureExtras in a few bits and back, to travel with a record through the capture writer.
uint32_t packExtras(const CaptureExtras& extras);
CaptureExtras unpackExtras(uint32_t packed);

// What an event stream told about its exchange: token counts, finish reason, prompt tokens and
// an error event (which turns an Ok outcome into HttpError). Cheap: runs on the event loop.
void applyStreamTally(Exchange& record, const TgiStreamTally& tally);

// Fills the fields that take JSON parsing: TGI request fields, redaction, and for answers that
// are not streams the token counts, finish reason, TGI timing headers and error message. Runs
// off the event loop (the capture writer thread). Never throws.
void completeRecord(Exchange& record, const CaptureExtras& extras) noexcept;
// completeRecord with packed extras: the capture writer's DeferredWork.
void completePackedRecord(Exchange& record, uint32_t packedExtras) noexcept;

} // namespace tt::proxy
