// The user's journey as one contract, against real processes: requests in the shapes real clients
// send, captured by `tracetune proxy` in front of tgi-sim, replayed against a second tgi-sim with
// other launcher settings, then analyzed. The client requests are the bytes the `openai` and
// `@huggingface/inference` packages sent (tests/fixtures/clients/README.md).
#include "tests/proxy/harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tgi_sim_process.h"

#include "core/credentials.h"
#include "core/http_headers.h"
#include "schema/store.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace tt::test {
namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a user's clients send: the recorded client requests, curl-style TGI requests, and a
// GET /info, which generates nothing. Keyed by a name for the failure messages.
std::map<std::string, std::string> clientRequests() {
  std::map<std::string, std::string> requests;
  const std::filesystem::path dir = std::string(TT_SOURCE_DIR) + "/tests/fixtures/clients";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".http") {
      requests[entry.path().stem().string()] = readFile(entry.path());
    }
  }
  const auto curl = [](const std::string& path, const std::string& body) {
    return "POST " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  requests["curl-generate"] =
      curl("/generate", R"({"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":8}})");
  requests["curl-generate-stream"] =
      curl("/generate_stream",
           R"({"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":8}})");
  requests["curl-info"] = "GET /info HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept: */*\r\n\r\n";
  return requests;
}

// Sends one request on its own connection and reads the whole answer (a stream to its end).
Message exchange(int port, const std::string& request) {
  Client client(port);
  REQUIRE(client.send(request));
  const auto answers = client.responses(1, 60'000);
  REQUIRE(answers.size() == 1);
  return answers[0];
}

// The first line of `text` that starts with `prefix`, or "".
std::string lineStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(prefix)) {
      return line;
    }
  }
  return "";
}

// How close a validation's measured capacity comes to the prediction: 10%, the issue's target. A
// sanitized tgi-sim falls behind its own real-time pace, so there only the plumbing is checked.
#if defined(TRACETUNE_SANITIZED)
constexpr double kValidationTolerance = 0.5;
#else
constexpr double kValidationTolerance = 0.10;
#endif

int64_t onlyTraceOfKind(Store& store, TraceKind kind) {
  std::vector<int64_t> ids;
  for (const auto& t : store.listTraces()) {
    if (t.kind == kind) {
      ids.push_back(t.id);
    }
  }
  REQUIRE(ids.size() == 1);
  return ids[0];
}

// Header names, lower-cased, less those a sender sets itself (Host, Content-Length).
std::multiset<std::string> endToEndNames(const Headers& headers) {
  std::multiset<std::string> names;
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != "host" && lower != "content-length") {
      names.insert(lower);
    }
  }
  return names;
}

// Captures `requests` through a proxy in front of a default tgi-sim into `db`; returns the
// capture's trace id.
int64_t capture(const std::string& db, const std::map<std::string, std::string>& requests) {
  TgiSimProcess production(50);
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream", production.url(), "--db", db});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  for (const auto& [name, bytes] : requests) {
    INFO(name);
    CHECK(exchange(proxy.port, bytes).status == 200);
  }
  REQUIRE(proxy.stop(SIGINT) == 0); // how a user ends a capture
  Store store(db, Store::Access::Read);
  return onlyTraceOfKind(store, TraceKind::Capture);
}

} // namespace

