#include "tgisim/api_response.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

namespace tt::tgisim {
namespace {

using nlohmann::ordered_json;

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json tokenObject(const GenToken& token) {
  ordered_json t;
  t["id"] = token.id;
  t["text"] = token.text;
  t["logprob"] = token.logprob;
  t["special"] = token.special;
  return t;
}

ordered_json usageObject(int64_t prompt, int64_t completion) {
  ordered_json u;
  u["prompt_tokens"] = prompt;
  u["completion_tokens"] = completion;
  u["total_tokens"] = prompt + completion;
  return u;
}

ordered_json openAiHead(std::string_view object, const ServerIdentity& id, std::string_view model,
                        int64_t created) {
  ordered_json j;
  j["object"] = object;
  j["id"] = "";
  j["created"] = created;
  j["model"] = model;
  j["system_fingerprint"] = id.systemFingerprint();
  return j;
}

} // namespace

std::string_view openAiFinishReason(std::string_view reason) {
  return reason == "eos_token" ? "stop" : reason;
}

std::string generateResponseJson(const std::string& generatedText, const SequenceEnd* details,
                                 const std::vector<GenToken>& tokens) {
  ordered_json j;
  j["generated_text"] = generatedText;
  if (details != nullptr) {
    ordered_json d;
    d["finish_reason"] = details->finishReason;
    d["generated_tokens"] = details->generatedTokens;
    d["seed"] = details->seed ? ordered_json(*details->seed) : ordered_json(nullptr);
    d["prefill"] = ordered_json::array();
    d["tokens"] = ordered_json::array();
    for (const auto& t : tokens) {
      d["tokens"].push_back(tokenObject(t));
    }
    j["details"] = std::move(d);
  }
  return dump(j);
}

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
        out += buffer;
      } else {
        out += ch;
      }
    }
  }
  out += '"';
}

void appendTokenJson(std::string& out, const GenToken& token) {
  char number[64];
  out += "{\"id\":";
  out += std::to_string(token.id);
  out += ",\"text\":";
  appendJsonString(out, token.text);
  out += ",\"logprob\":";
  const auto r = std::to_chars(number, number + sizeof number, token.logprob);
  out.append(number, r.ptr);
  out += token.special ? ",\"special\":true}" : ",\"special\":false}";
}

std::string streamTokenJson(int64_t index, const GenToken& token, const std::string* generatedText,
                            const SequenceEnd* details) {
  if (generatedText == nullptr && details == nullptr) {
    // The hot path: every token but the last, written by hand (same bytes as nlohmann's).
    std::string out;
    out.reserve(128 + token.text.size());
    out += "{\"index\":";
    out += std::to_string(index);
    out += ",\"token\":";
    appendTokenJson(out, token);
    out += ",\"generated_text\":null,\"details\":null}";
    return out;
  }
  ordered_json j;
  j["index"] = index;
  j["token"] = tokenObject(token);
  j["generated_text"] = generatedText != nullptr ? ordered_json(*generatedText) : nullptr;
  if (details != nullptr) {
    ordered_json d;
    d["finish_reason"] = details->finishReason;
    d["generated_tokens"] = details->generatedTokens;
    d["seed"] = details->seed ? ordered_json(*details->seed) : ordered_json(nullptr);
    d["input_length"] = details->inputLength;
    j["details"] = std::move(d);
  } else {
    j["details"] = nullptr;
  }
  return dump(j);
}

std::string chatCompletionJson(const ServerIdentity& id, std::string_view model, int64_t created,
                               const std::string& content, std::string_view finishReason,
                               int64_t promptTokens, int64_t completionTokens) {
  ordered_json j = openAiHead("chat.completion", id, model, created);
  ordered_json choice;
  choice["index"] = 0;
  choice["message"]["role"] = "assistant";
  choice["message"]["content"] = content;
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = openAiFinishReason(finishReason);
  j["choices"] = ordered_json::array({choice});
  j["usage"] = usageObject(promptTokens, completionTokens);
  return dump(j);
}

std::string chatChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                          const GenToken& token, std::string_view finishReason) {
  ordered_json j = openAiHead("chat.completion.chunk", id, model, created);
  ordered_json choice;
  choice["index"] = 0;
  choice["delta"]["role"] = "assistant";
  choice["delta"]["content"] = token.special ? std::string() : token.text;
  choice["logprobs"] = nullptr;
  choice["finish_reason"] =
      finishReason.empty() ? ordered_json(nullptr) : ordered_json(openAiFinishReason(finishReason));
  j["choices"] = ordered_json::array({choice});
  j["usage"] = nullptr;
  return dump(j);
}

std::string chatUsageChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                               int64_t promptTokens, int64_t completionTokens) {
  ordered_json j = openAiHead("chat.completion.chunk", id, model, created);
  j["choices"] = ordered_json::array();
  j["usage"] = usageObject(promptTokens, completionTokens);
  return dump(j);
}

std::string completionJson(const ServerIdentity& id, std::string_view model, int64_t created,
                           const std::vector<CompletionChoice>& choices) {
  ordered_json j = openAiHead("text_completion", id, model, created);
  j["choices"] = ordered_json::array();
  int64_t prompt = 0;
  int64_t completion = 0;
  for (const auto& c : choices) {
    ordered_json choice;
    choice["index"] = c.index;
    choice["text"] = c.text;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = openAiFinishReason(c.finishReason);
    j["choices"].push_back(std::move(choice));
    prompt += c.promptTokens;
    completion += c.completionTokens;
  }
  j["usage"] = usageObject(prompt, completion);
  return dump(j);
}

std::string completionChunkJson(const ServerIdentity& id, std::string_view model, int64_t created,
                                size_t index, const GenToken& token) {
  ordered_json j;
  j["object"] = "text_completion";
  j["id"] = "";
  j["created"] = created;
  ordered_json choice;
  choice["index"] = index;
  choice["text"] = token.special ? std::string() : token.text;
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = "";
  j["choices"] = ordered_json::array({choice});
  j["model"] = model;
  j["system_fingerprint"] = id.systemFingerprint();
  return dump(j);
}

std::string completionFinalJson(const ServerIdentity& id, std::string_view model, int64_t created,
                                size_t index, const GenToken& token, std::string_view finishReason,
                                int64_t promptTokens, int64_t completionTokens) {
  ordered_json j = openAiHead("text_completion", id, model, created);
  ordered_json choice;
  choice["index"] = index;
  choice["text"] = token.special ? std::string() : token.text;
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finishReason; // to_string(): eos_token stays eos_token here
  j["choices"] = ordered_json::array({choice});
  j["usage"] = usageObject(promptTokens, completionTokens);
  return dump(j);
}

namespace {

ordered_json tokenList(const std::vector<TokenPiece>& pieces) {
  ordered_json j = ordered_json::array();
  for (const auto& p : pieces) {
    ordered_json t;
    t["id"] = p.id;
    t["text"] = p.text;
    t["start"] = p.start;
    t["stop"] = p.stop;
    j.push_back(std::move(t));
  }
  return j;
}

} // namespace

std::string tokenizeJson(const std::vector<TokenPiece>& pieces) {
  return dump(tokenList(pieces));
}

std::string chatTokenizeJson(const std::vector<TokenPiece>& pieces,
                             const std::string& templatedText) {
  ordered_json j;
  j["tokenize_response"] = tokenList(pieces);
  j["templated_text"] = templatedText;
  return dump(j);
}

} // namespace tt::tgisim
