// Bad input is answered as TGI answers it (docs/tgi.md, "Error bodies"): axum's text/plain
// rejections, TGI's JSON errors, errors inside streams, 429 at the concurrency limit.
#include "tests/tgisim/sim_harness.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using nlohmann::json;
using tt::test::BlockingClient;
using tt::test::get;
using tt::test::post;
using tt::test::postRequest;
using tt::test::ServerThread;
using tt::test::simConfig;
using tt::test::sseData;

TEST_CASE("routes and methods: 404, 405 with allow, health, info, models") {
  ServerThread server(simConfig({"--max-total-tokens", "4096", "--max-input-tokens", "4000"}));
  const auto missing = get(server.port(), "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body.empty());
  const auto wrongMethod = get(server.port(), "/generate");
  CHECK(wrongMethod.status == 405);
  CHECK(*wrongMethod.header("allow") == "POST");
  CHECK(wrongMethod.body.empty());
  CHECK(post(server.port(), "/metrics", "{}").status == 405);

  const auto health = get(server.port(), "/health");
  CHECK(health.status == 200);
  CHECK(health.body.empty());
  CHECK(get(server.port(), "/").status == 200);

  const auto info = get(server.port(), "/info");
  REQUIRE(info.status == 200);
  const json i = json::parse(info.body);
  CHECK(i["max_total_tokens"] == 4096);
  CHECK(i["max_input_tokens"] == 4000);
  CHECK(i["max_concurrent_requests"] == 128);
  CHECK(i["max_best_of"] == 2);
  CHECK(i["max_stop_sequences"] == 4);
  CHECK(i["max_client_batch_size"] == 4);
  CHECK(i["router"] == "text-generation-router");
  CHECK_FALSE(i.contains("max_batch_total_tokens")); // v3 does not serve it
  CHECK(json::parse(get(server.port(), "/v1/models").body)["object"] == "list");
  server.stop();
  CHECK(server.loopClosed());
}

TEST_CASE("axum's rejections: 415, 400, 422 with serde's message, 413") {
  ServerThread server(simConfig({"--payload-limit", "200"}));
  const int port = server.port();
  const auto noType = post(port, "/generate", R"({"inputs":"x"})", "");
  CHECK(noType.status == 415);
  CHECK(noType.body == "Expected request with `Content-Type: application/json`");
  CHECK(post(port, "/generate", R"({"inputs":"x"})", "text/plain").status == 415);
  CHECK(post(port, "/generate", R"({"inputs":"x","parameters":{"max_new_tokens":1}})",
             "application/json; charset=utf-8")
            .status == 200);

  const auto syntax = post(port, "/generate", "{\"inputs\":");
  CHECK(syntax.status == 400);
  CHECK(syntax.body.rfind("Failed to parse the request body as JSON: ", 0) == 0);
  CHECK(*syntax.header("content-type") == "text/plain; charset=utf-8");

  const auto missing = post(port, "/generate", R"({"input":"x"})");
  CHECK(missing.status == 422);
  CHECK(missing.body == "Failed to deserialize the JSON body into the target type: missing field "
                        "`inputs` at line 1 column 13");
  const auto wrongType =
      post(port, "/generate", R"({"inputs":"x","parameters":{"max_new_tokens":"a"}})");
  CHECK(wrongType.status == 422);
  CHECK(wrongType.body == "Failed to deserialize the JSON body into the target type: "
                          "parameters.max_new_tokens: invalid type: string \"a\", expected u32 "
                          "at line 1 column 48");
  const auto negative = post(port, "/generate", R"({"inputs":"x","parameters":{"top_k":true}})");
  CHECK(negative.status == 422);
  CHECK(negative.body.find("parameters.top_k: invalid type: boolean `true`, expected i32") !=
        std::string::npos);
  CHECK(post(port, "/generate", R"({"inputs":5})")
            .body.find("invalid type: integer `5`, expected a string") != std::string::npos);
  CHECK(post(port, "/generate", "[1,2]").status == 422);
  CHECK(post(port, "/v1/chat/completions", R"({"model":"tgi"})")
            .body.find("missing field `messages`") != std::string::npos);

  BlockingClient big(port);
  big.sendRaw(postRequest("/generate", std::string(300, ' ')));
  const auto tooLarge = big.read();
  CHECK(tooLarge.status == 413);
  CHECK(tooLarge.body == "Failed to buffer the request body: length limit exceeded");
  CHECK(big.waitClosed());

  BlockingClient garbage(port);
  garbage.sendRaw("\x01\x02 not http\r\n\r\n");
  CHECK(garbage.read().status == 400);
  CHECK(garbage.waitClosed());
  CHECK(get(port, "/health").status == 200); // still serving
}

TEST_CASE("validation errors: TGI's JSON on /generate, an SSE event on streams") {
  ServerThread server(simConfig({"--max-total-tokens", "64", "--max-input-tokens", "32"}));
  const int port = server.port();
  const auto zero = post(port, "/generate", R"({"inputs":"x","parameters":{"max_new_tokens":0}})");
  CHECK(zero.status == 422);
  CHECK(
      zero.body ==
      R"({"error":"Input validation error: `max_new_tokens` must be strictly positive","error_type":"validation"})");
  CHECK(*zero.header("content-type") == "application/json");
  const auto empty = post(port, "/generate", R"({"inputs":"","parameters":{"max_new_tokens":5}})");
  CHECK(
      empty.body ==
      R"({"error":"Input validation error: `inputs` cannot be empty","error_type":"validation"})");
  const auto total =
      post(port, "/generate", R"({"inputs":"a b c","parameters":{"max_new_tokens":100}})");
  CHECK(total.status == 422);
  CHECK(
      total.body ==
      R"({"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 64. Given: 4 `inputs` tokens and 100 `max_new_tokens`","error_type":"validation"})");
  const auto bestOf =
      post(port, "/generate", R"({"inputs":"x","parameters":{"best_of":3,"do_sample":true}})");
  CHECK(
      bestOf.body ==
      R"({"error":"Input validation error: `best_of` must be > 0 and <= 2. Given: 3","error_type":"validation"})");
  const auto topP = post(port, "/generate", R"({"inputs":"x","parameters":{"top_p":1.0}})");
  CHECK(
      topP.body ==
      R"({"error":"Input validation error: `top_p` must be > 0.0 and < 1.0","error_type":"validation"})");

  const auto stream =
      post(port, "/generate_stream", R"({"inputs":"x","parameters":{"max_new_tokens":0}})");
  CHECK(stream.status == 200);
  CHECK(stream.body ==
        "data: {\"error\":\"Input validation error: `max_new_tokens` must be strictly "
        "positive\",\"error_type\":\"validation\"}\n\n");
  const auto streamBestOf = post(port, "/generate_stream",
                                 R"({"inputs":"x","parameters":{"best_of":2,"do_sample":true}})");
  CHECK(streamBestOf.body ==
        "data: {\"error\":\"Input validation error: `best_of` != 1 is not "
        "supported when streaming tokens\",\"error_type\":\"validation\"}\n\n");
  const auto chatStream =
      post(port, "/v1/chat/completions",
           R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":1000,"stream":true})");
  CHECK(chatStream.status == 200);
  const auto events = sseData(chatStream.body);
  REQUIRE(events.size() == 2);
  CHECK(json::parse(events[0])["error"]["http_status_code"] == 422);
  CHECK(json::parse(events[0])["error"]["message"].get<std::string>().rfind(
            "Input validation error: ", 0) == 0);
  CHECK(events[1] == "[DONE]");

  const auto tools = post(
      port, "/v1/chat/completions",
      R"({"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}],"response_format":{"type":"json"}})");
  CHECK(tools.status == 422);
  CHECK(
      tools.body ==
      R"({"error":"Tool error: Grammar and tools are mutually exclusive","error_type":"tool_error"})");
  const auto suffix = post(port, "/v1/completions", R"({"prompt":"a","suffix":"b"})");
  CHECK(
      suffix.body ==
      R"({"error":"Suffix is not supported and can be achieved by preprocessing the prompt.","error_type":"suffix not supported"})");
  const auto batch = post(port, "/v1/completions", R"({"prompt":["a","b","c","d","e"]})");
  CHECK(
      batch.body ==
      R"({"error":"Number of prompts exceeds the maximum allowed batch size of 4","error_type":"batch size exceeded"})");

  server.stop();
  const std::string& metrics = server.finalMetrics();
  CHECK(metrics.find("tgi_request_failure{err=\"validation\"} 8\n") != std::string::npos);
}

