#include "core/sse_splitter.h"
#include "core/tgi_error.h"
#include "core/tgi_request.h"
#include "core/tgi_response.h"
#include "core/tgi_stream.h"

#include "tests/support/tgi_fixture.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace tt {
namespace {

using nlohmann::json;

// Counts a stream's tokens through the SSE splitter, as the proxy does.
class TallyHandler final : public SseHandler {
public:
  void onEvent(const SseEvent& e) override { tally.add(e.data); }
  void onComment(std::string_view /*text*/, uint64_t /*endOffset*/) override { ++comments; }
  TgiStreamTally tally;
  int comments = 0;
};

} // namespace

TEST_CASE("tgi: endpoint from method and path", "[tgi]") {
  CHECK(endpointFor("POST", "/generate") == Endpoint::Generate);
  CHECK(endpointFor("POST", "/generate_stream?x=1") == Endpoint::GenerateStream);
  CHECK(endpointFor("POST", "/") == Endpoint::Compat);
  CHECK(endpointFor("POST", "/v1/chat/completions") == Endpoint::Chat);
  CHECK(endpointFor("POST", "/v1/completions") == Endpoint::Completions);
  CHECK(endpointFor("POST", "/tokenize") == Endpoint::Tokenize);
  CHECK(endpointFor("GET", "/generate") == Endpoint::Other);
  CHECK(endpointFor("GET", "/health") == Endpoint::Other);
  CHECK(endpointFor("POST", "/generate/") == Endpoint::Other);
}

TEST_CASE("tgi: request fields for every route", "[tgi]") {
  const auto gen = parseTgiRequest(
      Endpoint::Generate,
      R"({"inputs":"Test request","parameters":{"max_new_tokens":10,"decoder_input_details":true}})");
  CHECK(gen.valid);
  CHECK_FALSE(gen.stream);
  CHECK(gen.inputBytes == 12);
  CHECK(gen.maxNewTokens == 10);
  CHECK(gen.parameters == R"({"max_new_tokens":10,"decoder_input_details":true})");

  const auto stream = parseTgiRequest(Endpoint::GenerateStream, R"({"inputs":"h\u00e9"})");
  CHECK(stream.stream);
  CHECK(stream.inputBytes == 3); // bytes, not characters
  CHECK_FALSE(stream.maxNewTokens);
  CHECK(stream.parameters.empty());

  CHECK(parseTgiRequest(Endpoint::Compat, R"({"inputs":"a","stream":true})").stream);
  CHECK_FALSE(parseTgiRequest(Endpoint::Compat, R"({"inputs":"a"})").stream);

  const auto chat = parseTgiRequest(
      Endpoint::Chat,
      R"({"model":"tgi","messages":[{"role":"system","content":"You are a bot"},)"
      R"({"role":"user","content":[{"type":"text","text":"Hi!"},{"type":"image_url"}]}],)"
      R"("max_tokens":100,"stream":true,"seed":1})");
  CHECK(chat.valid);
  CHECK(chat.stream);
  CHECK(chat.inputBytes == 16);
  CHECK(chat.maxNewTokens == 100);
  CHECK(chat.parameters == R"({"model":"tgi","max_tokens":100,"stream":true,"seed":1})");
  CHECK(parseTgiRequest(Endpoint::Chat, R"({"messages":[],"max_completion_tokens":7})")
            .maxNewTokens == 7);

  const auto comp = parseTgiRequest(Endpoint::Completions,
                                    R"({"model":"tgi","prompt":["ab","cde"],"max_tokens":10})");
  CHECK(comp.inputBytes == 5);
  CHECK(comp.maxNewTokens == 10);
  CHECK_FALSE(comp.stream);

  const auto bad = parseTgiRequest(Endpoint::Generate, "{not json");
  CHECK_FALSE(bad.valid);
  CHECK(bad.error == "request body is not a JSON object");
  CHECK_FALSE(parseTgiRequest(Endpoint::Generate, "[1]").valid);

  Exchange ex;
  applyTgiRequest(ex, Endpoint::Chat, chat);
  CHECK(ex.endpoint == Endpoint::Chat);
  CHECK(ex.stream);
  CHECK(ex.inputBytes == 16);
  CHECK(ex.maxNewTokens == 100);
  CHECK(ex.parameters == chat.parameters);
}

