// The capture writer's document-free scans of request and answer bodies give nlohmann's answer
// whenever they give one, and give one for the bodies TGI and its clients send.
#include "core/tgi_body_scan.h"

#include "tests/support/byte_mutations.h"
#include "tests/support/tgi_fixture.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

namespace tt {
namespace {

using nlohmann::json;

struct RequestCase {
  Endpoint endpoint;
  std::string body;
};

const std::vector<RequestCase> kRequests = {
    {Endpoint::Generate,
     R"({"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":10,"temperature":0.7,"top_p":0.95,"details":true}})"},
    {Endpoint::GenerateStream,
     R"( { "parameters" : { "stop" : ["\n", "</s>"], "max_new_tokens" : 20 } , "inputs" : "caf\u00e9 \ud83d\ude00 \"q\"\n日本" } )"},
    {Endpoint::Generate,
     R"({"inputs":"x","parameters":{"seed":-0,"top_k":10,"typical_p":1.5e-1}})"},
    {Endpoint::Compat, R"({"inputs":"a","stream":true,"parameters":{}})"},
    {Endpoint::Compat, R"({"stream":false,"inputs":"","parameters":null})"},
    {Endpoint::Tokenize, R"({"inputs":"My name is Olivier and I"})"},
    {Endpoint::Chat,
     R"({"model":"tgi","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is deep learning?"}],"stream":true,"max_tokens":100,"seed":1})"},
    {Endpoint::Chat,
     R"({"messages":[{"role":"user","content":[{"type":"text","text":"Whats in this image?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}],"max_completion_tokens":30})"},
    {Endpoint::Chat, R"({ "max_tokens" : 5 , "messages" : [ ] })"},
    {Endpoint::Chat, R"({"messages":"text instead of a list","temperature":0.5})"},
    {Endpoint::Completions,
     R"({"model":"tgi","prompt":"What is Deep Learning?","max_tokens":10,"seed":0,"stream":false})"},
    {Endpoint::Completions, R"({"prompt":["Say","this is a test",3],"max_tokens":[1]})"},
    {Endpoint::Completions, R"({"prompt":"only"})"},
};

std::vector<std::string> responses() {
  return {
      test::tgiFixture("test_flash_llama/test_flash_llama_simple.json"),
      test::tgiFixture("test_flash_llama/test_flash_llama_all_params.json"),
      test::tgiFixture("test_bloom_560m/test_bloom_560m.json"),
      test::tgiFixture("test_flash_gemma3/test_exceed_window.json"),
      test::tgiFixture("test_chat_llama/test_flash_llama_simple.json"),
      test::tgiFixture("test_completion_prompts/test_flash_llama_completion_single_prompt.json"),
      test::tgiFixture("test_completion_prompts/test_flash_llama_completion_many_prompts.json"),
      test::tgiFixture("test_tools_llama/test_flash_llama_grammar_tools_nostream.json"),
      R"([{"generated_text":" for the answer","details":{"finish_reason":"length","generated_tokens":10,"seed":null,"prefill":[],"tokens":[]}}])",
      R"({"error":"Input validation error: `inputs` must have less than 4096 tokens. Given: 5000","error_type":"validation"})",
      R"({"error":"Model is overloaded","error_type":"overloaded"})",
      R"({"generated_text":"x","details":null})",
      R"({"choices":[{"finish_reason":"stop"}],"usage":null})",
  };
}

// Bytes that change a body's meaning or validity when dropped in at random.
const std::string kNoise = "{}[]\",:\\u0e9-.+E \t\nntf\x80\xC3\xA9\xED\xF0\x01";

// `parameters` differs in spelling only (the body's own text against the document written out).
void requireSameRequest(const TgiRequestFields& scanned, const TgiRequestFields& document) {
  REQUIRE(scanned.valid == document.valid);
  REQUIRE(scanned.stream == document.stream);
  REQUIRE(scanned.inputBytes == document.inputBytes);
  REQUIRE(scanned.maxNewTokens == document.maxNewTokens);
  REQUIRE(scanned.parameters.empty() == document.parameters.empty());
  if (!scanned.parameters.empty()) {
    REQUIRE(json::parse(scanned.parameters) == json::parse(document.parameters));
  }
}

