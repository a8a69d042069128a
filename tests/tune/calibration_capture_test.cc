// `tracetune calibrate` as a user runs it: traffic from the embedded Azure slice sent through
// `tracetune proxy` in front of tgi-sim, the capture calibrated by the command line, the profile
// it writes run by tgi-sim and `simulate`, and `recommend` predicting with it. Real time disturbs
// a capture (late sends on a loaded machine), so only what it cannot disturb is asserted: the
// report, the profile accepted, the model recommend says it used. The schedule and the model's
// accuracy are asserted on exact times (calibration_simulated_test.cc); the numbers on a real
// capture, against tgi-sim's own step records (--steps-out), are printed for docs/calibrate.md.
#include "tests/support/proxy_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tgi_sim_process.h"
#include "tests/tune/true_steps.h"

#include "sim/builtin_profiles.h"
#include "sim/profile.h"
#include "sim/profile_source.h"
#include "tune/calibration.h"
#include "tune/server_prompt_counts.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

namespace tt::test {
namespace {

// tgi-sim's pace: a forward of 7 ms takes 1.4 ms, above the delays of a busy test machine.
constexpr double kTimeScale = 5;

struct Capture {
  std::string db;
  std::string steps;
  int64_t trace = 0;
};

// The first `limit` requests of the Azure slice, sent through a proxy in front of tgi-sim
// running `profile`, at the trace's own pace in the server's time.
Capture capture(const TempDir& dir, const std::string& profile, int limit) {
  Capture c{dir.file("capture.db"), dir.file("steps.csv"), 0};
  const std::string clients = dir.file("clients.db");
  const RunResult imported = tracetune(
      {"import", "azure", std::string(TT_SOURCE_DIR) + "/tune/demo/azure-conv-first-1000.csv",
       "--db", clients});
  REQUIRE(imported.exitCode == 0);
  TgiSimProcess server(kTimeScale, {"--profile", profile, "--steps-out", c.steps});
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream", server.url(), "--db", c.db,
                      "--scrape-interval", "1"});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  const RunResult sent =
      tracetune({"replay", "--db", clients, "--trace", "1", "--target",
                 "http://127.0.0.1:" + std::to_string(proxy.port), "--speed",
                 std::to_string(kTimeScale), "--limit", std::to_string(limit), "--quiet"});
  INFO(sent.out << sent.err);
  REQUIRE(sent.exitCode == 0);
  REQUIRE(proxy.stop(SIGINT) == 0);
  REQUIRE(server.stop() == 0); // the step records are complete once it has exited
  Store store(c.db, Store::Access::Read);
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Capture) {
      c.trace = t.id;
    }
  }
  REQUIRE(c.trace > 0);
  return c;
}

// The shape tgi-sim runs for a profile row: a decode row's batch padded to TGI's CUDA graphs.
sim::ForwardShape servedShape(const sim::ProfileRow& row) {
  sim::ForwardShape s = sim::shapeOf(row);
  if (row.phase == sim::ProfileRow::Phase::Decode) {
    s.graphBatch = sim::graphBatchFor(std::vector<int64_t>{1, 2, 4, 8, 16, 32}, row.batch);
  }
  return s;
}

nlohmann::json latencies(const std::string& db, int64_t trace) {
  const RunResult analyzed =
      tracetune({"analyze", "--db", db, std::to_string(trace), "--format", "json"});
  REQUIRE(analyzed.exitCode == 0);
  const auto report = nlohmann::json::parse(analyzed.out);
  return report["traces"][0];
}

// The trace `simulate` stores for `capture` with `profile`.
int64_t simulate(const Capture& c, const std::string& profile) {
  const RunResult simulated = tracetune(
      {"simulate", "--db", c.db, "--trace", std::to_string(c.trace), "--profile", profile});
  INFO(simulated.out << simulated.err);
  REQUIRE(simulated.exitCode == 0);
  int64_t id = 0;
  for (const auto& t : Store(c.db, Store::Access::Read).listTraces()) {
    id = t.kind == TraceKind::Simulation ? std::max(id, t.id) : id;
  }
  return id;
}

} // namespace