// docs/tgi.md, 1.5 "Streaming bytes".
TEST_CASE("tgi: /generate_stream events, exact bytes of tgi.md 1.5", "[tgi]") {
  const std::string bytes =
      "data: {\"index\":1,\"token\":{\"id\":363,\"text\":\" for\",\"logprob\":-1.5351562,"
      "\"special\":false},\"generated_text\":null,\"details\":null}\n\n"
      ":\n\n"
      "data:{\"index\":2,\"token\":{\"id\":29896,\"text\":\"1\",\"logprob\":-1.9394531,"
      "\"special\":false},\"generated_text\":\" for1\",\"details\":{\"finish_reason\":\"length\","
      "\"generated_tokens\":2,\"seed\":null,\"input_length\":3}}\n\n";
  TallyHandler h;
  SseSplitter splitter;
  REQUIRE(splitter.feed(bytes, h));
  CHECK(h.comments == 1);
  CHECK(h.tally.tokens() == 2);
  CHECK(h.tally.sawFinal());
  CHECK_FALSE(h.tally.sawDone());
  CHECK(h.tally.finishReason() == "length");
  CHECK(h.tally.outputTokens() == 2);
  CHECK(h.tally.promptTokens() == 3);

  const TgiEvent fin = classifyTgiEvent(
      R"({"index":2,"token":{"id":1,"text":"","logprob":0,"special":true},"generated_text":"x","details":null})");
  CHECK(fin.kind == TgiEventKind::Final);
  CHECK(fin.generatedText == "x");
  CHECK(fin.index == 2);
  CHECK_FALSE(fin.finishReason);
  CHECK(fin.kind == TgiEventKind::Final);

  const TgiEvent err =
      classifyTgiEvent(R"({"error":"Model is overloaded","error_type":"overloaded"})");
  CHECK(err.kind == TgiEventKind::Error);
  CHECK(err.errorMessage == "Model is overloaded");
  CHECK(err.errorType == "overloaded");
  CHECK(classifyTgiEvent("[DONE]").kind == TgiEventKind::Done);
  CHECK(classifyTgiEvent("not json").kind == TgiEventKind::Other);
  CHECK(classifyTgiEvent("{}").kind == TgiEventKind::Other);
}

TEST_CASE("tgi: a /generate fixture replayed as a stream counts its tokens", "[tgi][fixtures]") {
  const json resp = json::parse(test::tgiFixture("test_flash_llama/test_flash_llama_simple.json"));
  const auto& tokens = resp["details"]["tokens"];
  std::string sse;
  for (size_t i = 0; i < tokens.size(); ++i) {
    json ev;
    ev["index"] = i + 1;
    ev["token"] = tokens[i];
    const bool last = i + 1 == tokens.size();
    ev["generated_text"] = last ? resp["generated_text"] : json(nullptr);
    ev["details"] = last ? json{{"finish_reason", "length"}, {"generated_tokens", tokens.size()}}
                         : json(nullptr);
    appendSseData(sse, ev.dump());
  }
  TallyHandler h;
  SseSplitter splitter;
  // Fed in 7-byte pieces: the count must not depend on segmentation.
  for (size_t i = 0; i < sse.size(); i += 7) {
    REQUIRE(splitter.feed(std::string_view(sse).substr(i, 7), h));
  }
  CHECK(h.tally.tokens() == 10);
  CHECK(h.tally.outputTokens() == 10);
  CHECK(h.tally.finishReason() == "length");
}

