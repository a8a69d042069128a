// `tracetune calibrate` on an hour of traffic: the whole Azure LLM 2023 conversation trace (19,366
// requests) run through the simulated TGI with TGI's defaults and the default profile, its exact
// token times stored as a capture in a SQLite file and calibrated from there, as `tracetune
// calibrate` does. The anchor, measured in the same run, is the simulation of that hour itself.
// Target (issue 15): under 10 s.
#include "bench/tune/azure_hour.h"
#include "replay/plan.h"
#include "schema/store.h"
#include "sim/engine.h"
#include "sim/profile_source.h"
#include "tune/calibration.h"
#include "tune/load_run.h"
#include "tune/simulated_capture.h"
#include "tune/what_if.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

double secondsSince(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

} // namespace

int main(int argc, char** argv) {
  using namespace tt;
  const auto loaded = tt::bench::azureHour(argc, argv, "calibrate_bench");
  if (!loaded) {
    return 1;
  }
  const tt::tune::WhatIfTrace& trace = *loaded;
  replay::PlanOptions plan;
  plan.mode = replay::RateMode::Speed; // the trace's own pace
  const std::vector<sim::EngineRequest> requests =
      tune::engineRequests(trace.requests, replay::buildPlan(trace.arrivals, plan), 0);
  const sim::ResolvedConfig config = sim::resolveConfig({});
  const sim::CostModel model = sim::resolveProfile(sim::kDefaultProfile).model;

  auto began = std::chrono::steady_clock::now();
  const sim::EngineResult run = sim::runEngine(*config.config, model, requests, {});
  const double simulateS = secondsSince(began);
  const tune::CapturedTraffic traffic = tune::capturedTrafficOf(run.requests, requests);
  int64_t tokens = 0;
  for (const auto& r : traffic.requests) {
    tokens += static_cast<int64_t>(r.tokenUs.size());
  }

  // The hour as the proxy would have stored it.
  const auto db = std::filesystem::temp_directory_path() /
                  ("calibrate-bench-" + std::to_string(getpid()) + ".db");
  int64_t traceId = 0;
  {
    Store store(db.string());
    traceId = store.createTrace({.serverInfoJson = R"({"model_id":"simulated"})"});
    std::vector<Exchange> exchanges;
    for (const auto& r : traffic.requests) {
      Exchange& e = exchanges.emplace_back();
      e.path = "/generate_stream";
      e.endpoint = Endpoint::GenerateStream;
      e.stream = true;
      e.status = 200;
      e.sentUs = r.sentUs;
      e.endUs = r.endUs;
      e.inputTokens = r.promptTokens;
      e.tokenTimesUs = r.tokenUs;
    }
    store.append(traceId, exchanges);
  }

  began = std::chrono::steady_clock::now();
  const tune::Calibration c = [&] {
    Store store(db.string(), Store::Access::Read);
    return tune::calibrate(store, traceId, {});
  }();
  const double calibrateS = secondsSince(began);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(db.string() + suffix);
  }
  std::printf("requests streamed             %zu (%lld token events)\n", traffic.requests.size(),
              static_cast<long long>(tokens));
  std::printf("forwards recovered / measured %zu / %lld\n", c.schedule.forwards.size(),
              static_cast<long long>(c.forwardError.forwards));
  std::printf("calibrate from the database   %.2f s\n", calibrateS);
  std::printf("anchor: simulate the hour     %.2f s\n", simulateS);
  return 0;
}
