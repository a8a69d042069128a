// tgi-sim's answers against the real TGI responses in shared/fixtures/tgi: same keys (in TGI's
// order where the fixtures' sorting hides it, docs/tgi.md, "Non-streaming answers"), same JSON
// types, finish reasons; and the SSE bytes of docs/tgi.md, "Streaming bytes".
#include "tests/support/tgi_fixture.h"
#include "tests/tgisim/sim_harness.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

using nlohmann::json;
using tt::test::post;
using tt::test::ServerThread;
using tt::test::simConfig;
using tt::test::sseData;

namespace {

json fixture(const std::string& path) {
  return json::parse(tt::test::tgiFixture(path));
}

// Keys the Python clients added as null that the server leaves out (fixtures README).
const std::set<std::string> kClientOnly = {"best_of_sequences", "top_tokens", "name", "tool_calls"};

// Every key of `expected` (bar client-only nulls) is in `actual` with the same JSON type, and
// `actual` has no key `expected` lacks; recursively, arrays by their first element.
void sameShape(const json& expected, const json& actual, const std::string& where) {
  INFO(where);
  if (expected.is_number()) {
    REQUIRE(actual.is_number());
    return;
  }
  if (expected.is_null()) {
    REQUIRE(actual.is_null());
    return;
  }
  REQUIRE(expected.type_name() == std::string(actual.type_name()));
  if (expected.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      // `usage: null` inside a chat choice is the client's too; at the top level it is real.
      const bool clientOnly = kClientOnly.contains(key) ||
                              (key == "usage" && where.find("choices") != std::string::npos);
      if (clientOnly && value.is_null()) {
        CHECK_FALSE(actual.contains(key));
        continue;
      }
      INFO("key " << key);
      REQUIRE(actual.contains(key));
      sameShape(value, actual[key], where + "." + key);
    }
    for (const auto& [key, value] : actual.items()) {
      INFO("extra key " << key);
      CHECK(expected.contains(key));
    }
  } else if (expected.is_array() && !expected.empty() && !actual.empty()) {
    sameShape(expected.front(), actual.front(), where + "[0]");
  }
}

std::vector<std::string> keyOrder(const std::string& jsonText) {
  std::vector<std::string> keys;
  const auto parsed = nlohmann::ordered_json::parse(jsonText);
  for (const auto& [key, value] : parsed.items()) {
    keys.push_back(key);
  }
  return keys;
}

} // namespace

TEST_CASE("/generate answers have the shape of TGI's, details and finish reasons included") {
  ServerThread server(simConfig({"--seed", "7"}));
  const auto reply = post(server.port(), "/generate",
                          R"({"inputs":"Test request","parameters":{"max_new_tokens":10,)"
                          R"("decoder_input_details":true}})");
  REQUIRE(reply.status == 200);
  const json actual = json::parse(reply.body);
  sameShape(fixture("test_flash_llama/test_flash_llama_simple.json"), actual, "generate");
  CHECK(actual["details"]["finish_reason"] == "length");
  CHECK(actual["details"]["generated_tokens"] == 10);
  CHECK(actual["details"]["tokens"].size() == 10);
  CHECK(actual["details"]["seed"].is_null()); // greedy, as in the fixture
  CHECK(keyOrder(reply.body) == std::vector<std::string>{"generated_text", "details"});

  // Sampling with a seed and a stop sequence: the seed comes back, as in all_params.
  const auto sampled = post(server.port(), "/generate",
                            R"({"inputs":"Test request","parameters":{"max_new_tokens":10,)"
                            R"("temperature":0.5,"seed":0,"details":true,"stop":["the"],)"
                            R"("return_full_text":true}})");
  REQUIRE(sampled.status == 200);
  const json s = json::parse(sampled.body);
  sameShape(fixture("test_flash_llama/test_flash_llama_all_params.json"), s, "all_params");
  CHECK(s["details"]["seed"] == 0);
  CHECK(s["generated_text"].get<std::string>().rfind("Test request", 0) == 0);
  const std::string reason = s["details"]["finish_reason"];
  CHECK((reason == "stop_sequence" || reason == "length"));
  if (reason == "stop_sequence") {
    CHECK(s["generated_text"].get<std::string>().ends_with("the"));
  }

  // Without details the body is just the text.
  const auto plain =
      post(server.port(), "/generate", R"({"inputs":"x","parameters":{"max_new_tokens":2}})");
  CHECK(keyOrder(plain.body) == std::vector<std::string>{"generated_text"});
  // `/` answers a one-element array.
  const auto compat =
      post(server.port(), "/", R"({"inputs":"x","parameters":{"max_new_tokens":2}})");
  REQUIRE(compat.status == 200);
  CHECK(json::parse(compat.body).is_array());
  CHECK(json::parse(compat.body).size() == 1);
}

