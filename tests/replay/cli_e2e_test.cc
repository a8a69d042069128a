// End-to-end: the tracetune binary replaying against a real tgi-sim process (or the scripted
// upstream where the test must hold responses), results read back from the stored traces.
#include "fake_upstream.h"

#include "schema/store.h"
#include "tests/support/child_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tgi_sim_process.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <tuple>

using namespace tt;
using namespace std::chrono_literals;
using test::ChildProcess;

namespace {

const std::string kTracetune = TRACETUNE_BIN;

int64_t unixNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A tgi-sim that takes every request at once: the replays here measure the replayer.
class TgiSim : public test::TgiSimProcess {
public:
  explicit TgiSim(double timeScale)
      : TgiSimProcess(timeScale, {"--max-concurrent-requests", "4096"}) {}
};

// Runs tracetune with `args` to its end (at most `timeout`); fails the test if it did not end.
struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};
Ran tracetune(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) {
  args.insert(args.begin(), kTracetune);
  ChildProcess p(args);
  Ran r;
  r.status = p.wait(timeout);
  r.out = p.out;
  r.err = p.err;
  INFO(r.out << r.err);
  REQUIRE(r.status != -1);
  return r;
}

// A Mooncake JSONL trace of n requests `gapMs` apart: input 16..79 tokens, output 2..9.
void writeMooncake(const std::string& path, int n, int gapMs) {
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    f << R"({"timestamp": )" << i * gapMs << R"(, "input_length": )" << 16 + (i * 37) % 64
      << R"(, "output_length": )" << 2 + i % 8 << R"(, "hash_ids": []})"
      << "\n";
  }
}

int64_t importMooncake(const test::TempDir& dir, const std::string& db, int n, int gapMs) {
  const std::string file = dir.file("trace.jsonl");
  writeMooncake(file, n, gapMs);
  const Ran r = tracetune({"import", "mooncake", file, "--db", db});
  REQUIRE(r.status == 0);
  Store store(db, Store::Access::Read);
  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 1);
  REQUIRE(traces[0].requests == n);
  return traces[0].id;
}

// The replay trace stored in `db` (the only one).
TraceInfo onlyReplay(Store& store) {
  std::vector<TraceInfo> replays;
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Replay) {
      replays.push_back(t);
    }
  }
  REQUIRE(replays.size() == 1);
  return replays[0];
}

// What a replayed request asked for, to compare request sets.
using RequestKey = std::tuple<int64_t, int64_t, std::string, std::string, int64_t, int64_t>;
std::multiset<RequestKey> requestSet(const std::vector<Exchange>& results) {
  std::multiset<RequestKey> out;
  for (const auto& e : results) {
    out.emplace(e.sourceRequestId.value_or(-1), e.intendedUs.value_or(-1), e.method, e.path,
                e.requestBodyBytes, e.maxNewTokens.value_or(-1));
  }
  return out;
}

} // namespace

