// TGI request bodies read into TGI's request types: what reads, and how TGI refuses the rest.
#include "core/tgi_request_body.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("a generate body: its inputs, typed parameters, and the parameters as written") {
  const TgiRequest r = decodeTgiRequest(
      Endpoint::Generate,
      R"({"inputs":"Hi","parameters":{"top_k":5,"max_new_tokens":20,"stop":["a"],"seed":7}})");
  CHECK(r.object);
  CHECK_FALSE(r.rejection);
  CHECK(r.prompt.text == "Hi");
  CHECK(r.parameters.topK == 5);
  CHECK(r.parameters.maxNewTokens == 20);
  CHECK(r.parameters.stop == std::vector<std::string>{"a"});
  CHECK(r.parameters.seed == 7u);
  CHECK_FALSE(r.parameters.doSample);
  CHECK(r.parametersJson == R"({"top_k":5,"max_new_tokens":20,"stop":["a"],"seed":7})");

  // Without parameters TGI samples (docs/tgi.md, the do_sample quirk).
  CHECK(decodeTgiRequest(Endpoint::Generate, R"({"inputs":"Hi"})").parameters.doSample);

  // add_special_tokens is GenerateRequest's (default true); `/` has none to read.
  CHECK_FALSE(r.addSpecialTokens);
  const std::string plain = R"({"inputs":"Hi","add_special_tokens":false})";
  CHECK(decodeTgiRequest(Endpoint::Tokenize, plain).addSpecialTokens == false);
  CHECK_FALSE(decodeTgiRequest(Endpoint::Compat, plain).addSpecialTokens);
  const TgiRequest wrong =
      decodeTgiRequest(Endpoint::Generate, R"({"inputs":"Hi","add_special_tokens":"no"})");
  REQUIRE(wrong.rejection);
  CHECK(wrong.rejection->body == "Failed to deserialize the JSON body into the target type: "
                                 "add_special_tokens: invalid type: string \"no\", expected a "
                                 "boolean at line 1 column 40");
}

TEST_CASE("a body TGI refuses keeps what it asked for") {
  const TgiRequest r = decodeTgiRequest(Endpoint::Generate,
                                        R"({"inputs":"abc","parameters":{"max_new_tokens":-5}})");
  REQUIRE(r.rejection);
  CHECK(r.rejection->status == 422);
  CHECK(r.rejection->body == "Failed to deserialize the JSON body into the target type: "
                             "parameters.max_new_tokens: invalid value: integer `-5`, expected u32 "
                             "at line 1 column 49");
  CHECK(r.prompt.text == "abc");
  CHECK(r.parameters.maxNewTokens == -5);

  const TgiRequest notJson = decodeTgiRequest(Endpoint::Generate, "{not json");
  CHECK_FALSE(notJson.object);
  REQUIRE(notJson.rejection);
  CHECK(notJson.rejection->status == 400);
  CHECK(decodeTgiRequest(Endpoint::Compat, "[1]").rejection->body ==
        "Failed to deserialize the JSON body into the target type: invalid type: sequence, "
        "expected struct CompatGenerateRequest at line 1 column 1");
}

TEST_CASE("a chat body: messages with chunks, both token limits, the body less its messages") {
  const TgiRequest r = decodeTgiRequest(
      Endpoint::Chat,
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"ab"},)"
      R"({"type":"image_url","text":"cd"},{"type":"text","text":"ef"}]}],"max_tokens":null,)"
      R"("max_completion_tokens":9,"stream":true,"temperature":0})");
  CHECK_FALSE(r.rejection);
  REQUIRE(r.prompt.messages);
  REQUIRE(r.prompt.messages->size() == 1);
  const TgiMessage& m = r.prompt.messages->front();
  CHECK(m.role == "user");
  CHECK(m.text() == "abef");
  CHECK(m.chunks.size() == 3);
  CHECK(r.model == "m");
  CHECK(r.stream == true);
  CHECK_FALSE(r.maxTokens);
  CHECK(r.maxCompletionTokens == 9);
  CHECK_FALSE(r.parameters.maxNewTokens); // TGI reads max_completion_tokens only without max_tokens
  CHECK_FALSE(r.parameters.doSample);     // temperature 0 is greedy
  CHECK(r.parameters.details);
  CHECK(
      r.parametersJson ==
      R"({"model":"m","max_tokens":null,"max_completion_tokens":9,"stream":true,"temperature":0})");
}

TEST_CASE("a completions prompt list keeps its strings where an element is not one") {
  const TgiRequest r = decodeTgiRequest(Endpoint::Completions, R"({"prompt":["a",1,"bc"]})");
  REQUIRE(r.prompt.texts);
  CHECK(*r.prompt.texts == std::vector<std::optional<std::string>>{"a", std::nullopt, "bc"});
  REQUIRE(r.rejection);
  CHECK(r.rejection->body.find("prompt[1]: invalid type: integer `1`, expected a string") !=
        std::string::npos);
}
