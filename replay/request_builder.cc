#include "replay/request_builder.h"

#include "core/credentials.h"
#include "core/http_headers.h"
#include "core/http_write.h"
#include "core/tgi_request.h"
#include "core/tgi_request_body.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tt::replay {
namespace {

std::string_view pathFor(Endpoint endpoint) {
  return endpoint == Endpoint::Other ? "/generate_stream" : endpointPath(endpoint);
}

// The prompt of a body recorded for `endpoint`: `inputs`, `prompt` (a string or the first of a
// list), or the messages' contents (a string, or the text chunks) joined by newlines.
std::optional<std::string> promptOf(Endpoint endpoint, std::string_view body) {
  TgiRequest request = decodeTgiRequest(endpoint, body);
  TgiPrompt& prompt = request.prompt;
  if (prompt.messages) {
    std::string text;
    for (const auto& m : *prompt.messages) {
      if (m.content || !m.chunks.empty()) {
        text += (text.empty() ? "" : "\n") + m.text();
      }
    }
    return text;
  }
  if (endpoint == Endpoint::Chat) {
    return std::nullopt;
  }
  if (prompt.texts && !prompt.texts->empty()) {
    return std::move(prompt.texts->front());
  }
  return std::move(prompt.text);
}

bool dropped(std::string_view name) {
  return isHopByHop(name) || isCredential(name) || iequals(name, "host") ||
         iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "expect");
}

Headers sendableHeaders(const Headers& recorded, const Headers& extra) {
  Headers out;
  for (const auto& h : recorded) {
    const bool replaced = std::any_of(extra.begin(), extra.end(),
                                      [&](const auto& e) { return iequals(e.first, h.first); });
    if (!dropped(h.first) && !replaced) {
      out.push_back(h);
    }
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// A recorded body goes out as it is unless --endpoint re-targets it; what generates nothing
// (/info, /tokenize, ...) goes out as recorded, with or without a body.
bool sendsRecordedBody(const Exchange& source, const SendOptions& options) {
  const bool sameEndpoint = !options.endpoint || *options.endpoint == source.endpoint;
  return (!source.requestBody.empty() && sameEndpoint) || !isGeneration(source.endpoint);
}

} // namespace

std::string bodyFor(Endpoint endpoint, const std::string& prompt,
                    std::optional<int64_t> maxNewTokens, const std::string& model) {
  nlohmann::json body;
  switch (endpoint) {
  case Endpoint::Chat:
    body = {{"model", model},
            {"messages", {{{"role", "user"}, {"content", prompt}}}},
            {"stream", true},
            {"stream_options", {{"include_usage", true}}}};
    if (maxNewTokens) {
      body["max_tokens"] = *maxNewTokens;
    }
    break;
  case Endpoint::Completions:
    body = {{"model", model}, {"prompt", prompt}, {"stream", true}};
    if (maxNewTokens) {
      body["max_tokens"] = *maxNewTokens;
    }
    break;
  default:
    body = {{"inputs", prompt}, {"parameters", {{"details", true}}}};
    if (maxNewTokens) {
      body["parameters"]["max_new_tokens"] = *maxNewTokens;
    }
    if (endpoint == Endpoint::Compat) {
      body["stream"] = true;
    }
    break;
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<int64_t> sentMaxNewTokens(const Exchange& source, const SendOptions& options) {
  if (sendsRecordedBody(source, options)) {
    return source.maxNewTokens;
  }
  const auto recorded = source.maxNewTokens ? source.maxNewTokens : source.outputTokens;
  if (!recorded) {
    return std::nullopt;
  }
  return std::max<int64_t>(1, *recorded);
}

OutgoingRequest buildRequest(const Exchange& source, uint64_t salt, const SendOptions& options) {
  OutgoingRequest out;
  out.maxNewTokens = sentMaxNewTokens(source, options);
  if (sendsRecordedBody(source, options)) {
    out.method = source.method;
    out.path = source.path;
    out.headers = sendableHeaders(source.requestHeaders, options.extraHeaders);
    out.body = source.requestBody;
    out.endpoint = source.endpoint;
    out.stream = source.stream;
    return out;
  }
  out.endpoint = options.endpoint.value_or(source.endpoint);
  out.path = std::string(pathFor(out.endpoint));
  out.stream = out.endpoint != Endpoint::Generate;
  std::optional<std::string> prompt;
  if (!source.requestBody.empty()) {
    prompt = promptOf(source.endpoint, source.requestBody);
  }
  if (!prompt) {
    prompt =
        synthesizePrompt(source.inputTokens.value_or(1), source.prefixHashIds, salt, options.synth);
    out.synthesized = true;
  }
  out.headers = sendableHeaders({{"content-type", "application/json"}}, options.extraHeaders);
  out.body = bodyFor(out.endpoint, *prompt, out.maxNewTokens, options.model);
  return out;
}

std::string serializeRequest(const OutgoingRequest& request, const HttpUrl& target) {
  std::string wire;
  wire.reserve(request.body.size() + 256);
  appendRequestLine(wire, request.method, target.prefix, request.path);
  appendHeader(wire, "Host", target.hostHeader());
  for (const auto& [name, value] : request.headers) {
    appendHeader(wire, name, value);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    appendHeader(wire, "Content-Length", std::to_string(request.body.size()));
  }
  appendHeadEnd(wire);
  wire += request.body;
  return wire;
}

} // namespace tt::replay
