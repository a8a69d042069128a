#include "core/tgi_request_body.h"

#include "core/enum_names.h"
#include "core/json_fields.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace tt {
namespace {

using Path = std::vector<JsonStep>;

// The Rust type each route deserializes its body into.
constexpr std::array kRequestTypeNames{
    std::pair{Endpoint::Generate, std::string_view{"GenerateRequest"}},
    std::pair{Endpoint::GenerateStream, std::string_view{"GenerateRequest"}},
    std::pair{Endpoint::Compat, std::string_view{"CompatGenerateRequest"}},
    std::pair{Endpoint::Chat, std::string_view{"ChatRequest"}},
    std::pair{Endpoint::Completions, std::string_view{"CompletionRequest"}},
    std::pair{Endpoint::Tokenize, std::string_view{"GenerateRequest"}},
};

Path pathOf(std::string_view key) {
  return stepInto(Path{}, key);
}

// A member serde reads into an Option: absent when missing or null.
const TgiJson* optionalMember(const TgiJson& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// A member serde requires or defaults: null is a value of the wrong type.
const TgiJson* writtenMember(const TgiJson& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string dumpJson(const TgiJson& j) {
  return j.dump(-1, ' ', false, TgiJson::error_handler_t::replace);
}

std::optional<int64_t> clampedSize(std::optional<uint64_t> n) {
  if (!n) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::min<uint64_t>(*n, INT64_MAX));
}

void readGenerateParameters(SerdeReader& r, const TgiJson& p, TgiGenerateParameters& q) {
  const Path at = pathOf("parameters");
  const auto step = [&at](std::string_view key) { return stepInto(at, key); };
  if (const TgiJson* v = optionalMember(p, "best_of")) {
    q.bestOf = clampedSize(r.unsignedInt(step("best_of"), *v, "usize", UINT64_MAX));
  }
  if (const TgiJson* v = optionalMember(p, "temperature")) {
    q.temperature = r.floating(step("temperature"), *v);
  }
  if (const TgiJson* v = optionalMember(p, "repetition_penalty")) {
    q.repetitionPenalty = r.floating(step("repetition_penalty"), *v);
  }
  if (const TgiJson* v = optionalMember(p, "frequency_penalty")) {
    q.frequencyPenalty = r.floating(step("frequency_penalty"), *v);
  }
  if (const TgiJson* v = optionalMember(p, "top_k")) {
    q.topK = r.signedInt(step("top_k"), *v, "i32");
  }
  if (const TgiJson* v = optionalMember(p, "top_p")) {
    q.topP = r.floating(step("top_p"), *v);
  }
  if (const TgiJson* v = optionalMember(p, "typical_p")) {
    q.typicalP = r.floating(step("typical_p"), *v);
  }
  if (const TgiJson* v = writtenMember(p, "do_sample")) {
    q.doSample = r.boolean(step("do_sample"), *v).value_or(false);
  }
  if (const TgiJson* v = optionalMember(p, "max_new_tokens")) {
    r.unsignedInt(step("max_new_tokens"), *v, "u32", UINT32_MAX);
  }
  q.maxNewTokens = intField(p, "max_new_tokens");
  if (const TgiJson* v = optionalMember(p, "return_full_text")) {
    q.returnFullText = r.boolean(step("return_full_text"), *v);
  }
  if (const TgiJson* v = writtenMember(p, "stop")) {
    q.stop = r.strings(step("stop"), *v);
  }
  if (const TgiJson* v = optionalMember(p, "truncate")) {
    q.truncate = clampedSize(r.unsignedInt(step("truncate"), *v, "usize", UINT64_MAX));
  }
  if (const TgiJson* v = writtenMember(p, "watermark")) {
    r.boolean(step("watermark"), *v);
  }
  if (const TgiJson* v = writtenMember(p, "details")) {
    q.details = r.boolean(step("details"), *v).value_or(false);
  }
  if (const TgiJson* v = writtenMember(p, "decoder_input_details")) {
    q.decoderInputDetails = r.boolean(step("decoder_input_details"), *v).value_or(false);
  }
  if (const TgiJson* v = optionalMember(p, "seed")) {
    q.seed = r.unsignedInt(step("seed"), *v, "u64", UINT64_MAX);
  }
  if (const TgiJson* v = optionalMember(p, "top_n_tokens")) {
    q.topNTokens = r.unsignedInt(step("top_n_tokens"), *v, "u32", UINT32_MAX);
  }
}

void readGenerate(SerdeReader& r, const TgiJson& doc, Endpoint endpoint, TgiRequest& out) {
  if (const TgiJson* inputs = writtenMember(doc, "inputs")) {
    out.prompt.text = r.string(pathOf("inputs"), *inputs);
  } else {
    r.missingField({}, "inputs");
  }
  if (const TgiJson* p = writtenMember(doc, "parameters")) {
    if (p->is_object()) {
      out.parametersJson = dumpJson(*p);
      readGenerateParameters(r, *p, out.parameters);
    } else {
      r.typeError(pathOf("parameters"), *p, "struct GenerateParameters");
    }
  } else {
    out.parameters.doSample = true; // TGI's default_parameters (docs/tgi.md, the do_sample quirk)
  }
  const TgiJson* stream = writtenMember(doc, "stream");
  if (endpoint == Endpoint::Compat && stream) {
    out.stream = r.boolean(pathOf("stream"), *stream);
  }
  // GenerateRequest's, defaulting to true; `/` (CompatGenerateRequest) has none and adds them.
  const TgiJson* special = writtenMember(doc, "add_special_tokens");
  if (endpoint != Endpoint::Compat && special) {
    out.addSpecialTokens = r.boolean(pathOf("add_special_tokens"), *special);
  }
}

// The sampling members of the OpenAI routes, mapped to GenerateParameters as TGI's chat and
// completions handlers map them.
void readOpenAiParameters(SerdeReader& r, const TgiJson& doc, bool chat, TgiRequest& out) {
  TgiGenerateParameters& q = out.parameters;
  q.details = true;
  out.maxTokens = intField(doc, "max_tokens");
  out.maxCompletionTokens = intField(doc, "max_completion_tokens");
  const char* maxKey = chat && !doc.contains("max_tokens") && doc.contains("max_completion_tokens")
                           ? "max_completion_tokens"
                           : "max_tokens";
  if (const TgiJson* v = optionalMember(doc, maxKey)) {
    r.unsignedInt(pathOf(maxKey), *v, "u32", UINT32_MAX);
  }
  q.maxNewTokens = intField(doc, maxKey);
  std::optional<double> temperature;
  if (const TgiJson* v = optionalMember(doc, "temperature")) {
    temperature = r.floating(pathOf("temperature"), *v);
  }
  // temperature 0 means greedy; anything else (or nothing) samples.
  if (temperature && *temperature == 0.0) {
    q.doSample = false;
  } else {
    q.doSample = true;
    q.temperature = temperature;
  }
  if (const TgiJson* v = optionalMember(doc, "top_p")) {
    q.topP = r.floating(pathOf("top_p"), *v);
  }
  if (const TgiJson* v = optionalMember(doc, "seed")) {
    q.seed = r.unsignedInt(pathOf("seed"), *v, "u64", UINT64_MAX);
  }
  if (const TgiJson* v = optionalMember(doc, "frequency_penalty")) {
    q.frequencyPenalty = r.floating(pathOf("frequency_penalty"), *v);
  }
  if (chat) {
    if (const TgiJson* v = optionalMember(doc, "presence_penalty")) {
      if (auto penalty = r.floating(pathOf("presence_penalty"), *v)) {
        q.repetitionPenalty = *penalty + 2.0;
      }
    }
    if (const TgiJson* v = optionalMember(doc, "top_logprobs")) {
      q.topNTokens = r.unsignedInt(pathOf("top_logprobs"), *v, "u32", UINT32_MAX);
    }
  } else if (const TgiJson* v = optionalMember(doc, "repetition_penalty")) {
    q.repetitionPenalty = r.floating(pathOf("repetition_penalty"), *v);
  }
  if (const TgiJson* v = optionalMember(doc, "stop")) {
    q.stop = r.strings(pathOf("stop"), *v);
  }
}

// The OpenAI members both routes share after their prompt: model, stream, the sampling members,
// and the body less its prompt.
void readOpenAiRest(SerdeReader& r, const TgiJson& doc, const char* promptKey, TgiRequest& out) {
  if (const TgiJson* v = optionalMember(doc, "model")) {
    out.model = r.string(pathOf("model"), *v);
  }
  if (const TgiJson* v = writtenMember(doc, "stream")) {
    out.stream = r.boolean(pathOf("stream"), *v);
  }
  TgiJson rest = TgiJson::object();
  for (const auto& [key, value] : doc.items()) {
    if (key != promptKey) {
      rest[key] = value;
    }
  }
  out.parametersJson = dumpJson(rest);
}

TgiMessage readMessage(SerdeReader& r, const TgiJson& m, const Path& at) {
  TgiMessage message;
  if (const TgiJson* role = writtenMember(m, "role")) {
    message.role = r.string(stepInto(at, "role"), *role).value_or("");
  } else {
    r.missingField(at, "role");
  }
  const TgiJson* content = optionalMember(m, "content");
  if (content == nullptr) {
    return message;
  }
  if (content->is_string()) {
    message.content = content->get<std::string>();
  } else if (content->is_array()) {
    for (const auto& chunk : *content) {
      if (chunk.is_object()) {
        message.chunks.push_back(
            {.type = stringField(chunk, "type"), .text = stringField(chunk, "text")});
      }
    }
  } else {
    r.typeError(stepInto(at, "content"), *content, "a string or a sequence of chunks");
  }
  return message;
}

void readChat(SerdeReader& r, const TgiJson& doc, TgiRequest& out) {
  const TgiJson* messages = writtenMember(doc, "messages");
  if (messages == nullptr) {
    r.missingField({}, "messages");
  } else if (!messages->is_array()) {
    r.typeError(pathOf("messages"), *messages, "a sequence");
    out.prompt.text = stringField(doc, "messages");
  } else {
    std::vector<TgiMessage> read;
    for (size_t i = 0; i < messages->size(); ++i) {
      const Path at = stepInto(pathOf("messages"), i);
      const TgiJson& m = (*messages)[i];
      if (m.is_object()) {
        read.push_back(readMessage(r, m, at));
      } else {
        r.typeError(at, m, "struct Message");
      }
    }
    out.prompt.messages = std::move(read);
  }
  readOpenAiRest(r, doc, "messages", out);
  if (const TgiJson* options = optionalMember(doc, "stream_options")) {
    if (const TgiJson* v =
            options->is_object() ? writtenMember(*options, "include_usage") : nullptr) {
      out.includeUsage =
          r.boolean(stepInto(pathOf("stream_options"), "include_usage"), *v).value_or(false);
    }
  }
  out.hasTools = optionalMember(doc, "tools") != nullptr;
  out.hasResponseFormat = optionalMember(doc, "response_format") != nullptr;
  readOpenAiParameters(r, doc, true, out);
}

void readCompletion(SerdeReader& r, const TgiJson& doc, TgiRequest& out) {
  const TgiJson* prompt = writtenMember(doc, "prompt");
  if (prompt == nullptr) {
    r.missingField({}, "prompt");
  } else if (prompt->is_string()) {
    out.prompt.text = prompt->get<std::string>();
  } else if (prompt->is_array()) {
    std::vector<std::optional<std::string>> texts;
    for (size_t i = 0; i < prompt->size(); ++i) {
      texts.push_back(r.string(stepInto(pathOf("prompt"), i), (*prompt)[i]));
    }
    out.prompt.texts = std::move(texts);
  } else {
    r.typeError(pathOf("prompt"), *prompt, "a string or a sequence of strings");
  }
  readOpenAiRest(r, doc, "prompt", out);
  out.hasSuffix = optionalMember(doc, "suffix") != nullptr;
  readOpenAiParameters(r, doc, false, out);
}

} // namespace

std::string TgiMessage::text() const {
  if (content) {
    return *content;
  }
  std::string out;
  for (const auto& chunk : chunks) {
    if (chunk.type == "text" && chunk.text) {
      out += *chunk.text;
    }
  }
  return out;
}

TgiRequest decodeTgiRequest(Endpoint endpoint, std::string_view body) {
  TgiRequest out;
  const TgiJson doc = TgiJson::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    out.rejection = jsonSyntaxRejection(body);
    return out;
  }
  out.object = doc.is_object();
  if (endpoint == Endpoint::Other) {
    return out;
  }
  SerdeReader r(body);
  if (!out.object) {
    r.typeError({}, doc, "struct " + std::string(nameOf(kRequestTypeNames, endpoint)));
  } else if (endpoint == Endpoint::Chat) {
    readChat(r, doc, out);
  } else if (endpoint == Endpoint::Completions) {
    readCompletion(r, doc, out);
  } else {
    readGenerate(r, doc, endpoint, out);
  }
  out.rejection = r.rejection();
  return out;
}

} // namespace tt
