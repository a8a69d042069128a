#include "tune/demo.h"

#include "analyze/analysis.h"
#include "analyze/reader.h"
#include "analyze/report_html.h"
#include "analyze/slo.h"
#include "analyze/text_table.h"
#include "core/clock.h"
#include "replay/import.h"
#include "replay/preflight.h"
#include "replay/stored_run.h"
#include "schema/server_info.h"
#include "sim/profile_source.h"
#include "tune/demo/embedded_trace.h"
#include "tune/launched_server.h"
#include "tune/launcher_line.h"
#include "tune/model_choice.h"
#include "tune/recommend_chart.h"
#include "tune/recommend_report.h"
#include "tune/validation.h"
#include "tune/what_if.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tt::tune {
namespace {

namespace fs = std::filesystem;

constexpr const char* kProfile = "h100-llama3-8b";

std::string number(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Sends the embedded slice through `proxy` at the server's pace and returns the capture's id.
int64_t captureTraffic(Store& store, const DemoOptions& o, const std::string& db,
                       const LaunchedServer& proxy, std::ostream& progress) {
  std::istringstream csv(kDemoTraceCsv);
  replay::ImportResult imported = replay::importTrace(csv, {.format = "azure"});
  const int64_t importId = store.createTrace({.kind = TraceKind::Import,
                                              .label = "azure conversation, first 1000",
                                              .target = "tune/demo/azure-conv-first-1000.csv",
                                              .originUnixUs = imported.originUnixUs});
  store.append(importId, imported.exchanges);

  replay::RunOptions run;
  run.target.host = "127.0.0.1";
  run.target.port = static_cast<uint16_t>(proxy.port());
  std::string error;
  replay::resolveTarget(run.target, run.address, error);
  const MonotonicClock clock;
  run.send.synth.tokensPerWord =
      replay::calibrateSynthesis(run.target, run.address, clock, {374, 879, 1313}, 512)
          .tokensPerWord;
  run.progress = &progress;
  replay::PlanOptions plan;
  plan.mode = replay::RateMode::Speed;
  plan.value = o.timeScale; // the trace's own pace, in the server's time
  const std::vector<Exchange> sources = store.exchanges(importId);
  const replay::StoredRun sent = replay::runAndStore(
      store, clock, replay::buildPlan(planSources(sources), plan), sources, run,
      {.db = db,
       .trace = {.label = "production clients", .target = proxy.url(), .sourceTraceId = importId}},
      progress);
  if (sent.stats.interrupted) {
    throw std::runtime_error("interrupted");
  }
  for (const auto& t : store.listTraces()) {
    if (t.kind == TraceKind::Capture) {
      return t.id;
    }
  }
  throw std::runtime_error("the proxy recorded no capture trace");
}

} // namespace

int runDemo(const DemoOptions& o, std::ostream& out, std::ostream& progress) {
  const auto began = std::chrono::steady_clock::now();
  const analyze::Slo slo = analyze::parseSlo(o.slo); // before anything of a last run is removed
  fs::create_directories(o.directory);
  const std::string dir = fs::absolute(o.directory).string();
  const std::string db = dir + "/demo.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(db + suffix);
  }
  const std::string scale = number("%g", o.timeScale);

  progress << "[1/5] starting tgi-sim with TGI's default settings (" << scale
           << "x real time) and tracetune proxy in front of it\n";
  int64_t captureId = 0;
  {
    LaunchedServer production(shellQuoted(o.tgiSim) +
                                  " --hostname 127.0.0.1 --port {port} --time-scale " + scale +
                                  " --profile " + kProfile,
                              "", dir + "/production-tgi-sim.log", std::chrono::seconds(60));
    LaunchedServer proxy(shellQuoted(o.tracetune) + " proxy --listen 127.0.0.1:{port} --upstream " +
                             production.url() + " --db " + shellQuoted(db) + " --label production",
                         "", dir + "/proxy.log", std::chrono::seconds(60));
    progress << "[2/5] sending the first 1,000 requests of the Azure conversation trace (3.6 "
                "minutes of production) through the proxy\n";
    Store store(db, Store::Access::Create);
    captureId = captureTraffic(store, o, db, proxy, progress);
    proxy.stop(); // the capture ends, complete
  }