TEST_CASE("end-of-sequence ends /generate with eos_token and a special last token") {
  ServerThread server(simConfig({"--eos-probability", "0.5", "--seed", "3"}));
  const auto reply = post(server.port(), "/generate",
                          R"({"inputs":"This is a nice place.","parameters":{"max_new_tokens":20,)"
                          R"("details":true}})");
  REQUIRE(reply.status == 200);
  const json actual = json::parse(reply.body);
  sameShape(fixture("test_flash_gemma3/test_exceed_window.json"), actual, "eos");
  CHECK(actual["details"]["finish_reason"] == "eos_token");
  const auto& tokens = actual["details"]["tokens"];
  CHECK(tokens.back()["special"] == true);
  CHECK(actual["details"]["generated_tokens"] == tokens.size());
  CHECK(tokens.size() < 20);
}

TEST_CASE("chat completions have the shape of TGI's, streaming and not") {
  ServerThread server(simConfig({}));
  const auto reply = post(
      server.port(), "/v1/chat/completions",
      R"({"model":"tgi","messages":[{"role":"system","content":"You are a helpful assistant."},)"
      R"({"role":"user","content":"What is the weather like in Brooklyn?"}],"max_tokens":100,"seed":1})");
  REQUIRE(reply.status == 200);
  const json actual = json::parse(reply.body);
  sameShape(fixture("test_chat_llama/test_flash_llama_simple.json"), actual, "chat");
  CHECK(actual["choices"][0]["finish_reason"] == "length");
  CHECK(actual["usage"]["completion_tokens"] == 100);
  CHECK(actual["id"] == "");
  CHECK(actual["model"] == "meta-llama/Meta-Llama-3-8B-Instruct");
  CHECK(keyOrder(reply.body) == std::vector<std::string>{"object", "id", "created", "model",
                                                         "system_fingerprint", "choices", "usage"});
  CHECK(reply.header("x-generated-tokens") != nullptr);

  for (const bool usage : {true, false}) {
    const auto stream =
        post(server.port(), "/v1/chat/completions",
             std::string(R"({"model":"tgi","messages":[{"role":"user","content":"Say 'OK!'"}],)") +
                 R"("max_tokens":10,"seed":42,"stream":true,"stream_options":{"include_usage":)" +
                 (usage ? "true" : "false") + "}}");
    REQUIRE(stream.status == 200);
    const auto events = sseData(stream.body);
    REQUIRE(events.back() == "[DONE]");
    const json expected = fixture(usage ? "test_completion_prompts/test_chat_hfhub_usage.json"
                                        : "test_completion_prompts/test_chat_hfhub_nousage.json");
    const size_t tokens = events.size() - 1 - (usage ? 1 : 0);
    REQUIRE(tokens == 10);
    const json& lastTokenChunk = expected[expected.size() - (usage ? 2 : 1)];
    for (size_t i = 0; i < tokens; ++i) {
      const json chunk = json::parse(events[i]);
      sameShape(i + 1 < tokens ? expected.front() : lastTokenChunk, chunk, "chunk");
      CHECK(keyOrder(events[i]) == std::vector<std::string>{"object", "id", "created", "model",
                                                            "system_fingerprint", "choices",
                                                            "usage"});
      CHECK(chunk["choices"][0]["delta"]["role"] == "assistant");
      CHECK(chunk["choices"][0]["finish_reason"] ==
            (i + 1 < tokens ? json(nullptr) : json("length")));
    }
    if (usage) {
      const json last = json::parse(events[events.size() - 2]);
      sameShape(expected.back(), last, "usage chunk");
      CHECK(last["choices"].empty());
      CHECK(last["usage"]["completion_tokens"] == 10);
    }
  }
}

TEST_CASE("/tokenize and /chat_tokenize count a prompt as generation does") {
  ServerThread server(simConfig({}));
  const int port = server.port();
  const auto tokens = [&](const std::string& body) {
    const auto reply = post(port, "/tokenize", body);
    REQUIRE(reply.status == 200);
    return json::parse(reply.body);
  };
  // TGI's Infer::tokenize honours add_special_tokens and parameters.truncate (the last tokens).
  const json all = tokens(R"({"inputs":"Hello world, tokenizer!"})");
  REQUIRE(all.size() == 10);
  CHECK(all.front()["text"] == "<s>");
  const json plain = tokens(R"({"inputs":"Hello world, tokenizer!","add_special_tokens":false})");
  REQUIRE(plain.size() == 9);
  CHECK(plain.front()["text"] == "Hell");
  const json truncated =
      tokens(R"({"inputs":"Hello world, tokenizer!","parameters":{"truncate":3}})");
  REQUIRE(truncated.size() == 3);
  CHECK(truncated == json(std::vector<json>(all.end() - 3, all.end())));
  const auto generated =
      post(port, "/generate",
           R"({"inputs":"Hello world, tokenizer!","add_special_tokens":false,)"
           R"("parameters":{"max_new_tokens":1}})");
  REQUIRE(generated.status == 200);
  CHECK(*generated.header("x-prompt-tokens") == "9");

  // /chat_tokenize templates the messages as the chat route does: its count is the prompt_tokens
  // of the same request's completion.
  const std::string chat = R"({"model":"tgi","messages":[{"role":"system","content":"Be brief."},)"
                           R"({"role":"user","content":"What is the weather like in Brooklyn?"}],)"
                           R"("max_tokens":2})";
  const auto templated = post(port, "/chat_tokenize", chat);
  REQUIRE(templated.status == 200);
  CHECK(keyOrder(templated.body) ==
        std::vector<std::string>{"tokenize_response", "templated_text"});
  const json answer = json::parse(templated.body);
  const auto completion = post(port, "/v1/chat/completions", chat);
  REQUIRE(completion.status == 200);
  CHECK(answer["tokenize_response"].size() ==
        json::parse(completion.body)["usage"]["prompt_tokens"].get<size_t>());
  const std::string text = answer["templated_text"];
  CHECK(text.find("What is the weather like in Brooklyn?") != std::string::npos);
  CHECK(answer["tokenize_response"].front()["text"] != "<s>"); // the template has its markers
  CHECK(post(port, "/chat_tokenize", R"({"model":"tgi"})").status == 422);
  CHECK(post(port, "/chat_tokenize",
             R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function",)"
             R"("function":{"name":"f","parameters":{}}}],"response_format":{"type":"json",)"
             R"("value":{}}})")
            .status == 422);
}

