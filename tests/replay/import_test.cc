#include "replay/import.h"
#include "replay/jsonl_export.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace tt;
using namespace tt::replay;

namespace {

ImportResult importString(const std::string& text, const std::string& format, bool skipBad = false,
                          int sessions = 16) {
  std::istringstream in(text);
  return importTrace(in, {.format = format, .skipBad = skipBad, .sessions = sessions});
}

int64_t statsRows(const std::string& dir) {
  std::ifstream in(std::string(TT_SHARED_DIR) + "/traces/" + dir + "/STATS.json");
  REQUIRE(in);
  return nlohmann::json::parse(in).at("n").get<int64_t>();
}

ImportResult importFile(const std::string& path, const std::string& format) {
  std::ifstream in(std::string(TT_SHARED_DIR) + "/traces/" + path, std::ios::binary);
  REQUIRE(in);
  return importTrace(in, {.format = format});
}

} // namespace

TEST_CASE("every shared trace imports with one request per row") {
  struct Case {
    std::string dir;
    std::string file;
    std::string format;
  };
  const std::vector<Case> cases = {
      {"mooncake-conversation", "conversation_trace.jsonl", "mooncake"},
      {"mooncake-synthetic", "synthetic_trace.jsonl", "mooncake"},
      {"azure-llm-2023-code", "AzureLLMInferenceTrace_code.csv", "azure"},
      {"azure-llm-2023-conv", "AzureLLMInferenceTrace_conv.csv", "azure"},
      {"weka-claude-code", "requests_flat.csv", "weka"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    const auto full = importFile(c.dir + "/" + c.file, c.format);
    CHECK(static_cast<int64_t>(full.exchanges.size()) == statsRows(c.dir));
    CHECK(full.rows == statsRows(c.dir));
    CHECK(full.skipped == 0);
    const std::string head = c.format == "mooncake" ? "head-1000.jsonl" : "head-1000.csv";
    CHECK(importFile(c.dir + "/" + head, c.format).exchanges.size() == 1000);
  }
}

TEST_CASE("mooncake rows keep times, lengths and hash ids") {
  const auto r = importString(
      R"({"timestamp": 3000, "input_length": 700, "output_length": 5, "hash_ids": [0, 1]}
{"timestamp": 0, "input_length": 10, "output_length": 2, "hash_ids": [0]}

{"timestamp": 5999, "input_length": 1, "output_length": 0})",
      "mooncake");
  REQUIRE(r.exchanges.size() == 3);
  CHECK(r.rows == 3);
  CHECK(r.blockTokens == 512);
  CHECK(r.exchanges[0].sentUs == 0);
  CHECK(r.exchanges[0].inputTokens == 10);
  CHECK(r.exchanges[1].sentUs == 3'000'000);
  CHECK(r.exchanges[1].intendedUs == 3'000'000);
  CHECK(r.exchanges[1].maxNewTokens == 5);
  CHECK(r.exchanges[1].outputTokens == 5);
  CHECK(r.exchanges[1].prefixHashIds == std::vector<int64_t>{0, 1});
  CHECK(r.exchanges[1].endpoint == Endpoint::GenerateStream);
  CHECK(r.exchanges[2].sentUs == 5'999'000);
}

TEST_CASE("malformed rows report their line and reason, or are skipped and counted") {
  const std::string text = "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 2}\n"
                           "{\"timestamp\": 1, \"input_length\": \"x\", \"output_length\": 2}\n"
                           "not json\n"
                           "{\"timestamp\": 2, \"output_length\": 2}\n";
  try {
    importString(text, "mooncake");
    FAIL("no error");
  } catch (const ImportError& e) {
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()) == "line 2: input_length is not an integer");
  }
  const auto r = importString(text, "mooncake", true);
  CHECK(r.exchanges.size() == 1);
  CHECK(r.rows == 4);
  CHECK(r.skipped == 3);
  CHECK(r.problems == std::vector<std::string>{"line 2: input_length is not an integer",
                                               "line 3: not valid JSON",
                                               "line 4: missing input_length"});
}

TEST_CASE("azure timestamps become microseconds from the first row, across midnight") {
  const auto r = importString("TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                              "2023-11-16 23:59:59.9999990,374,44\r\n"
                              "2023-11-17 00:00:01.0000005,396,109\r\n",
                              "azure");
  REQUIRE(r.exchanges.size() == 2);
  CHECK(r.exchanges[1].sentUs == 1'000'001);
  CHECK(r.exchanges[1].inputTokens == 396);
  CHECK(r.exchanges[1].maxNewTokens == 109);
  CHECK(r.originUnixUs == 1700179199999999);
  CHECK_THROWS_WITH(importString("a,b,c\n", "azure"),
                    "line 1: expected the header TIMESTAMP,ContextTokens,GeneratedTokens");
  CHECK_THROWS_WITH(
      importString("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-13-01 00:00:00,1,1\n", "azure"),
      "line 2: TIMESTAMP is not YYYY-MM-DD HH:MM:SS.fffffff");
}