TEST_CASE("journey: real clients' requests captured, replayed against other settings, analyzed") {
  TempDir dir;
  const std::string db = dir.file("journey.db");
  const auto requests = clientRequests();
  REQUIRE(requests.size() == 14);
  const int64_t captureId = capture(db, requests);

  {
    Store store(db, Store::Access::Read);
    CHECK(store.findTrace(captureId)->state == TraceState::Complete);
    const auto captured = store.exchanges(captureId);
    REQUIRE(captured.size() == requests.size());
    for (const Exchange& e : captured) {
      INFO(e.method << " " << e.path);
      CHECK(e.outcome == Outcome::Ok);
      CHECK(e.clientAddress == "127.0.0.1");
      for (const auto& [name, value] : e.requestHeaders) {
        CHECK_FALSE(name.starts_with(':')); // nothing of the proxy's own among the client's
        CHECK_FALSE(isCredential(name));
      }
      if (isGeneration(e.endpoint)) {
        CHECK(e.inputTokens.has_value()); // from TGI's count, or estimated from its characters
        CHECK(e.outputTokens.has_value());
      }
    }
  }

  // The candidate: other launcher settings, as a user would try.
  TgiSimProcess candidate(50, {"--max-batch-prefill-tokens", "2048", "--max-concurrent-requests",
                               "16", "--max-batch-total-tokens", "20000"});
  const RunResult replay = tracetune({"replay", "--db", db, "--trace", std::to_string(captureId),
                                      "--target", candidate.url(), "--quiet", "--label", "cand"});
  INFO(replay.out << replay.err);
  REQUIRE(replay.exitCode == 0);
  CHECK_THAT(replay.out, Catch::Contains("skipped 1 request (GET /info 1)"));
  CHECK_THAT(replay.out, Catch::Contains("13 planned, 13 sent, 0 not sent; ok 13"));

  Store store(db, Store::Access::Read);
  const int64_t replayId = onlyTraceOfKind(store, TraceKind::Replay);
  const TraceInfo replayInfo = *store.findTrace(replayId);
  CHECK(replayInfo.state == TraceState::Complete);
  CHECK(replayInfo.sourceTraceId == captureId);
  std::map<int64_t, Exchange> sources;
  for (auto& e : store.exchanges(captureId)) {
    sources.emplace(e.id, std::move(e));
  }
  std::set<int64_t> linked;
  for (const Exchange& e : store.exchanges(replayId)) {
    REQUIRE(e.sourceRequestId);
    REQUIRE(sources.count(*e.sourceRequestId) == 1);
    const Exchange& source = sources.at(*e.sourceRequestId);
    INFO(source.method << " " << source.path << ": " << e.error);
    linked.insert(*e.sourceRequestId);
    CHECK(e.status == 200);
    CHECK(e.outcome == Outcome::Ok);
    CHECK(e.method == source.method);
    CHECK(e.path == source.path);
    CHECK(e.requestBody == source.requestBody); // byte for byte
    CHECK(endToEndNames(e.requestHeaders) == endToEndNames(source.requestHeaders));
  }
  CHECK(linked.size() == 13);

  const RunResult analyze =
      tracetune({"analyze", "--db", db, std::to_string(captureId), std::to_string(replayId)});
  INFO(analyze.out << analyze.err);
  CHECK(analyze.exitCode == 0);
  CHECK_THAT(analyze.out, Catch::Contains("#" + std::to_string(replayId) + " cand"));
  CHECK_THAT(analyze.out, Catch::Contains("Replay #" + std::to_string(replayId) +
                                          " vs its source #" + std::to_string(captureId)));
  CHECK(lineStartingWith(analyze.out, "matched ").ends_with(" 13"));
  CHECK(lineStartingWith(analyze.out, "unmatched ").ends_with(" 0"));

  // Both ran against tgi-sim at --time-scale 50: analysis reads them in the server's time.
  const RunResult json = tracetune({"analyze", "--db", db, std::to_string(captureId),
                                    std::to_string(replayId), "--format", "json"});
  REQUIRE(json.exitCode == 0);
  CHECK_THAT(analyze.out, Catch::Contains("tgi-sim ran 50 times faster than real time"));
  const auto report = nlohmann::json::parse(json.out);
  for (const auto& trace : report["traces"]) {
    CHECK(trace["time_scale"] == 50.0);
    CHECK(trace["state"] == "complete");
  }
  // The replay's summary is analyze's measure of the run, in wall-clock milliseconds.
  for (const std::string metric : {"ttft", "itl", "e2e"}) {
    INFO(metric);
    const std::string row = lineStartingWith(replay.out, metric + " ");
    REQUIRE_FALSE(row.empty());
    const double summaryP50Ms = std::stod(row.substr(metric.size()));
    const double analyzedP50Ms = report["traces"][1][metric + "_us"]["p50"].get<double>() / 50e3;
    CHECK(std::abs(summaryP50Ms - analyzedP50Ms) < 0.006);
  }

  // Asked for, what generates nothing goes out too, with its own method and body.
  const RunResult all = tracetune({"replay", "--db", db, "--trace", std::to_string(captureId),
                                   "--target", candidate.url(), "--quiet", "--all-routes"});
  INFO(all.out << all.err);
  REQUIRE(all.exitCode == 0);
  CHECK_THAT(all.out, Catch::Contains("14 planned, 14 sent, 0 not sent; ok 14"));
  CHECK(candidate.stop() == 0);
}

