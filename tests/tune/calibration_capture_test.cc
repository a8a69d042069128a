// `tracetune calibrate` against the truth: traffic from the embedded Azure slice sent through
// `tracetune proxy` in front of tgi-sim (a built-in profile, and one generated here with other
// coefficients), then the model calibrated from the capture compared with the model tgi-sim ran,
// the recovered schedule with tgi-sim's own step records (--steps-out), and a simulation with the
// calibrated profile with the capture's own latencies.
#include "tests/support/proxy_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tgi_sim_process.h"
#include "tests/tune/true_steps.h"

#include "sim/builtin_profiles.h"
#include "sim/profile.h"
#include "sim/profile_source.h"
#include "tune/calibration.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

namespace tt::test {
namespace {

// tgi-sim's pace: a forward of 7 ms takes 0.7 ms, far above the spread of token deliveries.
constexpr double kTimeScale = 10;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Capture {
  std::string db;
  std::string steps;
  int64_t trace = 0;
};

// The first `limit` requests of the Azure slice, sent through a proxy in front of tgi-sim
// running `profile`, at the trace's own pace in the server's time times `speed`.
Capture capture(const TempDir& dir, const std::string& profile, int limit, double speed) {
  Capture c{dir.file("capture.db"), dir.file("steps.csv"), 0};
  const std::string clients = dir.file("clients.db");
  const RunResult imported =
      tracetune({"import", "azure", std::string(TT_SOURCE_DIR) + "/tune/demo/azure-conv-first-1000.csv",
                 "--db", clients});
  REQUIRE(imported.exitCode == 0);
  TgiSimProcess server(kTimeScale, {"--profile", profile, "--steps-out", c.steps});
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream", server.url(), "--db", c.db});
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);
  const RunResult sent = tracetune(
      {"replay", "--db", clients, "--trace", "1", "--target",
       "http://127.0.0.1:" + std::to_string(proxy.port), "--speed", std::to_string(kTimeScale * speed),
       "--limit", std::to_string(limit), "--quiet"});
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

// The CSV of a built-in profile or a profile file.
std::string profileText(const std::string& profile) {
  for (const auto& builtin : sim::builtinProfiles()) {
    if (builtin.name == profile) {
      return std::string(builtin.csv);
    }
  }
  return readFile(profile);
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

void checkCalibration(const std::string& profile) {
  TempDir dir;
  const Capture c = capture(dir, profile, 400, 1.0);
  const std::string calibrated = dir.file("calibrated.csv");
  const RunResult run = tracetune({"calibrate", "--db", c.db, "--trace", std::to_string(c.trace),
                                   "--out", calibrated});
  INFO(run.out << run.err);
  REQUIRE(run.exitCode == 0);
  CHECK_THAT(run.out, Catch::Contains("profile written to " + calibrated));

  Store store(c.db, Store::Access::Read);
  const tune::Calibration cal = tune::calibrate(store, c.trace, {});

  // The schedule: forwards and their batch sizes as tgi-sim ran them.
  const Agreement a = agreement(readTrueSteps(c.steps), cal.schedule);
  INFO("visible " << a.visible << ", invisible " << a.invisible << ", matched " << a.matched
                  << ", timed " << a.timed << ", durations within 1% " << a.durationWithin1Pct);
  CHECK(a.share() >= 0.95);

  // The model: within 10% of tgi-sim's at every point of its profile inside the covered range.
  const sim::FittedProfile truth = sim::resolveProfile(profile);
  const sim::FittedProfile fitted = sim::resolveProfile(calibrated); // as --profile reads it
  const sim::Profile points = sim::parseProfile(profileText(profile), profile);
  int inside = 0;
  int outside = 0;
  double worst = 0;
  for (const auto& row : points.rows) {
    const sim::ForwardShape shape = servedShape(row);
    const double want = truth.model.forwardMs(shape);
    const double error = fitted.model.forwardMs(shape) / want - 1;
    if (!cal.coverage.covers(row)) {
      ++outside; // reported by calibrate as an extrapolation
      continue;
    }
    ++inside;
    worst = std::max(worst, std::abs(error));
    INFO(profile << " line " << row.line << ": " << want << " ms, calibrated " << error * 100
                 << "%");
    CHECK(std::abs(error) <= 0.10);
  }
  CHECK(inside > 0);
  CHECK_FALSE(cal.extrapolations.empty());

  // The capture's own latencies, simulated with the calibrated profile.
  const RunResult simulated = tracetune({"simulate", "--db", c.db, "--trace",
                                         std::to_string(c.trace), "--profile", calibrated});
  INFO(simulated.out << simulated.err);
  REQUIRE(simulated.exitCode == 0);
  int64_t simulation = 0;
  for (const auto& t : Store(c.db, Store::Access::Read).listTraces()) {
    if (t.kind == TraceKind::Simulation) {
      simulation = t.id;
    }
  }
  const auto captured = latencies(c.db, c.trace);
  const auto replayed = latencies(c.db, simulation);
  std::ostringstream measured;
  measured << profile << ": schedule " << a.matched << "/" << a.visible << " forwards agree ("
           << a.invisible << " emitted no token), " << inside << " profile points inside the range"
           << " (worst " << worst * 100 << "%), " << outside << " outside;";
  for (const char* metric : {"ttft_us", "itl_us"}) {
    for (const char* p : {"p50", "p90", "p99"}) {
      const double want = captured[metric][p].get<double>();
      const double error = replayed[metric][p].get<double>() / want - 1;
      measured << " " << metric << " " << p << " " << error * 100 << "%";
      INFO(metric << " " << p << ": captured " << want << " us, simulated " << error * 100 << "%");
      CHECK(std::abs(error) <= 0.10);
    }
  }
  std::cout << measured.str() << std::endl; // the numbers docs/calibrate.md quotes
}

} // namespace

TEST_CASE("calibrate: a capture of tgi-sim with the default profile gives back its model") {
  checkCalibration("h100-llama3-8b");
}

} // namespace tt::test
