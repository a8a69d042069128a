#include "tgisim/api_request.h"

#include "tgisim/json_position.h"
#include "tgisim/metrics.h"

#include <nlohmann/json.hpp>

#include <limits>

namespace tt::tgisim {
namespace {

using nlohmann::json;

// Records where a syntax error is, without exceptions.
struct SyntaxProbe : nlohmann::json_sax<json> {
  size_t position = 0;
  bool atEnd = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string& token,
                   const nlohmann::detail::exception&) override {
    position = pos;
    atEnd = token.empty() || token == "<end of input>";
    return false;
  }
};

Rejection syntaxError(std::string_view body) {
  SyntaxProbe probe;
  json::sax_parse(body, &probe, json::input_format_t::json, false);
  std::string what;
  size_t offset = probe.position > 0 ? probe.position - 1 : 0;
  if (offset >= body.size() || probe.atEnd) {
    what = "EOF while parsing a value";
    offset = body.size();
  } else {
    what = "expected value";
    offset += 1;
  }
  return {400,
          "Failed to parse the request body as JSON: " + what + " at " + lineColumn(body, offset)};
}

std::string unexpected(const json& v) {
  switch (v.type()) {
  case json::value_t::string:
    return "string " + json(v.get<std::string>()).dump();
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return "integer `" + v.dump() + "`";
  case json::value_t::number_float: {
    std::string text = Metrics::formatNumber(v.get<double>());
    if (text.find('.') == std::string::npos) {
      text += ".0";
    }
    return "floating point `" + text + "`";
  }
  case json::value_t::boolean:
    return std::string("boolean `") + (v.get<bool>() ? "true" : "false") + "`";
  case json::value_t::null:
    return "null";
  case json::value_t::array:
    return "sequence";
  case json::value_t::object:
    return "map";
  default:
    return "value";
  }
}

// Reads typed fields the way serde does and keeps the first error.
class Reader {
public:
  explicit Reader(std::string_view body) : body_(body) {}

  bool failed() const { return error_.has_value(); }
  Rejection take() { return std::move(*error_); }

  void fail(const std::vector<JsonStep>& at, const std::string& message, bool missing) {
    if (error_) {
      return;
    }
    std::string path;
    for (const auto& step : at) {
      if (step.key.empty()) {
        path += "[" + std::to_string(step.index) + "]";
      } else {
        path += (path.empty() ? "" : ".") + step.key;
      }
    }
    if (missing && !at.empty() && at.back().key.empty() == false) {
      // A missing field is reported at the object that lacks it.
    }
    error_ = Rejection{422, "Failed to deserialize the JSON body into the target type: " +
                                (path.empty() ? "" : path + ": ") + message + " at " +
                                serdePosition(body_, at, missing)};
  }

  void typeError(const std::vector<JsonStep>& at, const json& v, std::string_view expected) {
    fail(at, "invalid type: " + unexpected(v) + ", expected " + std::string(expected), false);
  }

  // Unsigned integer of at most `max`.
  std::optional<uint64_t> unsignedInt(const std::vector<JsonStep>& at, const json& v,
                                      std::string_view name, uint64_t max) {
    if (v.is_number_unsigned()) {
      const uint64_t n = v.get<uint64_t>();
      if (n <= max) {
        return n;
      }
      fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
      return std::nullopt;
    }
    if (v.is_number_integer()) {
      fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
      return std::nullopt;
    }
    typeError(at, v, name);
    return std::nullopt;
  }

  std::optional<int64_t> signedInt(const std::vector<JsonStep>& at, const json& v,
                                   std::string_view name) {
    if (v.is_number_integer()) {
      const int64_t n = v.get<int64_t>();
      if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT32_MAX)) {
        fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
        return std::nullopt;
      }
      if (n < INT32_MIN || n > INT32_MAX) {
        fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
        return std::nullopt;
      }
      return n;
    }
    typeError(at, v, name);
    return std::nullopt;
  }

  std::optional<double> floating(const std::vector<JsonStep>& at, const json& v) {
    if (v.is_number()) {
      return v.get<double>();
    }
    typeError(at, v, "f32");
    return std::nullopt;
  }

  std::optional<bool> boolean(const std::vector<JsonStep>& at, const json& v) {
    if (v.is_boolean()) {
      return v.get<bool>();
    }
    typeError(at, v, "a boolean");
    return std::nullopt;
  }

  std::optional<std::string> string(const std::vector<JsonStep>& at, const json& v) {
    if (v.is_string()) {
      return v.get<std::string>();
    }
    typeError(at, v, "a string");
    return std::nullopt;
  }

  std::vector<std::string> strings(const std::vector<JsonStep>& at, const json& v) {
    std::vector<std::string> out;
    if (!v.is_array()) {
      typeError(at, v, "a sequence");
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      auto step = at;
      step.push_back({.key = {}, .index = i});
      if (auto s = string(step, v[i])) {
        out.push_back(std::move(*s));
      }
    }
    return out;
  }

