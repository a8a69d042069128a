#include "proxy/capture.h"

#include "core/tgi_request.h"
#include "core/tgi_response.h"
#include "proxy/sha256.h"

#include <nlohmann/json.hpp>

namespace tt::proxy {
namespace {

using nlohmann::json;

json redacted(const std::string& text) {
  return json{{"length", text.size()}, {"sha256", sha256Hex(text)}};
}

// Replaces a string (or each string of an array) in place; false when the shape is unknown.
bool redactValue(json& value) {
  if (value.is_string()) {
    value = redacted(value.get_ref<const std::string&>());
    return true;
  }
  if (value.is_array()) {
    for (json& item : value) {
      if (item.is_string()) {
        item = redacted(item.get_ref<const std::string&>());
      } else if (item.is_object() && item.contains("text") && item["text"].is_string()) {
        item["text"] = redacted(item["text"].get_ref<const std::string&>());
      } else if (!item.is_object()) {
        return false;
      }
    }
    return true;
  }
  return value.is_null();
}

} // namespace

std::optional<std::string> redactPrompts(Endpoint endpoint, std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return std::nullopt;
  }
  bool ok = true;
  switch (endpoint) {
  case Endpoint::Generate:
  case Endpoint::GenerateStream:
  case Endpoint::Compat:
  case Endpoint::Tokenize:
    ok = doc.contains("inputs") && redactValue(doc["inputs"]);
    break;
  case Endpoint::Chat:
    if (!doc.contains("messages") || !doc["messages"].is_array()) {
      return std::nullopt;
    }
    for (json& message : doc["messages"]) {
      if (message.is_object() && message.contains("content")) {
        ok = ok && redactValue(message["content"]);
      }
    }
    break;
  case Endpoint::Completions:
    ok = doc.contains("prompt") && redactValue(doc["prompt"]);
    break;
  case Endpoint::Other:
    return std::nullopt;
  }
  if (!ok) {
    return std::nullopt;
  }
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

uint32_t packExtras(const CaptureExtras& extras) {
  return static_cast<uint32_t>(extras.redact) | (extras.requestBodyCut ? 4U : 0U) |
         (extras.responseBodyCut ? 8U : 0U) | (extras.sse ? 16U : 0U);
}

CaptureExtras unpackExtras(uint32_t packed) {
  CaptureExtras extras;
  extras.redact = static_cast<Redact>(packed & 3U);
  extras.requestBodyCut = (packed & 4U) != 0;
  extras.responseBodyCut = (packed & 8U) != 0;
  extras.sse = (packed & 16U) != 0;
  return extras;
}

void applyStreamTally(Exchange& record, const TgiStreamTally& tally) {
  record.outputTokens = tally.outputTokens();
  record.finishReason = tally.finishReason();
  if (tally.promptTokens()) { // details.input_length, or the usage chunk
    record.inputTokens = tally.promptTokens();
  } else if (const auto characters = computeCharacters(record.responseHeaders)) {
    record.inputTokens = estimatedTokens(*characters);
    record.inputTokensEstimated = true;
  }
  if (tally.sawError() && record.outcome == Outcome::Ok) {
    record.outcome = Outcome::HttpError;
    record.error = "error event in the stream: " + tally.errorMessage();
  }
}

void completeRecord(Exchange& record, const CaptureExtras& extras) noexcept {
  try {
    if (record.endpoint != Endpoint::Other && !extras.requestBodyCut) {
      const TgiRequestFields fields = parseTgiRequest(record.endpoint, record.requestBody);
      applyTgiRequest(record, record.endpoint, fields);
    }
    switch (extras.redact) {
    case Redact::None:
      break;
    case Redact::Prompts: {
      std::optional<std::string> kept;
      if (!extras.requestBodyCut) {
        kept = redactPrompts(record.endpoint, record.requestBody);
      }
      record.requestBody = kept.value_or(std::string());
      break;
    }
    case Redact::Bodies:
      record.requestBody.clear();
      record.responseBody.clear();
      break;
    }
    if (extras.sse) {
      return; // applyStreamTally did the rest on the loop
    }
    record.tgi = parseTgiTimings(record.responseHeaders);
    if (record.tgi.promptTokens) {
      record.inputTokens = record.tgi.promptTokens;
    }
    if (record.tgi.generatedTokens) {
      record.outputTokens = record.tgi.generatedTokens;
    }
    if (record.endpoint != Endpoint::Other && !extras.responseBodyCut &&
        !record.responseBody.empty()) {
      const TgiResponseInfo info = parseTgiResponse(record.responseBody);
      if (info.finishReason) {
        record.finishReason = info.finishReason;
      }
      if (info.generatedTokens && !record.outputTokens) {
        record.outputTokens = info.generatedTokens;
      }
      if (info.promptTokens && !record.inputTokens) {
        record.inputTokens = info.promptTokens;
      }
      if (info.errorMessage && record.outcome == Outcome::HttpError && record.error.empty()) {
        record.error = *info.errorMessage;
      }
    }
  } catch (...) {
    // Capture is best effort: a record that cannot be completed keeps what it has.
  }
}

void completePackedRecord(Exchange& record, uint32_t packedExtras) noexcept {
  completeRecord(record, unpackExtras(packedExtras));
}

} // namespace tt::proxy