TEST_CASE("journey: a replay in which nothing succeeds says why and exits 1") {
  TempDir dir;
  const std::string db = dir.file("failing.db");
  const auto requests = clientRequests();
  const int64_t captureId = capture(db, {{"curl-generate", requests.at("curl-generate")},
                                         {"openai-chat", requests.at("openai-chat")}});
  // Limits that refuse every captured request (422).
  TgiSimProcess strict(50, {"--max-input-tokens", "1", "--max-total-tokens", "2",
                            "--max-batch-prefill-tokens", "2"});
  const RunResult r = tracetune({"replay", "--db", db, "--trace", std::to_string(captureId),
                                 "--target", strict.url(), "--quiet"});
  INFO(r.out << r.err);
  CHECK(r.exitCode == 1);
  CHECK_THAT(r.out, Catch::Contains("failed requests, by status and reason:\n  2 x HTTP 422 "
                                    "validation, first: Input validation error: "));
  CHECK_THAT(r.out, Catch::Contains("first failure: HTTP 422 validation: Input validation error"));
  CHECK_THAT(r.out, Catch::Contains("\n  answer: {\"error\":\"Input validation error"));
  CHECK(isOneLine(r.err));
  CHECK(r.err == "tracetune: replay trace 2: no request succeeded (2 x HTTP 422 validation)\n");
  CHECK(strict.stop() == 0);
}

TEST_CASE("journey: commands that fail say so in one line and leave the database as it was") {
  TempDir dir;
  const std::string db = dir.file("kept.db");
  const std::string empty = dir.file("empty.jsonl");
  std::ofstream(empty).close();
  const std::string csv = dir.file("azure.csv");
  std::ofstream(csv) << "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                        "2023-11-16 18:15:46.6805900,374,44\n";
  const auto expectFailure = [](const std::vector<std::string>& args, int status,
                                const std::string& says) {
    const RunResult r = tracetune(args);
    INFO(args.at(0) << ": " << r.out << r.err);
    CHECK(r.exitCode == status);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err, Catch::Contains(says));
  };

  // Nothing read: no trace, and no database file made for it.
  expectFailure({"import", "mooncake", empty, "--db", db}, 1,
                "no requests read (the file has no rows)");
  expectFailure({"import", "mooncake", csv, "--db", db, "--skip-bad"}, 1,
                "all 2 rows were malformed: is it in the mooncake format?");
  CHECK_FALSE(std::filesystem::exists(db));

  REQUIRE(tracetune({"import", "azure", csv, "--db", db}).exitCode == 0);
  const auto traceCount = [&db] {
    Store store(db, Store::Access::Read);
    return store.listTraces().size();
  };
  REQUIRE(traceCount() == 1);
  // Arguments are checked before any network call (port 9: nothing listens there).
  const std::vector<std::string> replay{
      "replay", "--db", db, "--trace", "1", "--target", "http://127.0.0.1:9"};
  auto with = [&replay](std::vector<std::string> extra) {
    extra.insert(extra.begin(), replay.begin(), replay.end());
    return extra;
  };
  expectFailure(with({"--speed", "0"}), 2,
                "--speed must be positive (see tracetune replay --help)");
  expectFailure(with({"--window", "5:2"}), 2, "--window 5:2: the end must come after the start");
  expectFailure(with({"--bogus"}), 2, "(see tracetune replay --help)");
  expectFailure(with({}), 1, "cannot reach http://127.0.0.1:9");
  expectFailure({"recomend", "--db", db}, 2, "unknown command 'recomend'");
  CHECK(traceCount() == 1);
}