TEST_CASE("tgi: chat stream fixtures, with and without usage", "[tgi][fixtures]") {
  for (const auto& [file, usage] :
       {std::pair{"test_completion_prompts/test_chat_hfhub_usage.json", true},
        std::pair{"test_completion_prompts/test_chat_hfhub_nousage.json", false}}) {
    INFO(file);
    const json chunks = json::parse(test::tgiFixture(file));
    std::string sse;
    for (const auto& c : chunks) {
      appendSseData(sse, c.dump());
    }
    appendSseData(sse, "[DONE]");
    TallyHandler h;
    SseSplitter splitter;
    REQUIRE(splitter.feed(sse, h));
    CHECK(h.tally.tokens() == 3); // "OK", "!", and the EOS chunk with content ""
    CHECK(h.tally.sawFinal());
    CHECK(h.tally.sawDone());
    CHECK(h.tally.finishReason() == "stop");
    CHECK(h.tally.outputTokens() == 3);
    CHECK(h.tally.promptTokens() == (usage ? std::optional<int64_t>(39) : std::nullopt));
  }
  const TgiEvent usage = classifyTgiEvent(R"({"object":"chat.completion.chunk","choices":[],)"
                                          R"("usage":{"prompt_tokens":39,"completion_tokens":3}})");
  CHECK(usage.kind == TgiEventKind::Usage);
  CHECK(usage.generatedTokens == 3);
}

TEST_CASE("tgi: completions stream and stream errors on OpenAI routes", "[tgi]") {
  const TgiEvent tok = classifyTgiEvent(
      R"({"object":"text_completion","id":"","created":1,"choices":[{"index":0,"text":" a","logprobs":null,"finish_reason":""}],"model":"m","system_fingerprint":"s"})");
  CHECK(tok.kind == TgiEventKind::Token);
  CHECK(tok.index == 0);
  TgiStreamTally tally;
  tally.add(R"({"choices":[{"index":0,"text":" a","finish_reason":""}]})");
  tally.add(R"({"choices":[{"index":1,"text":" b","finish_reason":""}]})");
  tally.add(R"({"choices":[{"index":1,"text":"","finish_reason":"eos_token"}],)"
            R"("usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}})");
  tally.add(R"({"choices":[{"index":0,"text":"c","finish_reason":"length"}],)"
            R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})");
  tally.add("[DONE]");
  CHECK(tally.tokens() == 4);
  CHECK(tally.outputTokens() == 4);
  CHECK(tally.promptTokens() == 5);
  CHECK(tally.finishReason() == "length");
  CHECK(tally.sawDone());

  const std::string data = tgiOpenAiStreamError("Input validation error: bad");
  CHECK(data == R"({"error":{"message":"Input validation error: bad","http_status_code":422}})");
  const TgiEvent err = classifyTgiEvent(data);
  CHECK(err.kind == TgiEventKind::Error);
  CHECK(err.errorMessage == "Input validation error: bad");
  CHECK(err.errorStatus == 422);
  TgiStreamTally errTally;
  errTally.add(data);
  CHECK(errTally.sawError());
  CHECK(errTally.errorMessage() == "Input validation error: bad");
}