private:
  std::string_view body_;
  std::optional<Rejection> error_;
};

std::vector<JsonStep> pathOf(std::initializer_list<std::string_view> keys) {
  std::vector<JsonStep> out;
  for (const auto k : keys) {
    out.push_back({.key = std::string(k), .index = 0});
  }
  return out;
}

const json* member(const json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

// Reads the top-level value; rejects non-JSON bodies.
std::variant<json, Rejection> parseBody(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    return syntaxError(body);
  }
  return doc;
}

bool expectObject(Reader& reader, const json& doc, std::string_view structName) {
  if (!doc.is_object()) {
    reader.typeError({}, doc, "struct " + std::string(structName));
    return false;
  }
  return true;
}

// GenerateParameters (docs/tgi.md, "Request parameters"), read from `p` at `at`.
void readParameters(Reader& r, const json& p, const std::vector<JsonStep>& at,
                    GenerateRequest& out) {
  if (!p.is_object()) {
    r.typeError(at, p, "struct GenerateParameters");
    return;
  }
  auto step = [&](std::string_view key) {
    auto s = at;
    s.push_back({.key = std::string(key), .index = 0});
    return s;
  };
  sim::GenerateParams& q = out.params;
  if (const json* v = member(p, "best_of")) {
    if (auto n = r.unsignedInt(step("best_of"), *v, "usize", UINT64_MAX)) {
      q.bestOf = static_cast<int64_t>(std::min<uint64_t>(*n, INT64_MAX));
    }
  }
  if (const json* v = member(p, "temperature")) {
    q.temperature = r.floating(step("temperature"), *v);
  }
  if (const json* v = member(p, "repetition_penalty")) {
    q.repetitionPenalty = r.floating(step("repetition_penalty"), *v);
  }
  if (const json* v = member(p, "frequency_penalty")) {
    q.frequencyPenalty = r.floating(step("frequency_penalty"), *v);
  }
  if (const json* v = member(p, "top_k")) {
    q.topK = r.signedInt(step("top_k"), *v, "i32");
  }
  if (const json* v = member(p, "top_p")) {
    q.topP = r.floating(step("top_p"), *v);
  }
  if (const json* v = member(p, "typical_p")) {
    q.typicalP = r.floating(step("typical_p"), *v);
  }
  if (p.contains("do_sample")) {
    q.doSample = r.boolean(step("do_sample"), p["do_sample"]).value_or(false);
  }
  if (const json* v = member(p, "max_new_tokens")) {
    if (auto n = r.unsignedInt(step("max_new_tokens"), *v, "u32", UINT32_MAX)) {
      q.maxNewTokens = static_cast<int64_t>(*n);
    }
  }
  if (const json* v = member(p, "return_full_text")) {
    out.returnFullText = r.boolean(step("return_full_text"), *v);
  }
  if (p.contains("stop")) {
    out.stop = r.strings(step("stop"), p["stop"]);
    q.stopSequences = static_cast<int64_t>(out.stop.size());
  }
  if (const json* v = member(p, "truncate")) {
    if (auto n = r.unsignedInt(step("truncate"), *v, "usize", UINT64_MAX)) {
      q.truncate = static_cast<int64_t>(std::min<uint64_t>(*n, INT64_MAX));
    }
  }
  if (p.contains("watermark")) {
    r.boolean(step("watermark"), p["watermark"]);
  }
  if (p.contains("details")) {
    out.details = r.boolean(step("details"), p["details"]).value_or(false);
  }
  if (p.contains("decoder_input_details")) {
    out.decoderInputDetails =
        r.boolean(step("decoder_input_details"), p["decoder_input_details"]).value_or(false);
  }
  if (const json* v = member(p, "seed")) {
    q.seed = r.unsignedInt(step("seed"), *v, "u64", UINT64_MAX);
  }
  if (const json* v = member(p, "top_n_tokens")) {
    if (auto n = r.unsignedInt(step("top_n_tokens"), *v, "u32", UINT32_MAX)) {
      q.topNTokens = static_cast<int64_t>(*n);
    }
  }
}