TEST_CASE("journey: recommend on a public trace, validated against tgi-sim within 10%") {
  TempDir dir;
  const std::string db = dir.file("recommend.db");
  // The first 300 requests of the Azure conversation trace (a minute of production traffic).
  const std::string slice = dir.file("azure.csv");
  {
    std::ifstream in(std::string(TT_SHARED_DIR) + "/traces/azure-llm-2023-conv/head-1000.csv");
    std::ofstream out(slice);
    std::string line;
    for (int i = 0; i < 301 && std::getline(in, line); ++i) {
      out << line << "\n";
    }
  }
  REQUIRE(tracetune({"import", "azure", slice, "--db", db}).exitCode == 0);
  // tgi-sim keeps its pace in real time: at twice real time and objectives that keep the
  // capacities near 4-5x (tens of thousands of token events a second would not be kept on a
  // loaded two-core machine, or under the sanitizers), the measurement follows the simulation.
  const std::string launch = std::string(TT_BINARY_DIR) +
                             "/tgi-sim --hostname 127.0.0.1 --port {port} --time-scale 2 {flags}";
  const RunResult r =
      tracetune({"recommend", "--db", db, "--trace", "1", "--slo", "ttft=500ms,itl=40ms",
                 "--validate", "--launch", launch, "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto report = nlohmann::json::parse(r.out);
  CHECK_THAT(report["launcher_command"].get<std::string>(),
             Catch::StartsWith("text-generation-launcher --model-id "));
  REQUIRE(report["validation"].size() == 2);
  for (const auto& setting : report["validation"]) {
    INFO(setting.dump());
    REQUIRE(setting["measured_capacity"].is_number());
    const double predicted = setting["predicted_capacity"];
    const double measured = setting["measured_capacity"];
    CHECK(std::abs(measured / predicted - 1) <= kValidationTolerance);
    REQUIRE(setting["points"].size() == 3);
  }
  // The validation replays are stored beside the trace, one per load, each linked to it.
  Store store(db, Store::Access::Read);
  int replays = 0;
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Replay) {
      ++replays;
      CHECK(t.sourceTraceId == 1);
      CHECK(t.label.starts_with("validate trace 1 "));
      CHECK(t.state == TraceState::Complete);
    }
  }
  CHECK(replays == 6);
}

TEST_CASE("journey: recommend validated against a server the user launched (--target)") {
  TempDir dir;
  const std::string db = dir.file("target.db");
  const std::string slice = dir.file("azure.csv");
  {
    std::ifstream in(std::string(TT_SHARED_DIR) + "/traces/azure-llm-2023-conv/head-1000.csv");
    std::ofstream out(slice);
    std::string line;
    for (int i = 0; i < 201 && std::getline(in, line); ++i) {
      out << line << "\n";
    }
  }
  REQUIRE(tracetune({"import", "azure", slice, "--db", db}).exitCode == 0);
  const auto recommend = [&](const TgiSimProcess& server) {
    return tracetune({"recommend", "--db", db, "--trace", "1", "--slo", "ttft=500ms,itl=40ms",
                      "--validate", "--target", server.url(), "--setting", "current", "--format",
                      "json"});
  };
  {
    // A server that does not run the settings validated: refused in one line, nothing replayed.
    TgiSimProcess other(2, {"--max-concurrent-requests", "64"});
    const RunResult wrong = recommend(other);
    CHECK(wrong.exitCode == 1);
    CHECK_THAT(lineStartingWith(wrong.err, "tracetune: --validate:"),
               Catch::Contains("the server at " + other.url() +
                               " runs --max-concurrent-requests 64 where the current settings "
                               "have 128"));
    Store store(db, Store::Access::Read);
    CHECK(store.listTraces().size() == 1);
  }

  // The server as the user runs it, with TGI's defaults: three loads around the predicted
  // capacity, replayed against it.
  TgiSimProcess server(2);
  const RunResult r = recommend(server);
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto report = nlohmann::json::parse(r.out);
  REQUIRE(report["validation"].size() == 1);
  const auto& setting = report["validation"][0];
  CHECK(setting["setting"] == "current");
  REQUIRE(setting["points"].size() == 3);
  REQUIRE(setting["measured_capacity"].is_number());
  const double predicted = setting["predicted_capacity"];
  const double measured = setting["measured_capacity"];
  CHECK(std::abs(measured / predicted - 1) <= kValidationTolerance);
  Store store(db, Store::Access::Read);
  int replays = 0;
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Replay) {
      ++replays;
      CHECK(t.target == server.url());
    }
  }
  CHECK(replays == 3);
}

} // namespace tt::test