TEST_CASE("429 at max_concurrent_requests, a dropped client frees its permit") {
  ServerThread server(simConfig({"--max-concurrent-requests", "1"}));
  const int port = server.port();
  auto slow = std::make_unique<BlockingClient>(port);
  slow->sendRaw(
      postRequest("/generate_stream", R"({"inputs":"x","parameters":{"max_new_tokens":1000}})"));
  // The stream's head comes at once; its first token after the first forward.
  REQUIRE(slow->waitFor("data: ")); // admitted: its first token came
  const auto overloaded =
      post(port, "/generate", R"({"inputs":"x","parameters":{"max_new_tokens":1}})");
  CHECK(overloaded.status == 429);
  CHECK(overloaded.body == R"({"error":"Model is overloaded","error_type":"overloaded"})");
  const auto streamOverloaded =
      post(port, "/generate_stream", R"({"inputs":"x","parameters":{"max_new_tokens":1}})");
  CHECK(streamOverloaded.status == 200);
  CHECK(streamOverloaded.body ==
        "data: {\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}\n\n");
  server.stop();
  CHECK(server.finalMetrics().find("tgi_request_failure{err=\"overloaded\"} 2\n") !=
        std::string::npos);
  CHECK(server.loopClosed());
}

TEST_CASE("keep-alive: several requests on one connection, pipelined too, /tokenize") {
  ServerThread server(simConfig({"--time-scale", "100"}));
  BlockingClient client(server.port());
  const std::string one =
      postRequest("/generate", R"({"inputs":"a","parameters":{"max_new_tokens":2}})");
  client.sendRaw(one + one);
  CHECK(client.read().status == 200);
  CHECK(client.read().status == 200);
  client.sendRaw(postRequest("/tokenize", R"({"inputs":"Hello world, tokenizer!"})"));
  const auto tokens = client.read();
  REQUIRE(tokens.status == 200);
  const json t = json::parse(tokens.body);
  REQUIRE(t.size() == 10); // <s> Hell o ␠worl d , ␠toke nize r !
  CHECK(t[0]["text"] == "<s>");
  CHECK(t[1]["text"] == "Hell");
  CHECK(t[2]["text"] == "o");
  CHECK(t[3]["text"] == " worl");
  CHECK(t[3]["start"] == 5);
  CHECK(t[3]["stop"] == 10);
  CHECK(t[6]["text"] == " toke");
  CHECK(t[9]["text"] == "!");
}
