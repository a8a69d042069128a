#include "schema/exchange_rows.h"

#include "core/json_string.h"
#include "core/token_times.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tt {
namespace {

using nlohmann::json;

// Writes `headers` into `out` as a JSON array of [name, value] pairs, reusing out's capacity.
void writeHeadersJson(std::string& out, const Headers& headers) {
  size_t size = 2; // without escapes: the brackets, and per header 6 bytes of punctuation
  for (const auto& [name, value] : headers) {
    size += name.size() + value.size() + 6;
  }
  out.clear();
  out.reserve(size);
  out.push_back('[');
  for (const auto& [name, value] : headers) {
    out.append(out.size() > 1 ? ",[" : "[");
    appendJsonString(out, name);
    out.push_back(',');
    appendJsonString(out, value);
    out.push_back(']');
  }
  out.push_back(']');
}

Headers headersFromJson(const std::string& text) {
  Headers headers;
  const json array = json::parse(text, nullptr, false);
  if (!array.is_array()) {
    return headers;
  }
  for (const auto& pair : array) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return headers;
}

// The row's texts outlive its step, so they are bound without SQLite's copy.
void bindTextNoCopy(db::Stmt& s, int index, const std::optional<std::string>& text) {
  if (text) {
    s.bindTextNoCopy(index, *text);
  } else {
    s.bindNull(index);
  }
}

} // namespace

const char* const kExchangeColumns =
    "SELECT id, source_request_id, session, intended_us, sent_us, method, path, request_headers, "
    "request_body, request_body_sha256, request_body_bytes, endpoint, stream, input_bytes, "
    "input_tokens, max_new_tokens, parameters, prefix_hash_ids, status, response_headers, "
    "response_body, response_headers_us, token_times, token_count, first_token_us, "
    "last_token_us, max_itl_us, end_us, output_tokens, finish_reason, tgi_total_us, "
    "tgi_validation_us, tgi_queue_us, tgi_inference_us, tgi_time_per_token_us, "
    "tgi_prompt_tokens, tgi_generated_tokens, outcome, error, client_address, "
    "input_tokens_estimated ";

ExchangeInserter::ExchangeInserter(db::Db& db)
    : insert_(db,
              "INSERT INTO requests (trace_id, source_request_id, session, intended_us, sent_us, "
              "method, path, request_headers, request_body, request_body_sha256, "
              "request_body_bytes, endpoint, stream, input_bytes, input_tokens, max_new_tokens, "
              "parameters, prefix_hash_ids, status, response_headers, response_body, "
              "response_headers_us, token_times, token_count, first_token_us, last_token_us, "
              "max_itl_us, end_us, output_tokens, finish_reason, tgi_total_us, "
              "tgi_validation_us, tgi_queue_us, tgi_inference_us, tgi_time_per_token_us, "
              "tgi_prompt_tokens, tgi_generated_tokens, outcome, error, client_address, "
              "input_tokens_estimated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
              "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, "
              "?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41)") {}