TEST_CASE("tgi: non-streaming response fixtures", "[tgi][fixtures]") {
  struct Want {
    const char* file;
    const char* finish;
    int64_t generated;
    std::optional<int64_t> prompt;
  };
  for (const Want& w : {
           Want{"test_flash_llama/test_flash_llama_simple.json", "length", 10, std::nullopt},
           Want{"test_flash_llama/test_flash_llama_all_params.json", "stop_sequence", 5,
                std::nullopt},
           Want{"test_bloom_560m/test_bloom_560m.json", "length", 10, std::nullopt},
           Want{"test_flash_gemma3/test_exceed_window.json", "eos_token", 16, std::nullopt},
           Want{"test_chat_llama/test_flash_llama_simple.json", "length", 100, 61},
           Want{"test_tools_llama/test_flash_llama_grammar_tools_nostream.json", "stop", 29, 501},
           Want{"test_completion_prompts/test_flash_llama_completion_single_prompt.json", "length",
                10, 6},
           Want{"test_completion_prompts/test_flash_llama_completion_many_prompts.json", "length",
                40, 22},
       }) {
    INFO(w.file);
    const TgiResponseInfo info = parseTgiResponse(test::tgiFixture(w.file));
    CHECK(info.valid);
    CHECK(info.finishReason == w.finish);
    CHECK(info.generatedTokens == w.generated);
    CHECK(info.promptTokens == w.prompt);
    CHECK_FALSE(info.errorMessage);
  }
  // `/` answers a one-element array.
  const TgiResponseInfo compat = parseTgiResponse(
      R"([{"generated_text":"x","details":{"finish_reason":"eos_token","generated_tokens":1}}])");
  CHECK(compat.finishReason == "eos_token");
  CHECK(compat.generatedTokens == 1);
  CHECK(parseTgiResponse(R"({"generated_text":"x"})").valid);
  CHECK_FALSE(parseTgiResponse("Failed to parse the request body as JSON").valid);
}

TEST_CASE("tgi: error bodies", "[tgi]") {
  CHECK(tgiErrorBody("Model is overloaded", "overloaded") ==
        R"({"error":"Model is overloaded","error_type":"overloaded"})");
  CHECK(tgiErrorBody(TgiErrorKind::Overloaded) ==
        R"({"error":"Model is overloaded","error_type":"overloaded"})");
  CHECK(
      tgiErrorBody(TgiErrorKind::Validation, "`inputs` cannot be empty") ==
      R"({"error":"Input validation error: `inputs` cannot be empty","error_type":"validation"})");
  CHECK(tgiErrorBody("quote \" and \n", "x") == R"({"error":"quote \" and \n","error_type":"x"})");
  CHECK(tgiErrorSpec(TgiErrorKind::Generation).status == 424);
  CHECK(tgiErrorSpec(TgiErrorKind::Overloaded).status == 429);
  CHECK(tgiErrorSpec(TgiErrorKind::IncompleteGenerationStream).type ==
        "incomplete_generation_stream");
  const TgiResponseInfo info = parseTgiResponse(tgiErrorBody(TgiErrorKind::Tool, "Grammar"));
  CHECK(info.valid);
  CHECK(info.errorMessage == "Tool error: Grammar");
  CHECK(info.errorType == "tool_error");
  std::string sse;
  appendSseData(sse, tgiErrorBody(TgiErrorKind::Overloaded));
  CHECK(sse == "data: {\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}\n\n");
}

TEST_CASE("tgi: x-* timing headers", "[tgi]") {
  const Headers h = {{"x-compute-type", "gpu+optimized"},
                     {"x-compute-time", "1.2345678"},
                     {"x-compute-characters", "12"},
                     {"x-total-time", "1234"},
                     {"X-Validation-Time", "2"},
                     {"x-queue-time", "30"},
                     {"x-inference-time", "1202"},
                     {"x-time-per-token", "120"},
                     {"x-prompt-tokens", "4"},
                     {"x-generated-tokens", "10"}};
  const TgiTimings t = parseTgiTimings(h);
  CHECK(t.totalUs == 1234568);
  CHECK(t.validationUs == 2000);
  CHECK(t.queueUs == 30000);
  CHECK(t.inferenceUs == 1202000);
  CHECK(t.timePerTokenUs == 120000);
  CHECK(t.promptTokens == 4);
  CHECK(t.generatedTokens == 10);

  // Completions drop x-compute-time: x-total-time is used. Garbage is ignored.
  const TgiTimings c = parseTgiTimings({{"x-total-time", "77"}, {"x-queue-time", "1.5"}});
  CHECK(c.totalUs == 77000);
  CHECK_FALSE(c.queueUs);
  CHECK_FALSE(c.inferenceUs);
  CHECK_FALSE(parseTgiTimings({}).totalUs);
}

} // namespace tt