TEST_CASE("calibrate: a capture of tgi-sim through the proxy gives a profile that tgi-sim, "
          "simulate and recommend use") {
  const std::string truth = "h100-llama3-8b";
  TempDir dir;
  const Capture c = capture(dir, truth, 400);
  const std::string calibrated = dir.file("calibrated.csv");
  const RunResult run = tracetune(
      {"calibrate", "--db", c.db, "--trace", std::to_string(c.trace), "--out", calibrated});
  INFO(run.out << run.err);
  REQUIRE(run.exitCode == 0);
  CHECK_THAT(run.out, Catch::Contains("requests      400 generation, 400 streamed"));
  CHECK_THAT(run.out, Catch::Contains("covered       decode batch 1-"));
  CHECK_THAT(run.out, Catch::Contains("extrapolates\n  no forward with more than "));
  CHECK_THAT(run.out, Catch::Contains("profile written to " + calibrated));
  const RunResult json = tracetune(
      {"calibrate", "--db", c.db, "--trace", std::to_string(c.trace), "--format", "json"});
  REQUIRE(json.exitCode == 0);
  const auto report = nlohmann::json::parse(json.out);
  CHECK(report["streamed"] == 400);
  CHECK(report["profile"].is_null());
  CHECK_FALSE(report["extrapolates"].empty());
  // The proxy scraped tgi-sim's /metrics every second: its decode histogram is set beside the
  // recovered forwards (the numbers are printed below with the accuracy).
  REQUIRE(report["server_metrics"].is_object());
  CHECK(report["server_metrics"]["intervals"].get<int>() > 0);

  // The schedule: forwards and their batch sizes as tgi-sim ran them, reported with the accuracy
  // below, not asserted: a busy machine delays tgi-sim's sends and so splits and merges forwards
  // (docs/calibrate.md, "Accuracy", has the figures). The exact-times test holds the algorithm
  // itself to 95%.
  Store store(c.db, Store::Access::Read);
  const tune::Calibration cal = tune::calibrate(store, c.trace, {});
  const Agreement a = agreement(readTrueSteps(c.steps), cal.schedule);
  CHECK(a.visible > 0);

  // `recommend` on the capture predicts with the capture's own model, and says so; on the
  // imported trace the clients sent (no token times, no server) it says why it cannot.
  const RunResult recommended =
      tracetune({"recommend", "--db", c.db, "--trace", std::to_string(c.trace), "--slo",
                 "ttft=2s,itl=100ms", "--format", "json"});
  INFO(recommended.err);
  REQUIRE(recommended.exitCode == 0);
  const std::string ownModel = "calibrated from trace " + std::to_string(c.trace);
  CHECK_THAT(recommended.err, Catch::StartsWith("model: " + ownModel + "'s own token times"));
  CHECK(nlohmann::json::parse(recommended.out)["profile"] == ownModel);
  const RunResult fallback = tracetune({"recommend", "--db", dir.file("clients.db"), "--trace", "1",
                                        "--slo", "ttft=2s,itl=100ms", "--format", "json"});
  INFO(fallback.err);
  REQUIRE(fallback.exitCode == 0);
  CHECK_THAT(fallback.err,
             Catch::StartsWith("model: built-in profile h100-llama3-8b, since trace 1 cannot be "
                               "calibrated: trace 1 has no /info"));

  // `analyze --html` shows the calibration of a capture, measured against the model; an import
  // has none to show.
  const auto htmlOf = [&](const std::string& db, const std::string& trace) {
    const std::string file = dir.file("report-" + trace + ".html");
    const RunResult analyzed = tracetune({"analyze", "--db", db, trace, "--html", file});
    REQUIRE(analyzed.exitCode == 0);
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string captureHtml = htmlOf(c.db, std::to_string(c.trace));
  CHECK_THAT(captureHtml, Catch::Contains("<h2>Calibration</h2>"));
  CHECK_THAT(captureHtml,
             Catch::Contains("Decode forwards: measured step times against the model"));
  // Beside the tables, the charts of measured step times against the model.
  for (const std::string chart : {"calibration-decode-", "calibration-prompts-"}) {
    const size_t at = captureHtml.find("data-chart=\"" + chart + std::to_string(c.trace) + "\"");
    REQUIRE(at != std::string::npos);
    const std::string svg = captureHtml.substr(at, captureHtml.find("</svg>", at) - at);
    CHECK_THAT(svg, Catch::Contains("measured\""));
    CHECK_THAT(svg, Catch::Contains("model\""));
  }
  CHECK_THAT(htmlOf(dir.file("clients.db"), "1"), !Catch::Contains("<h2>Calibration</h2>"));

  // The profile written is one tgi-sim and simulate accept.
  TgiSimProcess server(kTimeScale, {"--profile", calibrated});
  CHECK(server.stop() == 0);
  const auto captured = latencies(c.db, c.trace);
  const auto simulated = latencies(c.db, simulate(c, calibrated));

  // What real time did to the model (reported, not asserted: docs/calibrate.md, "Accuracy").
  const sim::FittedProfile want = sim::resolveProfile(truth);
  const sim::FittedProfile got = sim::resolveProfile(calibrated);
  double worst = 0;
  int inside = 0;
  for (const auto& builtin : sim::builtinProfiles()) {
    if (builtin.name != truth) {
      continue;
    }
    for (const auto& row : sim::parseProfile(builtin.csv, truth).rows) {
      if (cal.coverage.covers(row)) {
        ++inside;
        const sim::ForwardShape shape = servedShape(row);
        worst =
            std::max(worst, std::abs(got.model.forwardMs(shape) / want.model.forwardMs(shape) - 1));
      }
    }
  }
  std::ostringstream measured;
  measured << truth << " through the proxy: server decode mean "
           << report["server_metrics"]["server_decode_ms"] << " ms, recovered "
           << report["server_metrics"]["recovered_decode_ms"] << " ms; schedule " << a.matched
           << "/" << a.visible << " forwards; " << inside
           << " profile points inside the range, worst " << worst * 100
           << "%; simulated against captured:";
  for (const char* metric : {"ttft_us", "itl_us"}) {
    for (const char* p : {"p50", "p90", "p99"}) {
      measured << " " << metric << " " << p << " "
               << (simulated[metric][p].get<double>() / captured[metric][p].get<double>() - 1) * 100
               << "%";
    }
  }
  std::cout << measured.str() << std::endl;

  // --tokenize-url: with the server's counts gone from the capture, tgi-sim's /tokenize counts
  // every prompt as its generation did, so the model is the same.
  std::map<int64_t, int64_t> serverCounts;
  for (const auto& r : tune::readCapturedTraffic(store, c.trace).requests) {
    REQUIRE(r.promptTokens);
    REQUIRE_FALSE(r.promptEstimated);
    serverCounts[r.id] = *r.promptTokens;
  }
  {
    Store writable(c.db);
    writable.db().exec("UPDATE requests SET input_tokens = NULL, tgi_prompt_tokens = NULL, "
                       "input_tokens_estimated = 0");
  }
  TgiSimProcess tokenizer(kTimeScale);
  tune::CapturedTraffic uncounted = tune::readCapturedTraffic(store, c.trace);
  const tune::TokenizeOutcome counted =
      tune::countPromptsWithServer(store, uncounted, {.url = tokenizer.url()});
  CHECK(counted.tokenized == 400);
  CHECK(counted.chat == 0);
  for (const auto& r : uncounted.requests) {
    INFO("request " << r.id);
    CHECK(r.promptTokenized);
    CHECK(r.promptTokens == serverCounts.at(r.id));
  }
  const RunResult tokenized =
      tracetune({"calibrate", "--db", c.db, "--trace", std::to_string(c.trace), "--format", "json",
                 "--tokenize-url", tokenizer.url()});
  INFO(tokenized.err);
  REQUIRE(tokenized.exitCode == 0);
  const auto viaTokenize = nlohmann::json::parse(tokenized.out);
  CHECK(viaTokenize["prompt_tokens"]["counted"] == 0);
  CHECK(viaTokenize["prompt_tokens"]["tokenized"] == 400);
  CHECK(viaTokenize["prompt_tokens"]["estimated"] == 0);
  CHECK(viaTokenize["coefficients"] == report["coefficients"]);
  const RunResult table = tracetune({"calibrate", "--db", c.db, "--trace", std::to_string(c.trace),
                                     "--tokenize-url", tokenizer.url()});
  REQUIRE(table.exitCode == 0);
  CHECK_THAT(table.out, Catch::Contains("prompt sizes  0 from the server's counts, 400 from the "
                                        "server's /tokenize, 0 estimated"));
}

} // namespace tt::test