TEST_CASE("completions have the shape of TGI's, one prompt and several") {
  ServerThread server(simConfig({}));
  const auto one = post(
      server.port(), "/v1/completions",
      R"({"model":"tgi","prompt":"What is Deep Learning?","max_tokens":10,"temperature":0.0})");
  REQUIRE(one.status == 200);
  sameShape(fixture("test_completion_prompts/test_flash_llama_completion_single_prompt.json"),
            json::parse(one.body), "completion");
  const auto many = post(
      server.port(), "/v1/completions",
      R"({"model":"tgi","prompt":["a","bb b","ccc c c","dddd d d d"],"max_tokens":10,"seed":0,"temperature":0.0})");
  REQUIRE(many.status == 200);
  const json m = json::parse(many.body);
  sameShape(fixture("test_completion_prompts/test_flash_llama_completion_many_prompts.json"), m,
            "completions");
  std::set<int> indexes;
  for (const auto& c : m["choices"]) {
    indexes.insert(c["index"].get<int>());
  }
  CHECK(indexes == std::set<int>{0, 1, 2, 3});
  CHECK(m["usage"]["completion_tokens"] == 40);
  CHECK(many.header("x-compute-time") == nullptr); // dropped when summed
  CHECK(many.header("x-generated-tokens") != nullptr);
  CHECK(*many.header("x-generated-tokens") == "40");
}

TEST_CASE("/generate_stream bytes are axum's SSE: data events, final details, no [DONE]") {
  ServerThread server(simConfig({"--time-scale", "50"}));
  tt::test::BlockingClient client(server.port());
  client.sendRaw(tt::test::postRequest(
      "/generate_stream",
      R"({"inputs":"Hello","parameters":{"max_new_tokens":3,"details":true}})"));
  const auto reply = client.read();
  REQUIRE(reply.status == 200);
  CHECK(*reply.header("content-type") == "text/event-stream");
  CHECK(*reply.header("cache-control") == "no-cache");
  CHECK(*reply.header("x-accel-buffering") == "no");
  CHECK(*reply.header("transfer-encoding") == "chunked");
  CHECK(reply.header("x-total-time") == nullptr); // no timing headers on streams
  // Three events, each `data: <json>\n\n`, nothing else.
  const std::string& body = reply.body;
  REQUIRE(body.rfind("data: {\"index\":1,\"token\":{\"id\":", 0) == 0);
  const auto events = sseData(body);
  REQUIRE(events.size() == 3);
  size_t expectedSize = 0;
  for (const auto& e : events) {
    expectedSize += 6 + e.size() + 2;
  }
  CHECK(body.size() == expectedSize);
  for (size_t i = 0; i < 3; ++i) {
    const auto keys = keyOrder(events[i]);
    CHECK(keys == std::vector<std::string>{"index", "token", "generated_text", "details"});
    const json e = json::parse(events[i]);
    CHECK(e["index"] == i + 1);
    CHECK(keyOrder(nlohmann::ordered_json::parse(events[i])["token"].dump()) ==
          std::vector<std::string>{"id", "text", "logprob", "special"});
    if (i < 2) {
      CHECK(e["generated_text"].is_null());
      CHECK(e["details"].is_null());
    } else {
      CHECK(e["generated_text"].is_string());
      CHECK(e["details"]["finish_reason"] == "length");
      CHECK(e["details"]["generated_tokens"] == 3);
      CHECK(e["details"]["input_length"] == 3); // <s> Hell o
      CHECK(keyOrder(nlohmann::ordered_json::parse(events[i])["details"].dump()) ==
            std::vector<std::string>{"finish_reason", "generated_tokens", "seed", "input_length"});
    }
  }
  CHECK(body.find("[DONE]") == std::string::npos);
}
