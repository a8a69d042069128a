#include "core/tgi_request.h"

#include "core/enum_names.h"
#include "core/tgi_body_scan.h"
#include "core/tgi_request_body.h"

#include <array>

namespace tt {
namespace {

constexpr std::array kEndpointPaths{
    std::pair{Endpoint::Generate, std::string_view{"/generate"}},
    std::pair{Endpoint::GenerateStream, std::string_view{"/generate_stream"}},
    std::pair{Endpoint::Compat, std::string_view{"/"}},
    std::pair{Endpoint::Chat, std::string_view{"/v1/chat/completions"}},
    std::pair{Endpoint::Completions, std::string_view{"/v1/completions"}},
    std::pair{Endpoint::Tokenize, std::string_view{"/tokenize"}},
};

int64_t sizeOf(const std::string& text) {
  return static_cast<int64_t>(text.size());
}

// The text a chat's messages carry: string contents, and the `text` of every content chunk.
int64_t messagesBytes(const std::vector<TgiMessage>& messages) {
  int64_t total = 0;
  for (const auto& m : messages) {
    total += m.content ? sizeOf(*m.content) : 0;
    for (const auto& chunk : m.chunks) {
      total += chunk.text ? sizeOf(*chunk.text) : 0;
    }
  }
  return total;
}

std::optional<int64_t> promptBytes(const TgiPrompt& prompt) {
  if (prompt.messages) {
    return messagesBytes(*prompt.messages);
  }
  if (prompt.text) {
    return sizeOf(*prompt.text);
  }
  if (!prompt.texts) {
    return std::nullopt;
  }
  int64_t total = 0;
  for (const auto& text : *prompt.texts) {
    total += text ? sizeOf(*text) : 0;
  }
  return total;
}

} // namespace

int64_t estimatedTokens(int64_t characters) {
  return (characters + 3) / 4;
}

Endpoint endpointFor(std::string_view method, std::string_view target) {
  if (method != "POST") {
    return Endpoint::Other;
  }
  const std::string_view path = target.substr(0, target.find('?'));
  return valueOf<Endpoint>(kEndpointPaths, path).value_or(Endpoint::Other);
}

std::string_view endpointPath(Endpoint endpoint) {
  return nameOf(kEndpointPaths, endpoint);
}

TgiRequestFields parseTgiRequest(Endpoint endpoint, std::string_view body) {
  std::optional<TgiRequestFields> scanned = scanTgiRequest(endpoint, body);
  return scanned ? std::move(*scanned) : parseTgiRequestDocument(endpoint, body);
}

TgiRequestFields parseTgiRequestDocument(Endpoint endpoint, std::string_view body) {
  TgiRequestFields out;
  out.stream = endpoint == Endpoint::GenerateStream;
  TgiRequest request = decodeTgiRequest(endpoint, body);
  if (!request.object) {
    out.error = "request body is not a JSON object";
    return out;
  }
  out.valid = true;
  if (endpoint == Endpoint::Other) {
    return out;
  }
  out.inputBytes = promptBytes(request.prompt);
  out.parameters = std::move(request.parametersJson);
  if (endpoint == Endpoint::Chat || endpoint == Endpoint::Completions) {
    out.maxNewTokens = request.maxTokens ? request.maxTokens : request.maxCompletionTokens;
    out.stream = request.stream.value_or(false);
  } else {
    out.maxNewTokens = request.parameters.maxNewTokens;
    out.stream = out.stream || request.stream.value_or(false);
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
