#include "replay/import.h"
#include "replay/request_builder.h"
#include "schema/store.h"
#include "sim/profile_source.h"
#include "tools/tracetune/simulate_command.h"
#include "tune/what_if.h"

#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace tt;

namespace {

// The first `rows` requests of the Azure 2023 conversation trace, imported into `path`.
int64_t importAzure(const std::string& path, int rows) {
  std::ifstream file(TT_SHARED_DIR "/traces/azure-llm-2023-conv/head-1000.csv");
  std::string line;
  std::string head;
  for (int i = 0; i <= rows && std::getline(file, line); ++i) {
    head += line + "\n";
  }
  std::istringstream in(head);
  auto imported = replay::importTrace(in, {.format = "azure"});
  Store store(path);
  const int64_t id = store.createTrace({.kind = TraceKind::Import, .label = "azure-conv"});
  store.append(id, imported.exchanges);
  return id;
}

} // namespace

TEST_CASE("simulate stores a simulation trace that agrees with the engine, request by request") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  const int64_t source = importAzure(db, 300);

  cli::SimulateOptions options{.db = db, .trace = source, .speed = 4.0};
  std::ostringstream out;
  REQUIRE(cli::runSimulate(options, out) == 0);
  CHECK_THAT(out.str(), Catch::StartsWith("simulation trace 2 (from trace 1): 300 requests, "));

  Store store(db, Store::Access::Read);
  const auto trace = store.findTrace(2);
  REQUIRE(trace);
  CHECK(trace->kind == TraceKind::Simulation);
  CHECK(trace->sourceTraceId == source);
  const auto original = store.exchanges(source);
  const auto simulated = store.exchanges(2);
  REQUIRE(simulated.size() == original.size());

  // The same run, straight from the engine.
  const auto plan = replay::buildPlan(tune::planSources(original),
                                      {.mode = replay::RateMode::Speed, .value = 4.0, .seed = 1});
  const auto requests = tune::engineRequests(original, plan, 0);
  std::string error;
  const auto config = sim::resolveConfig(*options.flags.resolve(&error)).config;
  const auto engine =
      sim::runEngine(*config, sim::resolveProfile("h100-llama3-8b").model, requests);

  std::map<int64_t, const Exchange*> bySource;
  for (const auto& e : original) {
    bySource[e.id] = &e;
  }
  int invalid = 0;
  int overloaded = 0;
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    const Exchange& e = simulated[i];
    const Exchange& from = *bySource.at(*e.sourceRequestId);
    const auto& r = engine.requests[i];
    INFO("request " << i);
    REQUIRE(e.sourceRequestId == original[plan.requests[i].source].id);
    // --speed 4 divides every gap (the first arrival is 0), to the microsecond.
    CHECK(std::abs(static_cast<double>(*e.intendedUs) - static_cast<double>(from.sentUs) / 4) <= 1);
    if (r.outcome == sim::Outcome::Invalid) { // a prompt over max_input_tokens
      CHECK(e.status == 422);
      CHECK(from.inputTokens > config->maxInputTokens);
      ++invalid;
      continue;
    }
    if (r.outcome == sim::Outcome::Overloaded) { // max_concurrent_requests in flight
      CHECK(e.status == 429);
      ++overloaded;
      continue;
    }
    REQUIRE(r.outcome == sim::Outcome::Ok);
    CHECK(e.outcome == Outcome::Ok);
    CHECK(e.tokenTimesUs == r.tokenUs);
    CHECK(e.endUs == r.endUs);
    CHECK(e.outputTokens == from.outputTokens); // the Azure rows' generated tokens
    CHECK(e.tgi.queueUs == r.admittedUs - r.arrivalUs);
    REQUIRE_FALSE(e.tokenTimesUs.empty());
    CHECK(e.tokenTimesUs.front() > e.sentUs);
  }
  CHECK_THAT(out.str(), Catch::Contains(std::to_string(300 - invalid - overloaded) + " ok, " +
                                        std::to_string(overloaded) + " overloaded (429), " +
                                        std::to_string(invalid) + " invalid (422)"));
}

TEST_CASE("simulate at a concurrency limit records TGI's 429s") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  const int64_t source = importAzure(db, 200);
  cli::SimulateOptions options{.db = db, .trace = source, .rate = 200.0};
  options.flags.launcher.maxConcurrentRequests = 4;
  std::ostringstream out;
  REQUIRE(cli::runSimulate(options, out) == 0);
  Store store(db, Store::Access::Read);
  int64_t overloaded = 0;
  store.forEachExchange(2, [&](Exchange&& e) {
    if (e.status == 429) {
      ++overloaded;
      CHECK(e.outcome == Outcome::HttpError);
      CHECK(e.error == "Model is overloaded");
    }
  });
  CHECK(overloaded > 0);
  CHECK_THAT(out.str(), Catch::Contains(std::to_string(overloaded) + " overloaded (429)"));
}

