// Captures `tracetune calibrate` must refuse, each with one line saying what is missing and what
// traffic would fix it, and never a model fitted on nothing; built in memory, run through the
// command line.
#include "tests/support/run_process.h"
#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include "schema/store.h"
#include "tune/captured_streams.h"
#include "tune/metrics_evidence.h"
#include "tune/server_prompt_counts.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace tt::test {
namespace {

constexpr const char* kTgiInfo = R"({"model_id":"org/model","max_total_tokens":4096})";

// Streams of `tokens` tokens, `spacingUs` apart, starting `gapUs` after each other; every token
// of every stream at a multiple of 10 ms, as a server's forwards would send them.
std::vector<Exchange> streams(int count, int tokens, int64_t gapUs) {
  std::vector<Exchange> out;
  for (int i = 0; i < count; ++i) {
    Exchange e = sampleExchange(i, tokens);
    e.sentUs = i * gapUs;
    e.intendedUs = e.sentUs;
    e.tokenTimesUs.clear();
    for (int k = 0; k < tokens; ++k) {
      e.tokenTimesUs.push_back(e.sentUs + 15'000 + k * 10'000);
    }
    e.endUs = e.tokenTimesUs.back();
    out.push_back(std::move(e));
  }
  return out;
}

RunResult calibrate(const std::string& db, const std::string& serverInfo,
                    const std::vector<Exchange>& exchanges, const std::string& out) {
  {
    Store store(db);
    const int64_t id =
        store.createTrace({.kind = TraceKind::Capture, .serverInfoJson = serverInfo});
    std::vector<Exchange> copy = exchanges;
    store.append(id, copy);
  }
  return tracetune({"calibrate", "--db", db, "--trace", "1", "--out", out});
}

} // namespace