TEST_CASE("1,000 imported requests replayed against tgi-sim, each recorded with its tokens",
          "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("e2e.db");
  const int64_t sourceId = importMooncake(dir, db, 1000, 1); // 1,000 req/s for one second
  TgiSim sim(100);
  const Ran r = tracetune({"replay", "--db", db, "--trace", std::to_string(sourceId), "--target",
                           sim.url(), "--quiet", "--label", "e2e"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1000 planned, 1000 sent, 0 not sent; ok 1000") != std::string::npos);
  CHECK(sim.stop() == 0);

  Store store(db, Store::Access::Read);
  const TraceInfo replay = onlyReplay(store);
  CHECK(replay.label == "e2e");
  CHECK(replay.sourceTraceId == sourceId);
  CHECK(replay.target == sim.url());
  std::map<int64_t, Exchange> sources;
  for (auto& e : store.exchanges(sourceId)) {
    sources.emplace(e.id, std::move(e));
  }
  const auto results = store.exchanges(replay.id);
  REQUIRE(results.size() == 1000);
  std::set<int64_t> linked;
  int bad = 0;
  for (const auto& e : results) {
    REQUIRE(e.sourceRequestId);
    REQUIRE(sources.count(*e.sourceRequestId) == 1);
    linked.insert(*e.sourceRequestId);
    const Exchange& src = sources.at(*e.sourceRequestId);
    const bool ok =
        e.outcome == Outcome::Ok && e.status == 200 && e.endpoint == Endpoint::GenerateStream &&
        e.intendedUs == src.sentUs && e.sentUs >= src.sentUs && e.inputTokens == src.inputTokens &&
        e.maxNewTokens == src.maxNewTokens && e.outputTokens == src.maxNewTokens &&
        static_cast<int64_t>(e.tokenTimesUs.size()) == src.maxNewTokens.value_or(-1) &&
        e.finishReason == "length" && e.requestBodyBytes > 0 && e.responseHeadersUs &&
        *e.responseHeadersUs >= e.sentUs && e.tokenTimesUs.front() >= *e.responseHeadersUs &&
        std::is_sorted(e.tokenTimesUs.begin(), e.tokenTimesUs.end()) && e.endUs &&
        *e.endUs >= e.tokenTimesUs.back();
    if (!ok) {
      UNSCOPED_INFO("request " << e.id << " from " << *e.sourceRequestId << ": "
                               << outcomeName(e.outcome) << " " << e.error);
      ++bad;
    }
  }
  CHECK(bad == 0);
  CHECK(linked.size() == 1000); // every source request replayed exactly once
}

TEST_CASE("a trace simulated and the same trace replayed against tgi-sim give every request the "
          "same outcome and tokens, past 1,024 tokens too",
          "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("one-model.db");
  // Outputs on both sides of TGI's 1,024-token jobs; inputs far from max_total_tokens, so that
  // every continuation passes validation again.
  const std::vector<int64_t> outputs{1, 7, 1023, 1024, 1025, 1500, 2047, 2048, 2049, 3000};
  const std::string file = dir.file("long.jsonl");
  {
    std::ofstream f(file);
    for (size_t i = 0; i < outputs.size(); ++i) {
      f << R"({"timestamp": )" << i * 20 << R"(, "input_length": )" << 40 + i * 7
        << R"(, "output_length": )" << outputs[i] << R"(, "hash_ids": []})"
        << "\n";
    }
  }
  REQUIRE(tracetune({"import", "mooncake", file, "--db", db}).status == 0);
  const Ran simulated = tracetune({"simulate", "--db", db, "--trace", "1"});
  INFO(simulated.out << simulated.err);
  REQUIRE(simulated.status == 0);
  TgiSim sim(200);
  const Ran replayed =
      tracetune({"replay", "--db", db, "--trace", "1", "--target", sim.url(), "--quiet"});
  INFO(replayed.out << replayed.err);
  REQUIRE(replayed.status == 0);
  CHECK(sim.stop() == 0);

  Store store(db, Store::Access::Read);
  std::map<int64_t, int64_t> recordedOutput; // by source request id
  for (const auto& e : store.exchanges(1)) {
    recordedOutput[e.id] = e.outputTokens.value_or(-1);
  }
  std::map<int64_t, Exchange> simulation; // by source request id
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Simulation) {
      for (auto& e : store.exchanges(t.id)) {
        REQUIRE(e.sourceRequestId);
        simulation.emplace(*e.sourceRequestId, std::move(e));
      }
    }
  }
  const auto replay = store.exchanges(onlyReplay(store).id);
  REQUIRE(recordedOutput.size() == outputs.size());
  REQUIRE(replay.size() == outputs.size());
  REQUIRE(simulation.size() == outputs.size());
  for (const auto& r : replay) {
    REQUIRE(r.sourceRequestId);
    const Exchange& s = simulation.at(*r.sourceRequestId);
    const int64_t recorded = recordedOutput.at(*r.sourceRequestId);
    // max_new_tokens = the recorded length; a model that does not stop gets TGI's 1,024-token
    // jobs up to the next multiple of 1,024.
    const int64_t expected = recorded <= 1024 ? recorded : (recorded + 1023) / 1024 * 1024;
    INFO("source request " << *r.sourceRequestId << ", " << recorded << " tokens recorded");
    CHECK(r.outcome == Outcome::Ok);
    CHECK(s.outcome == r.outcome);
    CHECK(s.status == r.status);
    CHECK(r.maxNewTokens == recorded);
    CHECK(s.maxNewTokens == r.maxNewTokens);
    CHECK(r.outputTokens == expected);
    CHECK(s.outputTokens == r.outputTokens);
    CHECK(static_cast<int64_t>(r.tokenTimesUs.size()) == expected);
    CHECK(s.tokenTimesUs.size() == r.tokenTimesUs.size());
    CHECK(r.finishReason == "length");
    CHECK(s.finishReason == r.finishReason);
  }
}

