#include "core/tgi_request.h"
#include "replay/json_fields.h"
#include "replay/row_parser.h"

namespace tt::replay {
namespace {

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  };
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    bytes += static_cast<char>(hi * 16 + lo);
  }
  return bytes;
}

// Reads what exportLine (jsonl_export.h) writes.
class TracetuneParser final : public RowParser {
public:
  std::string parseRow(std::string_view line, std::vector<Exchange>& out) override {
    nlohmann::json row;
    if (auto why = parseObject(line, row); !why.empty()) {
      return why;
    }
    std::optional<int64_t> sent;
    std::optional<int64_t> input;
    std::optional<int64_t> maxNew;
    std::optional<int64_t> output;
    std::optional<std::string> session;
    std::optional<std::string> method;
    std::optional<std::string> path;
    std::optional<std::string> endpoint;
    std::optional<std::string> body;
    std::optional<std::string> bodyHex;
    std::vector<int64_t> hashIds;
    for (const auto& why :
         {readInt(row, "sent_us", true, INT64_MIN, sent),
          readInt(row, "input_tokens", false, 0, input),
          readInt(row, "max_new_tokens", false, 0, maxNew),
          readInt(row, "output_tokens", false, 0, output), readString(row, "session", session),
          readString(row, "method", method), readString(row, "path", path),
          readString(row, "endpoint", endpoint), readString(row, "body", body),
          readString(row, "body_hex", bodyHex), readIntArray(row, "prefix_hash_ids", hashIds)}) {
      if (!why.empty()) {
        return why;
      }
    }
    if (!path || path->empty() || path->front() != '/') {
      return "path is missing or does not start with /";
    }
    Exchange e = importedExchange(*sent, input, output);
    e.maxNewTokens = maxNew;
    e.session = std::move(session);
    e.method = method.value_or("POST");
    e.path = *path;
    e.endpoint = endpoint ? endpointFromName(*endpoint).value_or(Endpoint::Other)
                          : endpointFor(e.method, e.path);
    if (const auto it = row.find("stream"); it != row.end() && it->is_boolean()) {
      e.stream = it->get<bool>();
    }
    if (const auto it = row.find("headers"); it != row.end() && !it->is_null()) {
      if (!it->is_array()) {
        return "headers is not an array";
      }
      for (const auto& h : *it) {
        if (!h.is_array() || h.size() != 2 || !h[0].is_string() || !h[1].is_string()) {
          return "headers must be [name, value] string pairs";
        }
        e.requestHeaders.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
    if (bodyHex) {
      body = fromHex(*bodyHex);
      if (!body) {
        return "body_hex is not lowercase hex";
      }
    }
    e.requestBody = body.value_or("");
    e.requestBodyBytes = static_cast<int64_t>(e.requestBody.size());
    e.prefixHashIds = std::move(hashIds);
    out.push_back(std::move(e));
    return "";
  }
};

} // namespace

RowParserPtr makeTracetuneParser() {
  return std::make_unique<TracetuneParser>();
}

} // namespace tt::replay