  progress << "[3/5] calibrating the cost model from the capture's token times, then searching "
              "launcher settings for "
           << o.slo << "\n";
  Store store(db, Store::Access::Read);
  const TraceInfo capture = *store.findTrace(captureId);
  const double timeScale = analyze::serverTimeScale(capture);
  const WhatIfTrace trace = whatIfTrace(store.exchanges(captureId), timeScale, 0);
  sim::LauncherConfig current;
  const ServerInfo info = ServerInfo::read(capture.serverInfoJson);
  applyServerInfo(info, {}, current);
  // The prediction uses the model learned from the capture, as `recommend` does; the servers of
  // the validation run the production server's profile: they stand in for the real GPU.
  const ModelChoice model = chooseModel(store, capture, kProfile, false, current);
  const sim::FittedProfile& profile = model.profile;
  progress << "      " << model.note << "\n";
  RecommendOptions options;
  options.slo = slo;
  options.capacity.attainment = o.attainment;
  const Recommendation r =
      recommend(trace, describeWorkload(trace.requests, 1.0), current, profile.model, options);

  progress << "[4/5] validating: relaunching tgi-sim with the current and the recommended "
              "settings, replaying the capture around each predicted capacity\n";
  const ValidationOptions v{.db = db,
                            .label = "validate trace " + std::to_string(captureId),
                            .launch =
                                tgiSimLaunch(o.tgiSim, kProfile, r.current.launcher, o.timeScale),
                            .logDirectory = dir,
                            .slo = slo,
                            .attainment = o.attainment,
                            .sourceTraceId = captureId};
  const std::vector<SettingValidation> validations =
      validateRecommendation(store, trace, r, profile.model, v, progress);

  progress << "[5/5] writing the report\n";
  const ReportContext context = reportContext(captureId, model, timeScale, o.attainment, slo, info);
  auto tables = recommendTables(r, context);
  tables.push_back(validationTable(validations, o.attainment));
  {
    std::ofstream text(dir + "/recommendation.txt");
    analyze::printTables(tables, text);
  }
  std::ofstream(dir + "/recommendation.json") << recommendJson(r, context).dump(2) << "\n";
  const analyze::Report report =
      analyze::analyzeStore(store, {.traceIds = {captureId}, .family = v.label}, slo);
  {
    std::ofstream html(dir + "/report.html");
    analyze::writeHtml(report, html,
                       {"Recommendation",
                        tables,
                        {attainmentChart(trace, r, profile.model, options, validations)}});
  }

  const auto capacityOf = [](const Assessed& a) { return number("%.3gx", a.capacity.load); };
  out << "\nRecommended launch for this traffic (objectives " << context.slo << " for "
      << number("%.0f%%", o.attainment * 100) << " of requests):\n  "
      << launcherCommand(context.modelId, r.recommended.launcher) << "\n\n"
      << "Capacity, as a multiple of the trace's own load: current " << capacityOf(r.current)
      << ", recommended " << capacityOf(r.recommended) << ", predicted with the cost model "
      << profile.name << " (" << model.error << "; the servers ran " << kProfile << ")\n";
  for (const SettingValidation& s : validations) {
    out << "  " << s.name << ": predicted " << number("%.3gx", s.predictedCapacity)
        << ", measured by replay "
        << (s.measuredCapacity    ? number("%.3gx", *s.measuredCapacity)
            : s.holdsAtEveryPoint ? "above the loads tried"
                                  : "below the loads tried")
        << "\n";
  }
  out << "\nFiles in " << dir << ":\n"
      << "  demo.db              every trace (tracetune traces --db " << db << ")\n"
      << "  report.html          the capture and the validation replays, with curves\n"
      << "  recommendation.txt   the recommendation with its evidence (also .json)\n"
      << "  *.log                the output of each server\n"
      << number("Done in %.0f s.\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  return 0;
}

} // namespace tt::tune