TEST_CASE(
    "replay with --realtime sends every request from a real-time thread, or says why it cannot",
    "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("realtime.db");
  const int64_t sourceId = importMooncake(dir, db, 200, 1);
  TgiSim sim(100);
  const Ran r = tracetune({"replay", "--db", db, "--trace", std::to_string(sourceId), "--target",
                           sim.url(), "--quiet", "--realtime"});
  if (r.status == 0) {
    CHECK(r.out.find("200 planned, 200 sent, 0 not sent; ok 200") != std::string::npos);
    Store store(db, Store::Access::Read);
    CHECK(store.exchanges(onlyReplay(store).id).size() == 200);
  } else {
    // Not permitted on this machine: one line before anything is sent.
    CHECK(r.status == 1);
    CHECK(r.err.find("tracetune: --realtime: real-time priority needs root, CAP_SYS_NICE") == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(sim.stop() == 0);
}

TEST_CASE("1,000 requests replayed through the capture proxy are recorded on both sides",
          "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("replay.db");
  const std::string captureDb = dir.file("capture.db");
  const int64_t sourceId = importMooncake(dir, db, 1000, 1);
  TgiSim sim(100);
  ChildProcess proxy({kTracetune, "proxy", "--listen", "127.0.0.1:0", "--upstream", sim.url(),
                      "--db", captureDb, "--label", "through proxy"});
  const std::string ready = proxy.readLine(30s, true);
  const std::string prefix = "tracetune proxy: listening on 127.0.0.1:";
  INFO(ready << proxy.err);
  REQUIRE(ready.rfind(prefix, 0) == 0);
  const std::string proxyUrl =
      "http://127.0.0.1:" + std::to_string(std::stoi(ready.substr(prefix.size())));

  const Ran r = tracetune(
      {"replay", "--db", db, "--trace", std::to_string(sourceId), "--target", proxyUrl, "--quiet"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1000 planned, 1000 sent, 0 not sent; ok 1000") != std::string::npos);
  REQUIRE(proxy.signal(SIGINT) == 0);
  CHECK(proxy.wait(30s) == 0);
  CHECK(sim.stop() == 0);

  // The replayer's side.
  std::multiset<std::pair<int64_t, int64_t>> replayed; // (request bytes, tokens)
  {
    Store store(db, Store::Access::Read);
    const auto results = store.exchanges(onlyReplay(store).id);
    REQUIRE(results.size() == 1000);
    for (const auto& e : results) {
      CHECK(e.outcome == Outcome::Ok);
      replayed.emplace(e.requestBodyBytes, static_cast<int64_t>(e.tokenTimesUs.size()));
    }
  }
  // The proxy's side: the same 1,000 generate_stream exchanges (beside the replayer's preflight
  // /info and /tokenize calls), each with its body and its tokens.
  Store capture(captureDb, Store::Access::Read);
  const auto traces = capture.listTraces();
  REQUIRE(traces.size() == 1);
  CHECK(traces[0].kind == TraceKind::Capture);
  std::multiset<std::pair<int64_t, int64_t>> captured;
  for (const auto& e : capture.exchanges(traces[0].id)) {
    if (e.path == "/generate_stream") {
      CHECK(e.outcome == Outcome::Ok);
      CHECK(static_cast<int64_t>(e.requestBody.size()) == e.requestBodyBytes);
      CHECK(e.outputTokens == static_cast<int64_t>(e.tokenTimesUs.size()));
      captured.emplace(e.requestBodyBytes, static_cast<int64_t>(e.tokenTimesUs.size()));
    }
  }
  CHECK(captured.size() == 1000);
  CHECK(captured == replayed);
}

TEST_CASE("shards started at one instant and merged equal one full replay's request set",
          "[process]") {
  test::TempDir dir;
  TgiSim sim(100);
  const int n = 300;
  std::vector<std::string> shardDbs;
  int64_t sourceId = 0;
  for (int i = 0; i < 4; ++i) { // three shards and one full run, each on its own copy
    const std::string db = dir.file("db" + std::to_string(i) + ".db");
    sourceId = importMooncake(dir, db, n, 2);
    if (i < 3) {
      shardDbs.push_back(db);
    }
  }
  const std::string fullDb = dir.file("db3.db");

  // The three shards run side by side as separate processes, like the pods of an Indexed Job.
  const int64_t startAtUs = unixNowUs() + 1'500'000;
  char startAt[32];
  std::snprintf(startAt, sizeof startAt, "%.6f", static_cast<double>(startAtUs) / 1e6);
  std::vector<std::unique_ptr<ChildProcess>> shards;
  for (int i = 0; i < 3; ++i) {
    shards.push_back(std::make_unique<ChildProcess>(std::vector<std::string>{
        kTracetune, "replay", "--db", shardDbs[i], "--trace", std::to_string(sourceId), "--target",
        sim.url(), "--quiet", "--shard", std::to_string(i) + "/3", "--start-at", startAt}));
  }
  for (auto& shard : shards) {
    const int status = shard->wait(120s);
    INFO(shard->out << shard->err);
    REQUIRE(status == 0);
  }
  const Ran full = tracetune({"replay", "--db", fullDb, "--trace", std::to_string(sourceId),
                              "--target", sim.url(), "--quiet"});
  REQUIRE(full.status == 0);
  const std::string mergedDb = dir.file("merged.db");
  std::vector<std::string> mergeArgs{"merge"};
  mergeArgs.insert(mergeArgs.end(), shardDbs.begin(), shardDbs.end());
  mergeArgs.insert(mergeArgs.end(), {"--db", mergedDb});
  const Ran merged = tracetune(mergeArgs);
  INFO(merged.out << merged.err);
  REQUIRE(merged.status == 0);
  CHECK(merged.out.find("merged 300 requests from 3 traces") != std::string::npos);
  CHECK(sim.stop() == 0);

  std::set<int64_t> seen;
  for (const auto& db : shardDbs) {
    Store store(db, Store::Access::Read);
    const TraceInfo replay = onlyReplay(store);
    CHECK(replay.originUnixUs == startAtUs); // every shard on the shared instant
    const auto results = store.exchanges(replay.id);
    CHECK(results.size() == n / 3);
    for (const auto& e : results) {
      CHECK(seen.insert(e.sourceRequestId.value_or(-1)).second); // shards are disjoint
      CHECK(e.sentUs >= e.intendedUs.value_or(0));
    }
  }
  CHECK(seen.size() == n);

  std::vector<Exchange> fullResults;
  {
    Store store(fullDb, Store::Access::Read);
    fullResults = store.exchanges(onlyReplay(store).id);
  }
  Store store(mergedDb, Store::Access::Read);
  const TraceInfo mergedTrace = onlyReplay(store);
  CHECK(mergedTrace.originUnixUs == startAtUs);
  const auto mergedResults = store.exchanges(mergedTrace.id);
  REQUIRE(mergedResults.size() == fullResults.size());
  // Merged requests point at the source trace copied into the output, not at the inputs' ids.
  REQUIRE(mergedTrace.sourceTraceId);
  const auto source = store.findTrace(*mergedTrace.sourceTraceId);
  REQUIRE(source);
  CHECK(source->kind == TraceKind::Import);
  CHECK(source->requests == n);
  std::map<int64_t, int64_t> copiedToOriginal; // ids in merged.db -> ids in the inputs
  {
    Store first(shardDbs[0], Store::Access::Read);
    const auto originals = first.exchanges(sourceId);
    const auto copies = store.exchanges(source->id);
    REQUIRE(originals.size() == copies.size());
    for (size_t i = 0; i < copies.size(); ++i) {
      CHECK(copies[i].sentUs == originals[i].sentUs);
      copiedToOriginal[copies[i].id] = originals[i].id;
    }
  }
  auto relinked = mergedResults;
  for (auto& e : relinked) {
    REQUIRE(e.sourceRequestId);
    REQUIRE(copiedToOriginal.count(*e.sourceRequestId) == 1);
    e.sourceRequestId = copiedToOriginal.at(*e.sourceRequestId);
    CHECK(e.outcome == Outcome::Ok);
  }
  CHECK(requestSet(relinked) == requestSet(fullResults));
  CHECK(std::is_sorted(mergedResults.begin(), mergedResults.end(),
                       [](const Exchange& a, const Exchange& b) { return a.sentUs < b.sentUs; }));
}

namespace {

// A stored trace of recorded /generate_stream requests whose prompts name what the scripted
// upstream does with them; returns its id.
int64_t storeScriptedTrace(const std::string& db,
                           const std::vector<std::pair<std::string, int64_t>>& promptsAtUs) {
  Store store(db, Store::Access::Create);
  const int64_t id = store.createTrace({.kind = TraceKind::Import, .label = "scripted"});
  std::vector<Exchange> rows;
  for (const auto& [prompt, atUs] : promptsAtUs) {
    Exchange e;
    e.sentUs = atUs;
    e.intendedUs = atUs;
    e.method = "POST";
    e.path = "/generate_stream";
    e.endpoint = Endpoint::GenerateStream;
    e.stream = true;
    e.maxNewTokens = 4;
    e.requestHeaders = {{"content-type", "application/json"}};
    e.requestBody = R"({"inputs":")" + prompt + R"(","parameters":{"max_new_tokens":4}})";
    rows.push_back(std::move(e));
  }
  store.append(id, rows);
  return id;
}

bool bodyHas(const test::FakeUpstream::Received& q, const std::string& word) {
  return q.body.find(word) != std::string::npos;
}

} // namespace

TEST_CASE("a replay with --start-at holds every request until the shared wall-clock instant",
          "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("start.db");
  const int64_t trace = storeScriptedTrace(db, {{"a", 0}, {"b", 1000}, {"c", 2000}});
  test::FakeUpstream upstream;
  const int64_t startAtUs = unixNowUs() + 1'000'000;
  char startAt[32];
  std::snprintf(startAt, sizeof startAt, "%.6f", static_cast<double>(startAtUs) / 1e6);
  const Ran r = tracetune({"replay", "--db", db, "--trace", std::to_string(trace), "--target",
                           upstream.url(), "--quiet", "--start-at", startAt});
  REQUIRE(r.status == 0);
  REQUIRE(upstream.stop() == 0);
  int generate = 0;
  for (const auto& q : upstream.requests()) {
    if (q.target == "/generate_stream") {
      ++generate;
      CHECK(q.arrivalUnixUs >= startAtUs); // none before the instant
    }
  }
  CHECK(generate == 3);

  // An instant already past cannot be kept: a clear error before anything is sent.
  const Ran late = tracetune({"replay", "--db", db, "--trace", std::to_string(trace), "--target",
                              upstream.url(), "--quiet", "--start-at", "1000"});
  CHECK(late.status == 2);
  CHECK(late.err.find("--start-at") != std::string::npos);
  CHECK(std::count(late.err.begin(), late.err.end(), '\n') == 1);
}

TEST_CASE("Ctrl-C stops sending, drains in-flight requests up to the timeout, keeps results",
          "[process]") {
  test::TempDir dir;
  const std::string db = dir.file("ctrlc.db");
  // 10 quick requests, 5 held until after the signal, 5 held for good, 10 due a minute later.
  std::vector<std::pair<std::string, int64_t>> prompts;
  for (int i = 0; i < 10; ++i) {
    prompts.emplace_back("quick " + std::to_string(i), i * 1000);
  }
  for (int i = 0; i < 5; ++i) {
    prompts.emplace_back("hold release " + std::to_string(i), 10'000 + i * 1000);
    prompts.emplace_back("hold keep " + std::to_string(i), 10'500 + i * 1000);
  }
  for (int i = 0; i < 10; ++i) {
    prompts.emplace_back("later " + std::to_string(i), 60'000'000 + i * 1000);
  }
  const int64_t trace = storeScriptedTrace(db, prompts);
  test::FakeUpstream upstream(
      {}, [](const test::FakeUpstream::Received& q) { return bodyHas(q, "hold"); });
  ChildProcess replay({kTracetune, "replay", "--db", db, "--trace", std::to_string(trace),
                       "--target", upstream.url(), "--quiet", "--drain-timeout", "1"});
  // GET /info, then the 20 requests due at once.
  REQUIRE(upstream.waitForRequests(21, 30s));
  REQUIRE(replay.signal(SIGINT) == 0);
  upstream.release([](const test::FakeUpstream::Received& q) { return bodyHas(q, "release"); });
  // The 5 held for good are aborted at the drain timeout (1 s): the process ends by itself.
  const int status = replay.wait(30s);
  INFO(replay.out << replay.err);
  CHECK(status == 130); // documented: interrupted
  CHECK(replay.out.find("30 planned, 20 sent, 10 not sent; ok 15") != std::string::npos);
  CHECK(replay.out.find("aborted 5") != std::string::npos);
  CHECK(replay.out.find("(interrupted)") != std::string::npos);
  REQUIRE(upstream.stop() == 0);
  CHECK(upstream.requests().size() == 21); // nothing sent after the signal

  Store store(db, Store::Access::Read);
  const TraceInfo stored = onlyReplay(store);
  CHECK(stored.state == TraceState::Interrupted); // partial, and `traces` and `analyze` say so
  const test::RunResult listed = test::tracetune({"traces", "--db", db});
  CHECK_THAT(listed.out, Catch::Contains("interrupted"));
  CHECK_THAT(listed.out, Catch::Contains("are partial"));
  const test::RunResult analyzed =
      test::tracetune({"analyze", "--db", db, std::to_string(stored.id)});
  CHECK_THAT(analyzed.out, Catch::Contains("partial: its run was interrupted"));
  std::map<int64_t, std::string> promptOf;
  for (const auto& e : store.exchanges(trace)) {
    promptOf[e.id] = e.requestBody;
  }
  const auto results = store.exchanges(stored.id);
  REQUIRE(results.size() == 20);
  int quick = 0;
  int released = 0;
  int kept = 0;
  for (const auto& e : results) {
    const std::string& body = promptOf.at(e.sourceRequestId.value_or(-1));
    if (body.find("quick") != std::string::npos || body.find("release") != std::string::npos) {
      CHECK(e.outcome == Outcome::Ok);
      CHECK(e.tokenTimesUs.size() == 4);
      ++(body.find("quick") != std::string::npos ? quick : released);
    } else {
      REQUIRE(body.find("keep") != std::string::npos);
      CHECK(e.outcome == Outcome::ClientAbort);
      CHECK(e.tokenTimesUs.size() == 1); // the first event came before the hold
      ++kept;
    }
  }
  CHECK(quick == 10);
  CHECK(released == 5);
  CHECK(kept == 5);
}
