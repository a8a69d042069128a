#include "tgisim/api_request.h"

#include "core/tgi_request_body.h"

namespace tt::tgisim {
namespace {

// What every route's body gives the generation: its parameters and whether it streams.
GenerateRequest generateRequest(TgiRequest& request) {
  GenerateRequest out;
  static_cast<TgiGenerateParameters&>(out.params) = std::move(request.parameters);
  out.stream = request.stream.value_or(false);
  return out;
}

// The chat template of the stand-in model (README.md): ChatML markers.
std::string applyChatTemplate(const std::vector<TgiMessage>& messages) {
  std::string out;
  for (const auto& m : messages) {
    out += "<|im_start|>" + m.role + "\n" + m.text() + "<|im_end|>\n";
  }
  out += "<|im_start|>assistant\n";
  return out;
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

TgiRejection unsupportedMediaType() {
  return {415, "Expected request with `Content-Type: application/json`"};
}

std::variant<GenerateRequest, TgiRejection> decodeGenerate(std::string_view body, bool compat) {
  TgiRequest request = decodeTgiRequest(compat ? Endpoint::Compat : Endpoint::Generate, body);
  if (request.rejection) {
    return std::move(*request.rejection);
  }
  GenerateRequest out = generateRequest(request);
  out.inputs = std::move(*request.prompt.text);
  out.params.emptyInputs = out.inputs.empty();
  out.addSpecialTokens = request.addSpecialTokens.value_or(true);
  return out;
}

std::variant<ChatRequest, TgiRejection> decodeChat(std::string_view body) {
  TgiRequest request = decodeTgiRequest(Endpoint::Chat, body);
  if (request.rejection) {
    return std::move(*request.rejection);
  }
  ChatRequest out{.model = std::move(request.model),
                  .stream = request.stream.value_or(false),
                  .includeUsage = request.includeUsage,
                  .hasTools = request.hasTools,
                  .hasResponseFormat = request.hasResponseFormat,
                  .generate = generateRequest(request)};
  out.generate.inputs = applyChatTemplate(*request.prompt.messages);
  out.generate.params.emptyInputs = out.generate.inputs.empty();
  out.generate.addSpecialTokens = false;
  return out;
}

std::variant<CompletionRequest, TgiRejection> decodeCompletion(std::string_view body) {
  TgiRequest request = decodeTgiRequest(Endpoint::Completions, body);
  if (request.rejection) {
    return std::move(*request.rejection);
  }
  CompletionRequest out{.model = std::move(request.model),
                        .stream = request.stream.value_or(false),
                        .hasSuffix = request.hasSuffix,
                        .generate = generateRequest(request)};
  if (request.prompt.text) {
    out.prompts.push_back(std::move(*request.prompt.text));
  }
  if (request.prompt.texts) {
    for (auto& text : *request.prompt.texts) {
      out.prompts.push_back(std::move(*text));
    }
  }
  return out;
}

} // namespace tt::tgisim