void requireSameResponse(const TgiResponseInfo& scanned, const TgiResponseInfo& document) {
  REQUIRE(scanned.valid == document.valid);
  REQUIRE(scanned.finishReason == document.finishReason);
  REQUIRE(scanned.generatedTokens == document.generatedTokens);
  REQUIRE(scanned.promptTokens == document.promptTokens);
  REQUIRE(scanned.errorMessage == document.errorMessage);
  REQUIRE(scanned.errorType == document.errorType);
}

} // namespace

TEST_CASE("body scan: TGI and OpenAI requests read as their documents do", "[core][tgi]") {
  for (const RequestCase& c : kRequests) {
    CAPTURE(c.body);
    const auto scanned = scanTgiRequest(c.endpoint, c.body);
    REQUIRE(scanned); // none of these needs the document
    requireSameRequest(*scanned, parseTgiRequestDocument(c.endpoint, c.body));
  }
  // Bodies without spaces, escapes or other number forms are stored alike by both paths.
  for (const size_t i : {0, 3, 5, 6, 7, 10, 12}) {
    const RequestCase& c = kRequests[i];
    CAPTURE(c.body);
    CHECK(scanTgiRequest(c.endpoint, c.body)->parameters ==
          parseTgiRequestDocument(c.endpoint, c.body).parameters);
  }
  const auto chat = scanTgiRequest(Endpoint::Chat, kRequests[6].body);
  CHECK(chat->inputBytes == 28 + 22);
  CHECK(chat->parameters == R"({"model":"tgi","stream":true,"max_tokens":100,"seed":1})");
  const auto spaced = scanTgiRequest(Endpoint::Chat, kRequests[8].body);
  CHECK(spaced->parameters == R"({ "max_tokens" : 5 })");
  const auto escaped = scanTgiRequest(Endpoint::GenerateStream, kRequests[1].body);
  CHECK(escaped->inputBytes == std::string("café 😀 \"q\"\n日本").size());
}

TEST_CASE("body scan: real TGI answers read as their documents do", "[core][tgi]") {
  for (const std::string& body : responses()) {
    CAPTURE(body);
    const auto scanned = scanTgiResponse(body);
    REQUIRE(scanned);
    requireSameResponse(*scanned, parseTgiResponseDocument(body));
  }
}

TEST_CASE("body scan: what it cannot be sure of is left to the document", "[core][tgi]") {
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"({"inputs":"a","inputs":"bb"})"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"({"\u0069nputs":"a"})"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"({"parameters":{"max_new_tokens":1.0}})"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate,
                             R"({"parameters":{"max_new_tokens":9223372036854775808}})"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"({"inputs":1e999})"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"(["inputs"])"));
  CHECK_FALSE(scanTgiRequest(Endpoint::Generate, R"({"inputs":"a"} x)"));
  CHECK_FALSE(scanTgiResponse(R"({"error":"say \"no\""})"));
  CHECK_FALSE(scanTgiResponse(R"([{"generated_text":"a"},{"generated_text":"b"}])"));
  CHECK_FALSE(scanTgiResponse(R"({"details":{"generated_tokens":2},"details":{}})"));
}

TEST_CASE("body scan: mutated bodies read as their documents do whenever scanned", "[core][tgi]") {
  std::mt19937 rng(20261206);
  size_t scannedRequests = 0;
  for (int i = 0; i < 30'000; ++i) {
    const RequestCase& c = kRequests[rng() % kRequests.size()];
    const std::string body = test::mutated(c.body, kNoise, rng);
    if (const auto scanned = scanTgiRequest(c.endpoint, body)) {
      ++scannedRequests;
      CAPTURE(body);
      requireSameRequest(*scanned, parseTgiRequestDocument(c.endpoint, body));
    }
  }
  const std::vector<std::string> kResponses = responses();
  size_t scannedResponses = 0;
  for (int i = 0; i < 30'000; ++i) {
    const std::string body = test::mutated(kResponses[rng() % kResponses.size()], kNoise, rng);
    if (const auto scanned = scanTgiResponse(body)) {
      ++scannedResponses;
      CAPTURE(body);
      requireSameResponse(*scanned, parseTgiResponseDocument(body));
    }
  }
  // Many mutations keep a body readable: the comparisons above had work.
  CHECK(scannedRequests > 3'000);
  CHECK(scannedResponses > 3'000);
}

} // namespace tt
