// `tracetune calibrate` on a capture with no streams: the decode floor and cost per sequence from
// the scraped /metrics alone, or one line saying why they cannot be had. Captures built in memory
// from a known model, run through the command line.
#include "tests/support/run_process.h"
#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include "schema/store.h"
#include "sim/profile_source.h"
#include "tune/metrics_only_calibration.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace tt::test {
namespace {

constexpr int64_t kPrompt = 300;
constexpr int64_t kAnswer = 201; // 200 decode tokens: mean decode context 300 + 100.5
constexpr int64_t kContext = 401;

// The truth: the default profile with another decode floor and cost per sequence.
sim::CostModel truth() {
  sim::CostCoefficients c = sim::resolveProfile(sim::kDefaultProfile).model.coefficients();
  c.graphBaseMs = 9.5;
  c.graphSeqMs = 0.12;
  return sim::CostModel(c);
}

// A capture of non-streamed requests and the scrapes of a server running `truth` at `batches`,
// one a scrape interval (a second): the gauge shows each interval's batch at its end, so an
// interval after a change of load starts at the previous batch.
std::string capture(const TempDir& dir, const std::string& name,
                    const std::vector<int64_t>& batches) {
  const std::string db = dir.file(name);
  Store store(db);
  const int64_t trace = store.createTrace(
      {.kind = TraceKind::Capture, .serverInfoJson = R"({"model_id":"org/model"})"});
  std::vector<Exchange> requests;
  for (int i = 0; i < 30; ++i) {
    Exchange e = sampleExchange(i, 0);
    e.endpoint = Endpoint::Generate;
    e.path = "/generate";
    e.stream = false;
    e.tokenTimesUs.clear();
    e.inputTokens = kPrompt;
    e.inputTokensEstimated = false;
    e.outputTokens = kAnswer;
    e.maxNewTokens = kAnswer;
    e.parameters = R"({"max_new_tokens":201})";
    requests.push_back(std::move(e));
  }
  store.append(trace, requests);
  const sim::CostModel model = truth();
  const std::vector<int64_t> graphs{1, 2, 4, 8, 16, 32};
  std::vector<Sample> samples;
  double seconds = 0;
  double count = 0;
  const auto scrape = [&](int64_t t, int64_t batch) {
    const std::string decode = "method=\"decode\"";
    samples.push_back({t, "tgi_batch_forward_duration_sum", decode, seconds});
    samples.push_back({t, "tgi_batch_forward_duration_count", decode, count});
    samples.push_back({t, "tgi_batch_current_size", "", static_cast<double>(batch)});
  };
  int64_t t = 0;
  scrape(t, batches.front());
  for (const int64_t batch : batches) {
    const sim::ForwardShape shape{.decodeSeqs = batch,
                                  .kvTokens = batch * kContext,
                                  .maxContext = kContext,
                                  .graphBatch = sim::graphBatchFor(graphs, batch)};
    const double forwards = 100;
    count += forwards;
    seconds += forwards * model.forwardMs(shape) / 1000;
    t += 1'000'000;
    scrape(t, batch);
  }
  store.appendSamples(trace, samples);
  return db;
}

} // namespace

TEST_CASE("calibrate: a capture without streams fits the decode floor and cost per sequence to "
          "/metrics alone, and says so") {
  TempDir dir;
  // Steady for two intervals at each load; the intervals where it changed are left out.
  const std::string db = capture(dir, "metrics.db", {2, 2, 4, 4, 8, 8, 16, 16, 3});
  const std::string profile = dir.file("profile.csv");
  const RunResult run = tracetune({"calibrate", "--db", db, "--trace", "1", "--out", profile});
  INFO(run.out << run.err);
  REQUIRE(run.exitCode == 0);
  CHECK_THAT(run.out, Catch::Contains("from the server's /metrics alone: 0 streamed requests"));
  CHECK_THAT(run.out, Catch::Contains("server        5 scrape intervals with decode forwards (500 "
                                      "forwards, by TGI's histogram) at batch 2.0-16.0 "
                                      "(tgi_batch_current_size); 4 left out as their batch moved "
                                      "across CUDA graph sizes between scrapes"));
  CHECK_THAT(run.out, Catch::Contains("from the default profile (h100-llama3-8b): every other "
                                      "coefficient"));
  CHECK_THAT(run.out, Catch::Contains("profile written to " + profile));
  REQUIRE(std::filesystem::exists(profile));

  const RunResult json = tracetune({"calibrate", "--db", db, "--trace", "1", "--format", "json"});
  REQUIRE(json.exitCode == 0);
  const auto report = nlohmann::json::parse(json.out);
  CHECK(report["evidence"] == "metrics_only");
  CHECK(report["decode_context"] == kContext);
  CHECK(report["fitted"]["graph_base_ms"].get<double>() == Approx(9.5).epsilon(1e-6));
  CHECK(report["fitted"]["graph_seq_ms"].get<double>() == Approx(0.12).epsilon(1e-6));
  CHECK(report["fit_rms"].get<double>() < 1e-6);

  // The file is a profile --profile reads, and it keeps the fitted decode (its refit is close).
  const sim::FittedProfile loaded = sim::resolveProfile(profile);
  const sim::ForwardShape decode16{
      .decodeSeqs = 16, .kvTokens = 16 * kContext, .maxContext = kContext, .graphBatch = 16};
  CHECK(loaded.model.forwardMs(decode16) == Approx(truth().forwardMs(decode16)).epsilon(0.05));

  // `recommend` on the capture predicts with the same fit, and says so.
  const RunResult recommended =
      tracetune({"recommend", "--db", db, "--trace", "1", "--slo", "e2e=30s", "--format", "json"});
  INFO(recommended.err);
  REQUIRE(recommended.exitCode == 0);
  CHECK_THAT(recommended.err,
             Catch::StartsWith("model: the decode of trace 1's server fitted to its /metrics (5 "
                               "scrape intervals; no streams to time forwards from)"));
  CHECK(nlohmann::json::parse(recommended.out)["profile"] == "metrics of trace 1");
}

TEST_CASE("calibrate refuses in one line when /metrics cannot stand in for the streams") {
  TempDir dir;
  struct Case {
    const char* name;
    std::vector<int64_t> batches;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"two steady intervals",
       {4, 8, 8},
       "2 steady scrape intervals with decode forwards at 2 "
       "CUDA-graph"},
      {"one batch size",
       {8, 7, 8, 6},
       "4 steady scrape intervals with decode forwards at 1 "
       "CUDA-graph"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO(c.name);
    const std::string profile = dir.file("profile.csv");
    const RunResult r =
        tracetune({"calibrate", "--db", capture(dir, "case" + std::to_string(i) + ".db", c.batches),
                   "--trace", "1", "--out", profile});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(isOneLine(r.err));
    CHECK_THAT(r.err,
               Catch::Contains("none of the 30 generation requests of trace 1 was streamed"));
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK_FALSE(std::filesystem::exists(profile));
  }
}

} // namespace tt::test