TEST_CASE("simulate refuses what TGI's launcher refuses, and unknown traces") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  importAzure(db, 5);
  const auto bad = test::runProcess({TRACETUNE_BIN, "simulate", "--db", db, "--trace", "1",
                                     "--max-input-tokens", "5000", "--max-total-tokens", "4000"});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.err, Catch::StartsWith("tracetune: "));
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);

  const auto missing = test::runProcess({TRACETUNE_BIN, "simulate", "--db", db, "--trace", "9"});
  CHECK(missing.exitCode == 1);
  CHECK(missing.err ==
        "tracetune: no trace 9 in " + db + ": list them with tracetune traces --db " + db + "\n");

  const auto both = test::runProcess(
      {TRACETUNE_BIN, "simulate", "--db", db, "--trace", "1", "--speed", "2", "--rate", "3"});
  CHECK(both.exitCode == 2);
}

TEST_CASE("simulate asks what a replay sends and ends an answer early only where the trace says "
          "it ended on its own") {
  // Recorded max_new_tokens, output tokens and finish reason -> tokens TGI gives (its 1,024-token
  // jobs run to the next multiple of 1,024 unless the model stops first) and the finish.
  struct Case {
    std::optional<int64_t> maxNewTokens;
    std::optional<int64_t> outputTokens;
    std::string finish;
    int64_t tokens;
    sim::FinishReason reason;
  };
  using enum sim::FinishReason;
  const std::vector<Case> cases{
      {1500, 1500, "", 2048, Length}, // an import: max_new_tokens = its output length
      {1025, 1025, "", 2048, Length},
      {3000, 3000, "", 3072, Length},
      {1024, 1024, "", 1024, Length},
      {2048, 2048, "", 2048, Length},
      {std::nullopt, 1500, "", 2048, Length},  // only a length: the replay asks for it
      {0, 0, "", 1, Length},                   // the replay asks for at least 1
      {1500, 2048, "length", 2048, Length},    // a capture that ran to TGI's limit
      {1500, 700, "eos_token", 700, EosToken}, // one that ended on its own
      {1500, 1200, "", 1200, EosToken},        // fewer tokens than asked for: on its own
  };
  std::vector<Exchange> source;
  for (size_t i = 0; i < cases.size(); ++i) {
    Exchange e;
    e.id = static_cast<int64_t>(i) + 1;
    e.sentUs = static_cast<int64_t>(i) * 60'000'000; // one at a time
    e.method = "POST";
    e.path = "/generate_stream";
    e.endpoint = Endpoint::GenerateStream;
    e.stream = true;
    e.inputTokens = 100;
    e.maxNewTokens = cases[i].maxNewTokens;
    e.outputTokens = cases[i].outputTokens;
    if (!cases[i].finish.empty()) {
      e.finishReason = cases[i].finish;
    }
    source.push_back(std::move(e));
  }
  const auto plan = replay::buildPlan(tune::planSources(source), {});
  const auto requests = tune::engineRequests(source, plan, 0);
  const auto config = sim::resolveConfig(sim::LauncherConfig{}).config;
  REQUIRE(config);
  const auto result =
      sim::runEngine(*config, sim::resolveProfile("h100-llama3-8b").model, requests);
  std::vector<Exchange> simulated;
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    simulated.push_back(tune::simulatedExchange(source[plan.requests[i].source],
                                                sim::RequestResult(result.requests[i])));
  }
  REQUIRE(simulated.size() == cases.size());
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    const size_t c = plan.requests[i].source;
    INFO("case " << c);
    const auto& r = result.requests[i];
    REQUIRE(r.outcome == sim::Outcome::Ok);
    CHECK(static_cast<int64_t>(r.tokenUs.size()) == cases[c].tokens);
    CHECK(r.finish == cases[c].reason);
    CHECK(simulated[i].outputTokens == cases[c].tokens);
    CHECK(simulated[i].maxNewTokens == replay::sentMaxNewTokens(source[c], {}));
  }
}

TEST_CASE("simulate prints the lines TGI logs about the settings, and a note where it logs none") {
  test::TempDir dir;
  const std::string db = dir.file("t.db");
  const int64_t source = importAzure(db, 5);
  cli::SimulateOptions options{.db = db, .trace = source};
  options.flags.launcher.maxBatchSize = 8;
  options.flags.launcher.maxBatchTotalTokens = 100'000;
  std::ostringstream out;
  REQUIRE(cli::runSimulate(options, out) == 0);
  CHECK_THAT(out.str(),
             Catch::Contains("\nnote: `--max-batch-total-tokens` is deprecated for Flash "
                             "Attention models.\nnote: Inferred max batch total tokens: 400000\n"
                             "note: Setting max batch total tokens to 400000\n"
                             "note: Model supports prefill chunking. `waiting_served_ratio` and "
                             "`max_waiting_tokens` will be ignored.\n"
                             "note: `--max-batch-size` limits only a batch formed while none is "
                             "running: with prefill chunking, requests join a running batch "
                             "whatever its size (TGI does not log this).\n"));

  options.flags.prefillChunking = "off"; // then max_batch_size caps every batch: no note
  std::ostringstream unchunked;
  REQUIRE(cli::runSimulate(options, unchunked) == 0);
  CHECK_THAT(unchunked.str(), !Catch::Contains("--max-batch-size"));
  CHECK_THAT(unchunked.str(), !Catch::Contains("prefill chunking"));
}