TEST_CASE("calibrate refuses a capture that cannot determine a model, in one line") {
  TempDir dir;
  const std::string out = dir.file("profile.csv");
  struct Case {
    const char* name;
    std::string info;
    std::vector<Exchange> exchanges;
    const char* says;
  };
  std::vector<Exchange> unstreamed = streams(40, 20, 3'000);
  for (Exchange& e : unstreamed) {
    e.stream = false;
    e.endpoint = Endpoint::Generate;
    e.path = "/generate";
    e.tokenTimesUs.clear();
  }
  const std::vector<Case> cases = {
      {"no /info", "{}", streams(40, 20, 3'000), "has no /info from a TGI server"},
      {"no generation", kTgiInfo, {}, "has no generation requests"},
      {"no streams", kTgiInfo, unstreamed, "none of the 40 generation requests"},
      {"too few", kTgiInfo, streams(5, 20, 3'000), "only 5 streamed requests"},
      // Each stream ends long before the next begins.
      {"one at a time", kTgiInfo, streams(40, 20, 1'000'000), "never more than one stream"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO(c.name);
    const std::string db = dir.file("case" + std::to_string(i) + ".db");
    const RunResult r = calibrate(db, c.info, c.exchanges, out);
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(r.out.empty());
    CHECK_FALSE(std::filesystem::exists(out)); // never a model fitted on nothing
  }
}

TEST_CASE("calibrate: an unknown trace and a bad option are one line each") {
  TempDir dir;
  const std::string db = dir.file("empty.db");
  Store(db).createTrace({});
  const RunResult unknown = tracetune({"calibrate", "--db", db, "--trace", "7"});
  CHECK(unknown.exitCode == 1);
  CHECK(isOneLine(unknown.err));
  CHECK_THAT(unknown.err, Catch::Contains("no trace 7"));
  const RunResult badFormat =
      tracetune({"calibrate", "--db", db, "--trace", "1", "--format", "xml"});
  CHECK(badFormat.exitCode == 2);
  CHECK(isOneLine(badFormat.err));
}

TEST_CASE("a profile file of the wrong shape is refused where --profile reads it") {
  TempDir dir;
  const std::string bad = dir.file("bad.csv");
  {
    std::ofstream file(bad);
    file << "model,phase,batch,context,tokens,ms\nm,decode,4,512,5,7.0\n";
  }
  const std::string db = dir.file("a.db");
  Store(db).createTrace({});
  const RunResult r = tracetune({"simulate", "--db", db, "--trace", "1", "--profile", bad});
  CHECK(r.exitCode != 0);
  CHECK(isOneLine(r.err));
  CHECK_THAT(r.err, Catch::Contains(bad + ":2: a decode row must have tokens == batch"));
}

} // namespace tt::test

namespace tt::test {

TEST_CASE("calibrate sizes the prompts without a count at the ratio the counted ones show") {
  tune::CapturedTraffic traffic;
  traffic.requests = {
      {.id = 1, .promptTokens = 100, .inputBytes = 400},
      {.id = 2, .promptTokens = 50, .inputBytes = 200},
      {.id = 3, .promptTokens = 200, .promptEstimated = true, .inputBytes = 800}, // chars / 4
      {.id = 4, .inputBytes = 40},                                                // no count
      {.id = 5, .promptTokens = 7, .inputBytes = std::nullopt}};                  // no size
  tune::estimatePromptsFromBytes(traffic);
  CHECK(traffic.ratioFrom == 2);
  CHECK(traffic.tokensPerByte == 0.25);
  CHECK(traffic.requests[2].promptTokens == 200);
  CHECK(traffic.requests[2].promptEstimated);
  CHECK(traffic.requests[3].promptTokens == 10);
  CHECK(traffic.requests[3].promptEstimated);
  CHECK(traffic.requests[4].promptTokens == 7);
  CHECK_FALSE(traffic.requests[4].promptEstimated);

  // Nothing to learn from: the proxy's estimates stand.
  tune::CapturedTraffic uncounted;
  uncounted.requests = {{.id = 1, .promptTokens = 30, .promptEstimated = true, .inputBytes = 90}};
  tune::estimatePromptsFromBytes(uncounted);
  CHECK(uncounted.tokensPerByte == 0);
  CHECK(uncounted.requests[0].promptTokens == 30);
}

} // namespace tt::test

namespace tt::test {

TEST_CASE("calibrate sets the server's own decode times beside the recovered ones, per scrape "
          "interval") {
  // Scrapes on the trace's axis; the server ran twice as fast (its axis: times x 2).
  const std::vector<tune::DecodeTotals> scrapes = {
      {.tUs = 0, .seconds = 1.0, .count = 100},
      {.tUs = 1000, .seconds = 1.08, .count = 110}, // 10 forwards, 80 ms: 8 ms each
      {.tUs = 2000, .seconds = 1.08, .count = 110}, // none
      {.tUs = 3000, .seconds = 0.01, .count = 1}};  // the server restarted
  const auto decode = [](int64_t endUs, double ms) {
    tune::RecoveredForward f;
    f.endUs = endUs;
    f.decodeSeqs = 4;
    f.composition = true;
    f.durationUs = ms * 1000;
    return f;
  };
  tune::RecoveredSchedule schedule;
  schedule.forwards = {decode(1000, 7), decode(1800, 9), decode(2500, 30)};
  tune::RecoveredForward prefill = decode(1200, 50);
  prefill.prompts = {300};
  tune::RecoveredForward untimed = decode(1300, 0);
  untimed.durationUs.reset();
  schedule.forwards.push_back(prefill);
  schedule.forwards.push_back(untimed);

  const auto e = tune::compareWithServer(scrapes, schedule, 2.0);
  REQUIRE(e);
  CHECK(e->intervals == 1);
  CHECK(e->serverForwards == 10);
  CHECK(e->serverMs == Approx(8.0));
  CHECK(e->recoveredForwards == 2);
  CHECK(e->recoveredMs == Approx(8.0));
  CHECK_FALSE(tune::compareWithServer({}, schedule, 2.0));
}

} // namespace tt::test

namespace tt::test {

TEST_CASE("calibrate --tokenize-url sends a prompt as the server would count it") {
  const auto generate = tune::tokenizeRequestFor(
      Endpoint::GenerateStream,
      R"({"inputs":"Hello","add_special_tokens":false,"parameters":{"truncate":7}})");
  REQUIRE(generate);
  CHECK(generate->body == R"({"add_special_tokens":false,"inputs":"Hello"})");
  CHECK(generate->truncate == 7);
  const auto completion =
      tune::tokenizeRequestFor(Endpoint::Completions, R"({"prompt":["Hi there"],"max_tokens":3})");
  REQUIRE(completion);
  CHECK(completion->body == R"({"inputs":"Hi there"})");
  CHECK_FALSE(completion->truncate);
  CHECK(generate->path == "/tokenize");
  // `/` has no add_special_tokens: TGI adds them whatever the body says.
  const auto compat = tune::tokenizeRequestFor(Endpoint::Compat,
                                               R"({"inputs":"Hello","add_special_tokens":false})");
  REQUIRE(compat);
  CHECK(compat->body == R"({"inputs":"Hello"})");
  CHECK(completion->path == "/tokenize");
  // A chat request goes as it came to /chat_tokenize, which applies the model's template.
  const std::string chatBody = R"({"model":"tgi","messages":[{"role":"user","content":"Hi"}]})";
  const auto chat = tune::tokenizeRequestFor(Endpoint::Chat, chatBody);
  REQUIRE(chat);
  CHECK(chat->path == "/chat_tokenize");
  CHECK(chat->body == chatBody);
  CHECK_FALSE(chat->truncate);
  // Several prompts are several sequences; a body TGI refused (no messages, no JSON, a
  // parameter of the wrong type) generated nothing.
  CHECK_FALSE(tune::tokenizeRequestFor(Endpoint::Completions, R"({"prompt":["a","b"]})"));
  CHECK_FALSE(tune::tokenizeRequestFor(Endpoint::Chat, R"({"model":"tgi"})"));
  CHECK_FALSE(tune::tokenizeRequestFor(Endpoint::Generate, "aaaa"));
  CHECK_FALSE(tune::tokenizeRequestFor(Endpoint::Generate,
                                       R"({"inputs":"Hi","parameters":{"truncate":"7"}})"));
}

TEST_CASE("calibrate --tokenize-url that does not answer is one line") {
  TempDir dir;
  std::vector<Exchange> uncounted = streams(40, 20, 3'000);
  for (Exchange& e : uncounted) {
    e.requestBody = R"({"inputs":"What is the capital of France?"})";
    e.inputTokensEstimated = true;
  }
  const std::string db = dir.file("uncounted.db");
  {
    Store store(db);
    store.append(store.createTrace({.kind = TraceKind::Capture, .serverInfoJson = kTgiInfo}),
                 uncounted);
  }
  // Port 1 needs privileges to listen on: nothing answers there.
  const RunResult r =
      tracetune({"calibrate", "--db", db, "--trace", "1", "--tokenize-url", "http://127.0.0.1:1"});
  INFO(r.out << r.err);
  CHECK(r.exitCode == 1);
  CHECK(isOneLine(r.err));
  CHECK_THAT(r.err, Catch::Contains("--tokenize-url http://127.0.0.1:1 did not count a prompt"));
  const RunResult bad =
      tracetune({"calibrate", "--db", db, "--trace", "1", "--tokenize-url", "https://x"});
  CHECK(bad.exitCode == 1);
  CHECK(isOneLine(bad.err));
  CHECK_THAT(bad.err, Catch::Contains("--tokenize-url https://x"));
}

} // namespace tt::test