// OpenAI sampling fields shared by chat and completions, mapped to GenerateParameters.
void readOpenAiParameters(Reader& r, const json& doc, GenerateRequest& g, bool chat) {
  sim::GenerateParams& q = g.params;
  g.details = true;
  const char* maxKey = chat && !doc.contains("max_tokens") && doc.contains("max_completion_tokens")
                           ? "max_completion_tokens"
                           : "max_tokens";
  if (const json* v = member(doc, maxKey)) {
    if (auto n = r.unsignedInt(pathOf({maxKey}), *v, "u32", UINT32_MAX)) {
      q.maxNewTokens = static_cast<int64_t>(*n);
    }
  }
  std::optional<double> temperature;
  if (const json* v = member(doc, "temperature")) {
    temperature = r.floating(pathOf({"temperature"}), *v);
  }
  // temperature 0 means greedy; anything else (or nothing) samples.
  if (temperature && *temperature == 0.0) {
    q.doSample = false;
  } else {
    q.doSample = true;
    q.temperature = temperature;
  }
  if (const json* v = member(doc, "top_p")) {
    q.topP = r.floating(pathOf({"top_p"}), *v);
  }
  if (const json* v = member(doc, "seed")) {
    q.seed = r.unsignedInt(pathOf({"seed"}), *v, "u64", UINT64_MAX);
  }
  if (const json* v = member(doc, "frequency_penalty")) {
    q.frequencyPenalty = r.floating(pathOf({"frequency_penalty"}), *v);
  }
  if (chat) {
    if (const json* v = member(doc, "presence_penalty")) {
      if (auto pp = r.floating(pathOf({"presence_penalty"}), *v)) {
        q.repetitionPenalty = *pp + 2.0;
      }
    }
    if (const json* v = member(doc, "top_logprobs")) {
      if (auto n = r.unsignedInt(pathOf({"top_logprobs"}), *v, "u32", UINT32_MAX)) {
        q.topNTokens = static_cast<int64_t>(*n);
      }
    }
  } else if (const json* v = member(doc, "repetition_penalty")) {
    q.repetitionPenalty = r.floating(pathOf({"repetition_penalty"}), *v);
  }
  if (const json* v = member(doc, "stop")) {
    g.stop = r.strings(pathOf({"stop"}), *v);
    q.stopSequences = static_cast<int64_t>(g.stop.size());
  }
}

} // namespace

bool isJsonContentType(const std::string* contentType) {
  if (contentType == nullptr) {
    return false;
  }
  std::string essence = contentType->substr(0, contentType->find(';'));
  while (!essence.empty() && (essence.back() == ' ' || essence.back() == '\t')) {
    essence.pop_back();
  }
  for (auto& c : essence) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return essence == "application/json" ||
         (essence.starts_with("application/") && essence.ends_with("+json"));
}

Rejection unsupportedMediaType() {
  return {415, "Expected request with `Content-Type: application/json`"};
}

Rejection payloadTooLarge() {
  return {413, "Failed to buffer the request body: length limit exceeded"};
}

std::variant<GenerateRequest, Rejection> decodeGenerate(std::string_view body, bool compat) {
  auto parsed = parseBody(body);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    return std::move(*rejection);
  }
  const json& doc = std::get<json>(parsed);
  Reader r(body);
  GenerateRequest out;
  if (!expectObject(r, doc, compat ? "CompatGenerateRequest" : "GenerateRequest")) {
    return r.take();
  }
  if (!doc.contains("inputs")) {
    r.fail({}, "missing field `inputs`", true);
    return r.take();
  }
  if (auto s = r.string(pathOf({"inputs"}), doc["inputs"])) {
    out.inputs = std::move(*s);
  }
  if (doc.contains("parameters")) {
    readParameters(r, doc["parameters"], pathOf({"parameters"}), out);
  } else {
    out.params.doSample = true; // lib.rs::default_parameters (docs/tgi.md, the do_sample quirk)
  }
  if (compat && doc.contains("stream")) {
    out.stream = r.boolean(pathOf({"stream"}), doc["stream"]).value_or(false);
  }
  out.params.emptyInputs = out.inputs.empty();
  if (r.failed()) {
    return r.take();
  }
  return out;
}

