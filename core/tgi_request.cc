#include "core/tgi_request.h"

#include "core/json_fields.h"
#include "core/tgi_body_scan.h"

#include <nlohmann/json.hpp>

namespace tt {
namespace {

// Keeps the members in the body's order, so that `parameters` reads as the body does (and as
// scanTgiRequest's copy of its text).
using json = nlohmann::ordered_json;

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The text size of chat messages: string contents, and the `text` parts of content arrays.
int64_t messagesBytes(const json& messages) {
  int64_t total = 0;
  for (const auto& m : messages) {
    if (!m.is_object()) {
      continue;
    }
    const auto content = m.find("content");
    if (content == m.end()) {
      continue;
    }
    if (content->is_string()) {
      total += static_cast<int64_t>(content->get_ref<const std::string&>().size());
    } else if (content->is_array()) {
      for (const auto& part : *content) {
        const auto text = part.is_object() ? part.find("text") : part.end();
        if (part.is_object() && text != part.end() && text->is_string()) {
          total += static_cast<int64_t>(text->get_ref<const std::string&>().size());
        }
      }
    }
  }
  return total;
}

std::optional<int64_t> promptBytes(const json& prompt) {
  if (prompt.is_string()) {
    return static_cast<int64_t>(prompt.get_ref<const std::string&>().size());
  }
  if (!prompt.is_array()) {
    return std::nullopt;
  }
  int64_t total = 0;
  for (const auto& p : prompt) {
    if (p.is_string()) {
      total += static_cast<int64_t>(p.get_ref<const std::string&>().size());
    }
  }
  return total;
}

bool streamFlag(const json& body) {
  const auto it = body.find("stream");
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

void parseGenerate(const json& body, Endpoint endpoint, TgiRequestFields& out) {
  const auto inputs = body.find("inputs");
  if (inputs != body.end() && inputs->is_string()) {
    out.inputBytes = static_cast<int64_t>(inputs->get_ref<const std::string&>().size());
  }
  const auto params = body.find("parameters");
  if (params != body.end() && params->is_object()) {
    out.parameters = dumpJson(*params);
    out.maxNewTokens = intField(*params, "max_new_tokens");
  }
  out.stream =
      endpoint == Endpoint::GenerateStream || (endpoint == Endpoint::Compat && streamFlag(body));
}

void parseOpenAi(const json& body, const char* promptKey, TgiRequestFields& out) {
  const auto prompt = body.find(promptKey);
  if (prompt != body.end()) {
    out.inputBytes = prompt->is_array() && std::string_view(promptKey) == "messages"
                         ? std::optional<int64_t>(messagesBytes(*prompt))
                         : promptBytes(*prompt);
  }
  out.maxNewTokens = intField(body, "max_tokens");
  if (!out.maxNewTokens) {
    out.maxNewTokens = intField(body, "max_completion_tokens");
  }
  out.stream = streamFlag(body);
  json rest = body;
  rest.erase(promptKey);
  out.parameters = dumpJson(rest);
}

} // namespace

int64_t estimatedTokens(int64_t characters) {
  return (characters + 3) / 4;
}

Endpoint endpointFor(std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (method != "POST") {
    return Endpoint::Other;
  }
  if (path == "/generate") {
    return Endpoint::Generate;
  }
  if (path == "/generate_stream") {
    return Endpoint::GenerateStream;
  }
  if (path == "/") {
    return Endpoint::Compat;
  }
  if (path == "/v1/chat/completions") {
    return Endpoint::Chat;
  }
  if (path == "/v1/completions") {
    return Endpoint::Completions;
  }
  if (path == "/tokenize") {
    return Endpoint::Tokenize;
  }
  return Endpoint::Other;
}

TgiRequestFields parseTgiRequest(Endpoint endpoint, std::string_view body) {
  std::optional<TgiRequestFields> scanned = scanTgiRequest(endpoint, body);
  return scanned ? std::move(*scanned) : parseTgiRequestDocument(endpoint, body);
}

TgiRequestFields parseTgiRequestDocument(Endpoint endpoint, std::string_view body) {
  TgiRequestFields out;
  out.stream = endpoint == Endpoint::GenerateStream;
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = "request body is not a JSON object";
    return out;
  }
  out.valid = true;
  switch (endpoint) {
  case Endpoint::Generate:
  case Endpoint::GenerateStream:
  case Endpoint::Compat:
  case Endpoint::Tokenize:
    parseGenerate(j, endpoint, out);
    break;
  case Endpoint::Chat:
    parseOpenAi(j, "messages", out);
    break;
  case Endpoint::Completions:
    parseOpenAi(j, "prompt", out);
    break;
  case Endpoint::Other:
    break;
  }
  return out;
}

void applyTgiRequest(Exchange& exchange, Endpoint endpoint, const TgiRequestFields& fields) {
  exchange.endpoint = endpoint;
  exchange.stream = fields.stream;
  exchange.inputBytes = fields.inputBytes;
  exchange.maxNewTokens = fields.maxNewTokens;
  exchange.parameters = fields.parameters;
}

} // namespace tt
