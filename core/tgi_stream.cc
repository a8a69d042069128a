#include "core/tgi_stream.h"

#include "core/json_fields.h"

#include <nlohmann/json.hpp>

namespace tt {
namespace {

using nlohmann::json;

void readUsage(const json& obj, TgiEvent& ev) {
  const auto usage = obj.find("usage");
  if (usage != obj.end() && usage->is_object()) {
    ev.generatedTokens = intField(*usage, "completion_tokens");
    ev.promptTokens = intField(*usage, "prompt_tokens");
  }
}

void classifyError(const json& error, const json& obj, TgiEvent& ev) {
  ev.kind = TgiEventKind::Error;
  if (error.is_string()) {
    ev.errorMessage = error.get<std::string>();
    ev.errorType = stringField(obj, "error_type").value_or("");
  } else if (error.is_object()) {
    ev.errorMessage = stringField(error, "message").value_or("");
    const auto status = intField(error, "http_status_code");
    if (status) {
      ev.errorStatus = static_cast<int>(*status);
    }
  }
}

void classifyGenerate(const json& obj, TgiEvent& ev) {
  ev.index = intField(obj, "index");
  ev.generatedText = stringField(obj, "generated_text");
  ev.kind = ev.generatedText ? TgiEventKind::Final : TgiEventKind::Token;
  const auto details = obj.find("details");
  if (details != obj.end() && details->is_object()) {
    ev.finishReason = stringField(*details, "finish_reason");
    ev.generatedTokens = intField(*details, "generated_tokens");
    ev.promptTokens = intField(*details, "input_length");
  }
}

void classifyChoices(const json& obj, const json& choices, TgiEvent& ev) {
  readUsage(obj, ev);
  if (choices.empty()) {
    ev.kind = ev.generatedTokens ? TgiEventKind::Usage : TgiEventKind::Other;
    return;
  }
  const json& choice = choices.front();
  if (!choice.is_object()) {
    return;
  }
  ev.index = intField(choice, "index");
  const auto reason = stringField(choice, "finish_reason");
  // Completions streams send finish_reason "" on non-final tokens.
  if (reason && !reason->empty()) {
    ev.finishReason = reason;
    ev.kind = TgiEventKind::Final;
  } else {
    ev.kind = TgiEventKind::Token;
  }
}

} // namespace

TgiEvent classifyTgiEvent(std::string_view data) {
  TgiEvent ev;
  if (data == "[DONE]") {
    ev.kind = TgiEventKind::Done;
    return ev;
  }
  const json obj = json::parse(data, nullptr, false);
  if (obj.is_discarded() || !obj.is_object()) {
    return ev;
  }
  const auto error = obj.find("error");
  if (error != obj.end() && !error->is_null()) {
    classifyError(*error, obj, ev);
    return ev;
  }
  const auto token = obj.find("token");
  if (token != obj.end() && token->is_object()) {
    classifyGenerate(obj, ev);
    return ev;
  }
  const auto choices = obj.find("choices");
  if (choices != obj.end() && choices->is_array()) {
    classifyChoices(obj, *choices, ev);
  }
  return ev;
}

TgiEvent TgiStreamTally::add(std::string_view data) {
  TgiEvent ev = classifyTgiEvent(data);
  switch (ev.kind) {
  case TgiEventKind::Token:
    ++tokens_;
    break;
  case TgiEventKind::Final:
    ++tokens_;
    ++finals_;
    finishReason_ = ev.finishReason;
    break;
  case TgiEventKind::Usage:
    break;
  case TgiEventKind::Error:
    error_ = true;
    errorMessage_ = ev.errorMessage;
    break;
  case TgiEventKind::Done:
    done_ = true;
    break;
  case TgiEventKind::Other:
    break;
  }
  // Several prompts (completions) end in several finals, each with its own counts: sum them.
  // A usage chunk (chat) carries the totals.
  if (ev.kind == TgiEventKind::Final) {
    if (ev.generatedTokens) {
      reported_ = reported_.value_or(0) + *ev.generatedTokens;
    }
    if (ev.promptTokens) {
      promptTokens_ = promptTokens_.value_or(0) + *ev.promptTokens;
    }
  } else if (ev.kind == TgiEventKind::Usage) {
    reported_ = ev.generatedTokens;
    promptTokens_ = ev.promptTokens;
  }
  return ev;
}

} // namespace tt