std::variant<ChatRequest, Rejection> decodeChat(std::string_view body) {
  auto parsed = parseBody(body);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    return std::move(*rejection);
  }
  const json& doc = std::get<json>(parsed);
  Reader r(body);
  ChatRequest out;
  if (!expectObject(r, doc, "ChatRequest")) {
    return r.take();
  }
  if (!doc.contains("messages")) {
    r.fail({}, "missing field `messages`", true);
    return r.take();
  }
  const json& messages = doc["messages"];
  if (!messages.is_array()) {
    r.typeError(pathOf({"messages"}), messages, "a sequence");
    return r.take();
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    std::vector<JsonStep> at = pathOf({"messages"});
    at.push_back({.key = {}, .index = i});
    const json& m = messages[i];
    if (!m.is_object()) {
      r.typeError(at, m, "struct Message");
      return r.take();
    }
    if (!m.contains("role")) {
      r.fail(at, "missing field `role`", true);
      return r.take();
    }
    ChatMessage message;
    auto roleAt = at;
    roleAt.push_back({.key = "role", .index = 0});
    message.role = r.string(roleAt, m["role"]).value_or("");
    if (const json* c = member(m, "content")) {
      if (c->is_string()) {
        message.content = c->get<std::string>();
      } else if (c->is_array()) {
        for (const auto& chunk : *c) {
          if (chunk.is_object() && chunk.value("type", "") == "text" && chunk.contains("text") &&
              chunk["text"].is_string()) {
            message.content += chunk["text"].get<std::string>();
          }
        }
      } else {
        auto contentAt = at;
        contentAt.push_back({.key = "content", .index = 0});
        r.typeError(contentAt, *c, "a string or a sequence of chunks");
      }
    }
    out.messages.push_back(std::move(message));
  }
  if (const json* v = member(doc, "model")) {
    out.model = r.string(pathOf({"model"}), *v);
  }
  if (doc.contains("stream")) {
    out.stream = r.boolean(pathOf({"stream"}), doc["stream"]).value_or(false);
  }
  if (const json* so = member(doc, "stream_options")) {
    if (so->is_object() && so->contains("include_usage")) {
      out.includeUsage =
          r.boolean(pathOf({"stream_options", "include_usage"}), (*so)["include_usage"])
              .value_or(false);
    }
  }
  out.hasTools = member(doc, "tools") != nullptr;
  out.hasResponseFormat = member(doc, "response_format") != nullptr;
  readOpenAiParameters(r, doc, out.generate, true);
  if (r.failed()) {
    return r.take();
  }
  out.generate.inputs = applyChatTemplate(out.messages);
  out.generate.params.emptyInputs = out.generate.inputs.empty();
  out.generate.addSpecialTokens = false;
  out.generate.stream = out.stream;
  return out;
}

std::variant<CompletionRequest, Rejection> decodeCompletion(std::string_view body) {
  auto parsed = parseBody(body);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    return std::move(*rejection);
  }
  const json& doc = std::get<json>(parsed);
  Reader r(body);
  CompletionRequest out;
  if (!expectObject(r, doc, "CompletionRequest")) {
    return r.take();
  }
  if (!doc.contains("prompt")) {
    r.fail({}, "missing field `prompt`", true);
    return r.take();
  }
  const json& prompt = doc["prompt"];
  if (prompt.is_string()) {
    out.prompts.push_back(prompt.get<std::string>());
  } else if (prompt.is_array()) {
    out.prompts = r.strings(pathOf({"prompt"}), prompt);
  } else {
    r.typeError(pathOf({"prompt"}), prompt, "a string or a sequence of strings");
  }
  if (const json* v = member(doc, "model")) {
    out.model = r.string(pathOf({"model"}), *v);
  }
  if (doc.contains("stream")) {
    out.stream = r.boolean(pathOf({"stream"}), doc["stream"]).value_or(false);
  }
  out.hasSuffix = member(doc, "suffix") != nullptr;
  readOpenAiParameters(r, doc, out.generate, false);
  if (r.failed()) {
    return r.take();
  }
  out.generate.stream = out.stream;
  return out;
}

std::string applyChatTemplate(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const auto& m : messages) {
    out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  }
  out += "<|im_start|>assistant\n";
  return out;
}

} // namespace tt::tgisim