int ExchangeInserter::tryInsert(int64_t traceId, const Exchange& e) noexcept {
  try {
    auto& s = insert_;
    s.reset();
    s.bind(1, traceId);
    s.bind(2, e.sourceRequestId);
    bindTextNoCopy(s, 3, e.session);
    s.bind(4, e.intendedUs);
    s.bind(5, e.sentUs);
    s.bindTextNoCopy(6, e.method);
    s.bindTextNoCopy(7, e.path);
    writeHeadersJson(requestHeadersJson_, e.requestHeaders);
    s.bindTextNoCopy(8, requestHeadersJson_);
    if (!e.requestBody.empty()) {
      s.bindBlobNoCopy(9, e.requestBody); // e outlives the step
    }
    bindTextNoCopy(s, 10, e.requestBodySha256);
    s.bind(11, e.requestBodyBytes);
    s.bindTextNoCopy(12, endpointName(e.endpoint));
    s.bind(13, e.stream);
    s.bind(14, e.inputBytes);
    s.bind(15, e.inputTokens);
    s.bind(16, e.maxNewTokens);
    if (!e.parameters.empty()) {
      s.bindTextNoCopy(17, e.parameters);
    }
    if (!e.prefixHashIds.empty()) {
      s.bind(18, json(e.prefixHashIds).dump());
    }
    s.bind(19, e.status);
    writeHeadersJson(responseHeadersJson_, e.responseHeaders);
    s.bindTextNoCopy(20, responseHeadersJson_);
    if (!e.responseBody.empty()) {
      s.bindBlobNoCopy(21, e.responseBody);
    }
    s.bind(22, e.responseHeadersUs);
    const auto& times = e.tokenTimesUs;
    s.bind(24, static_cast<int64_t>(times.size()));
    if (!times.empty()) {
      s.bindBlob(23, encodeTokenTimes(times, e.sentUs));
      s.bind(25, times.front());
      s.bind(26, times.back());
      int64_t maxGap = 0;
      for (size_t i = 1; i < times.size(); ++i) {
        maxGap = std::max(maxGap, times[i] - times[i - 1]);
      }
      if (times.size() > 1) {
        s.bind(27, maxGap);
      }
    }
    s.bind(28, e.endUs);
    s.bind(29, e.outputTokens);
    bindTextNoCopy(s, 30, e.finishReason);
    s.bind(31, e.tgi.totalUs);
    s.bind(32, e.tgi.validationUs);
    s.bind(33, e.tgi.queueUs);
    s.bind(34, e.tgi.inferenceUs);
    s.bind(35, e.tgi.timePerTokenUs);
    s.bind(36, e.tgi.promptTokens);
    s.bind(37, e.tgi.generatedTokens);
    s.bindTextNoCopy(38, outcomeName(e.outcome));
    s.bindTextNoCopy(39, e.error);
    if (!e.clientAddress.empty()) {
      s.bindTextNoCopy(40, e.clientAddress);
    }
    s.bind(41, e.inputTokensEstimated);
    return s.tryStep();
  } catch (...) {
    return SQLITE_NOMEM; // only allocation can throw above
  }
}

Exchange readExchange(const db::Stmt& r) {
  Exchange e;
  e.id = r.int64(0);
  e.sourceRequestId = r.optInt64(1);
  e.session = r.optText(2);
  e.intendedUs = r.optInt64(3);
  e.sentUs = r.int64(4);
  e.method = r.text(5);
  e.path = r.text(6);
  e.requestHeaders = headersFromJson(r.text(7));
  e.requestBody = std::string(r.blob(8));
  e.requestBodySha256 = r.optText(9);
  e.requestBodyBytes = r.int64(10);
  e.endpoint = endpointFromName(r.text(11)).value_or(Endpoint::Other);
  e.stream = r.int64(12) != 0;
  e.inputBytes = r.optInt64(13);
  e.inputTokens = r.optInt64(14);
  e.maxNewTokens = r.optInt64(15);
  e.parameters = r.text(16);
  if (!r.isNull(17)) {
    const json ids = json::parse(r.text(17), nullptr, false);
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (id.is_number_integer()) {
          e.prefixHashIds.push_back(id.get<int64_t>());
        }
      }
    }
  }
  if (!r.isNull(18)) {
    e.status = static_cast<int>(r.int64(18));
  }
  e.responseHeaders = headersFromJson(r.text(19));
  e.responseBody = std::string(r.blob(20));
  e.responseHeadersUs = r.optInt64(21);
  if (!r.isNull(22)) {
    // A blob this build cannot decode leaves the list empty; token_count still tells how many.
    e.tokenTimesUs = decodeTokenTimes(r.blob(22), e.sentUs).value_or(std::vector<int64_t>{});
  }
  e.endUs = r.optInt64(27);
  e.outputTokens = r.optInt64(28);
  e.finishReason = r.optText(29);
  e.tgi.totalUs = r.optInt64(30);
  e.tgi.validationUs = r.optInt64(31);
  e.tgi.queueUs = r.optInt64(32);
  e.tgi.inferenceUs = r.optInt64(33);
  e.tgi.timePerTokenUs = r.optInt64(34);
  e.tgi.promptTokens = r.optInt64(35);
  e.tgi.generatedTokens = r.optInt64(36);
  e.outcome = outcomeFromName(r.text(37)).value_or(Outcome::UpstreamError);
  e.error = r.text(38);
  e.clientAddress = r.text(39);
  e.inputTokensEstimated = r.int64(40) != 0;
  return e;
}

} // namespace tt
