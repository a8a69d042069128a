// The event loop's token scan never calls an event a token unless classifyTgiEvent does, and it
// recognises the token events TGI sends.
#include "proxy/token_scan.h"

#include "core/tgi_stream.h"
#include "tests/support/byte_mutations.h"

#include <catch2/catch.hpp>

#include <random>

namespace tt::test {
namespace {

const std::vector<std::string> kTokens = {
    R"({"index":1,"token":{"id":363,"text":" for","logprob":-1.5351562,"special":false},"generated_text":null,"details":null})",
    R"({"index":2,"token":{"id":1,"text":"\u00e9\ud83d\ude00 \"q\" \\ \/","logprob":0.0,"special":false},"top_tokens":[],"generated_text":null,"details":null})",
    R"( { "token" : { "text" : "日本語 ü" } , "error" : null } )",
    R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null})",
    R"({"choices":[{"text":"x","index":0,"finish_reason":""}],"model":"m","created":-12.5})",
};

const std::vector<std::string> kOthers = {
    R"({"index":3,"token":{"id":2,"text":"</s>","special":true},"generated_text":"a b","details":{"finish_reason":"length","generated_tokens":3}})",
    R"({"error":"Model is overloaded","error_type":"overloaded"})",
    R"({"error":{"message":"bad","http_status_code":422},"token":{}})",
    R"({"choices":[{"delta":{},"finish_reason":"stop"}]})",
    R"({"choices":[],"usage":{"completion_tokens":3,"prompt_tokens":2}})",
    R"({"choices":[null,{"finish_reason":null}]})",
    R"({"choices":[{"finish_reason":null,"finish_reason":"stop"}]})",
    R"({"token":{},"token":1})",
    R"({"\u0074oken":{}})",
    R"({"token":{"n":1e999}})",
    R"({"token":{"t":"\ud800"}})",
    R"({"token":{"t":"\udc00\ud800"}})",
    R"({"token":{"n":01}})",
    R"({"token":[]})",
    "{\"token\":{\"t\":\"\xC0\x80\"}}",
    "{\"token\":{\"t\":\"\xED\xA0\x80\"}}",
    "{\"token\":{\"t\":\"\xF4\x90\x80\x80\"}}",
    "{\"token\":{\"t\":\"a\tb\"}}",
    "\xEF\xBB\xBF{\"token\":{}}",
    R"({"token":{}} x)",
    R"({"token":{},})",
    "[DONE]",
    "",
    "{}",
    "not json",
};

// Bytes that make JSON change meaning or validity when dropped in at random.
const std::string kNoise = "{}[]\",:\\u0e9-. \t\nnt\x80\xC3\xA9\xED\xF0\x01";

} // namespace

TEST_CASE("token scan: TGI and OpenAI token events are recognised", "[proxy][stream]") {
  for (const std::string& data : kTokens) {
    CAPTURE(data);
    CHECK(classifyTgiEvent(data).kind == TgiEventKind::Token);
    CHECK(proxy::isTokenEvent(data));
  }
}

TEST_CASE("token scan: finals, errors, usage and unusual JSON take the slow path",
          "[proxy][stream]") {
  for (const std::string& data : kOthers) {
    CAPTURE(data);
    CHECK_FALSE(proxy::isTokenEvent(data));
  }
}

TEST_CASE("token scan: mutated events are tokens only when classifyTgiEvent agrees",
          "[proxy][stream]") {
  std::mt19937 rng(20261123);
  std::vector<std::string> seeds = kTokens;
  seeds.insert(seeds.end(), kOthers.begin(), kOthers.end());
  size_t tokens = 0;
  for (int i = 0; i < 40'000; ++i) {
    const std::string data = test::mutated(seeds[rng() % seeds.size()], kNoise, rng);
    if (proxy::isTokenEvent(data)) {
      ++tokens;
      CAPTURE(data);
      REQUIRE(classifyTgiEvent(data).kind == TgiEventKind::Token);
    }
  }
  CHECK(tokens > 1'000); // the mutations kept many events tokens: the check above had work
}

} // namespace tt::test