TEST_CASE("aiperf single-turn text and mooncake forms") {
  const auto r = importString(R"({"text": "hello world", "timestamp": 1000, "output_length": 7}
{"texts": ["a", "b"], "delay": 500}
{"input_length": 600, "hash_ids": [4, 5], "session_id": "s1", "timestamp": 2000})",
                              "aiperf");
  REQUIRE(r.exchanges.size() == 3);
  CHECK(r.exchanges[0].sentUs == 0);
  CHECK(nlohmann::json::parse(r.exchanges[0].requestBody) ==
        nlohmann::json{{"inputs", "hello world"}, {"parameters", {{"max_new_tokens", 7}}}});
  CHECK(r.exchanges[1].sentUs == 500'000);
  CHECK(nlohmann::json::parse(r.exchanges[1].requestBody)["inputs"] == "a\nb");
  CHECK(r.exchanges[2].sentUs == 1'000'000);
  CHECK(r.exchanges[2].session == "s1");
  CHECK(r.exchanges[2].prefixHashIds == std::vector<int64_t>{4, 5});
  CHECK_THROWS_WITH(importString(R"({"timestamp": 1})", "aiperf"),
                    "line 1: needs text, texts, text_input or input_length");
}

TEST_CASE("weka sessions are laid out in slots and prefix chains rebuilt") {
  const std::string header =
      "trace_id,agent,t_s,type,model,input_tokens,output_tokens,"
      "api_time_s,think_time_s,stop,n_blocks,shared_prefix_blocks_with_prev\n";
  const std::string rows = "t1,main,0.0,n,m,128,10,2.0,0.0,end,2,0\n"
                           "t1,main,5.0,n,m,192,10,1.0,3.0,end,3,2\n"
                           "t2,main,0.0,n,m,64,0,4.0,0.0,end,1,0\n"
                           "t3,main,1.5,n,m,64,1,1.0,0.0,end,1,0\n";
  const auto one = importString(header + rows, "weka", false, 1);
  REQUIRE(one.exchanges.size() == 4);
  // One slot: t1 runs 0..6 s, t2 6..10 s, t3 10..12.5 s.
  CHECK(one.exchanges[0].sentUs == 0);
  CHECK(one.exchanges[1].sentUs == 5'000'000);
  CHECK(one.exchanges[2].sentUs == 6'000'000);
  CHECK(one.exchanges[2].session == "t2");
  CHECK(one.exchanges[3].sentUs == 11'500'000);
  CHECK(one.exchanges[0].prefixHashIds == std::vector<int64_t>{0, 1});
  CHECK(one.exchanges[1].prefixHashIds == std::vector<int64_t>{0, 1, 2});
  CHECK(one.exchanges[2].prefixHashIds == std::vector<int64_t>{3});
  CHECK(one.blockTokens == 64);
  // Two slots: t2 starts at 0 beside t1; t3 takes the slot t2 frees at 4 s.
  const auto two = importString(header + rows, "weka", false, 2);
  std::vector<int64_t> times;
  for (const auto& e : two.exchanges) {
    times.push_back(e.sentUs);
  }
  CHECK(times == std::vector<int64_t>{0, 0, 5'000'000, 5'500'000});
}

TEST_CASE("tracetune JSONL export round-trips through import") {
  Exchange e;
  e.sentUs = 1234;
  e.session = "abc";
  e.method = "POST";
  e.path = "/v1/chat/completions";
  e.requestHeaders = {{"content-type", "application/json"}, {"x-tenant", "7"}};
  e.requestBody = R"({"messages":[{"role":"user","content":"hi"}],"stream":true})";
  e.endpoint = Endpoint::Chat;
  e.stream = true;
  e.inputTokens = 12;
  e.maxNewTokens = 30;
  e.outputTokens = 25;
  e.prefixHashIds = {1, 2};
  Exchange binary = e;
  binary.sentUs = 2000;
  binary.requestBody = std::string("\xff\x00\x01", 3);
  const auto r = importString(exportLine(e) + "\n" + exportLine(binary) + "\n", "tracetune");
  REQUIRE(r.exchanges.size() == 2);
  const Exchange& back = r.exchanges[0];
  CHECK(back.sentUs == 0);
  CHECK(back.session == e.session);
  CHECK(back.path == e.path);
  CHECK(back.requestHeaders == e.requestHeaders);
  CHECK(back.requestBody == e.requestBody);
  CHECK(back.endpoint == Endpoint::Chat);
  CHECK(back.stream);
  CHECK(back.inputTokens == 12);
  CHECK(back.maxNewTokens == 30);
  CHECK(back.outputTokens == 25);
  CHECK(back.prefixHashIds == e.prefixHashIds);
  CHECK(r.exchanges[1].sentUs == 766);
  CHECK(r.exchanges[1].requestBody == binary.requestBody);
}
