// The fast readers of TGI bodies against nlohmann, their reference. The capture writer reads every
// body with the fast ones (core/json_reader.h, core/tgi_body_scan.h), which promise nlohmann's
// answer or no answer at all. Input: one control byte (which endpoint), then a body.
//
// Invariants:
// - A document JsonReader accepts, nlohmann accepts, with the same kind of value.
// - scanTgiRequest, when it answers, gives what parseTgiRequestDocument gives: the same validity,
//   stream flag, input size, max_new_tokens and error, and parameters that are the same JSON.
// - scanTgiResponse, when it answers, gives what parseTgiResponseDocument gives, field by field.
// - The slow paths never throw.
#include "core/exchange.h"
#include "core/json_reader.h"
#include "core/tgi_body_scan.h"
#include "core/tgi_request.h"
#include "core/tgi_response.h"
#include "fuzz/check.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

namespace tt::fuzz {
namespace {

JsonKind kindOf(const nlohmann::json& document) {
  switch (document.type()) {
  case nlohmann::json::value_t::null:
    return JsonKind::Null;
  case nlohmann::json::value_t::boolean:
    return JsonKind::Bool;
  case nlohmann::json::value_t::string:
    return document.get_ref<const std::string&>().empty() ? JsonKind::EmptyString
                                                          : JsonKind::String;
  case nlohmann::json::value_t::object:
    return JsonKind::Object;
  case nlohmann::json::value_t::array:
    return JsonKind::Array;
  default:
    return JsonKind::Number;
  }
}

void checkReader(std::string_view text) {
  JsonReader reader(text);
  reader.skipSpace();
  JsonKind kind = JsonKind::None;
  const bool read = reader.value(0, &kind);
  reader.skipSpace();
  if (!read || !reader.atEnd()) {
    return; // refused, or not judged: nlohmann decides
  }
  const auto document = nlohmann::json::parse(text, nullptr, false);
  FUZZ_CHECK(!document.is_discarded());
  FUZZ_CHECK(kindOf(document) == kind);
}

bool sameJson(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) {
    return a.empty() && b.empty();
  }
  return nlohmann::json::parse(a, nullptr, false) == nlohmann::json::parse(b, nullptr, false);
}

void checkRequest(Endpoint endpoint, std::string_view body) {
  const TgiRequestFields slow = parseTgiRequestDocument(endpoint, body);
  const std::optional<TgiRequestFields> fast = scanTgiRequest(endpoint, body);
  if (!fast) {
    return;
  }
  FUZZ_CHECK(fast->valid == slow.valid);
  FUZZ_CHECK(fast->stream == slow.stream);
  FUZZ_CHECK(fast->inputBytes == slow.inputBytes);
  FUZZ_CHECK(fast->maxNewTokens == slow.maxNewTokens);
  FUZZ_CHECK(fast->error == slow.error);
  FUZZ_CHECK(sameJson(fast->parameters, slow.parameters));
}

void checkResponse(std::string_view body) {
  const TgiResponseInfo slow = parseTgiResponseDocument(body);
  const std::optional<TgiResponseInfo> fast = scanTgiResponse(body);
  if (!fast) {
    return;
  }
  FUZZ_CHECK(fast->valid == slow.valid);
  FUZZ_CHECK(fast->finishReason == slow.finishReason);
  FUZZ_CHECK(fast->generatedTokens == slow.generatedTokens);
  FUZZ_CHECK(fast->promptTokens == slow.promptTokens);
  FUZZ_CHECK(fast->errorMessage == slow.errorMessage);
  FUZZ_CHECK(fast->errorType == slow.errorType);
}

constexpr Endpoint kEndpoints[] = {Endpoint::Generate,    Endpoint::GenerateStream,
                                   Endpoint::Compat,      Endpoint::Chat,
                                   Endpoint::Completions, Endpoint::Tokenize};

} // namespace
} // namespace tt::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tt;
  if (size == 0) {
    return 0;
  }
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  fuzz::checkReader(body);
  fuzz::checkRequest(fuzz::kEndpoints[data[0] % std::size(fuzz::kEndpoints)], body);
  fuzz::checkResponse(body);
  return 0;
}
