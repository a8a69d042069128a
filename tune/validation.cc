#include "tune/validation.h"

#include "analyze/reader.h"
#include "analyze/trace_metrics.h"
#include "core/clock.h"
#include "replay/preflight.h"
#include "replay/stored_run.h"
#include "tune/launched_server.h"
#include "tune/launcher_line.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace tt::tune {
namespace {

// The share of a stored replay's requests that met every objective, in the server's time.
double measuredAttainment(Store& store, int64_t traceId, double timeScale,
                          const analyze::Slo& slo) {
  int64_t all = 0;
  int64_t met = 0;
  analyze::forEachRecord(store, traceId, timeScale,
                         [&](const analyze::RequestRecord& r, std::span<const int64_t>) {
                           ++all;
                           met += analyze::meetsSlo(r, slo, /*fromIntended=*/false) ? 1 : 0;
                         });
  return all > 0 ? static_cast<double>(met) / static_cast<double>(all) : 0;
}

// Where the measured attainment crosses `target` between the sweep's points, by linear
// interpolation between the last point that holds and the next.
std::optional<double> crossing(const std::vector<MeasuredPoint>& points, double target) {
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const MeasuredPoint& a = points[i];
    const MeasuredPoint& b = points[i + 1];
    if (a.measured >= target && b.measured < target) {
      return a.load + (b.load - a.load) * (a.measured - target) / (a.measured - b.measured);
    }
  }
  return std::nullopt;
}

// A launched server as a replay target: its address, its /info (and so its time scale), and
// synthesized prompts calibrated to its tokenizer when the trace has no bodies.
struct Target {
  replay::RunOptions run;
  std::string serverInfo = "{}";
  double timeScale = 1;
};

Target targetOf(const LaunchedServer& server, const WhatIfTrace& trace) {
  Target t;
  t.run.target.host = "127.0.0.1";
  t.run.target.port = static_cast<uint16_t>(server.port());
  std::string error;
  if (replay::resolveTarget(t.run.target, t.run.address, error) != 0) {
    throw LaunchError(error);
  }
  const MonotonicClock clock;
  const Exchange info =
      replay::fetchOnce(t.run.target, t.run.address, clock, "GET", "/info", "", 5'000);
  if (info.status == 200 && nlohmann::json::accept(info.responseBody)) {
    t.serverInfo = info.responseBody;
  }
  t.timeScale =
      analyze::serverTimeScale({.kind = TraceKind::Replay, .serverInfoJson = t.serverInfo});
  const bool synthesize = std::any_of(trace.requests.begin(), trace.requests.end(),
                                      [](const Exchange& e) { return e.requestBody.empty(); });
  if (synthesize) {
    std::vector<int64_t> lengths;
    for (const Exchange& e : trace.requests) {
      if (e.inputTokens && lengths.size() < 5) {
        lengths.push_back(*e.inputTokens);
      }
    }
    const int blockTokens = trace.blockTokens > 0 ? static_cast<int>(trace.blockTokens) : 512;
    t.run.send.synth.blockTokens = blockTokens;
    t.run.send.synth.tokensPerWord =
        replay::calibrateSynthesis(t.run.target, t.run.address, clock, lengths, blockTokens)
            .tokensPerWord;
  }
  return t;
}

// The server's /info with the launcher flags it was started with: TGI's /info leaves out most
// of them (the prefill budget among them), and analysis tells configurations apart by it.
std::string withLauncher(const std::string& serverInfo, const sim::LauncherConfig& launcher) {
  nlohmann::json info = nlohmann::json::parse(serverInfo, nullptr, false);
  if (!info.is_object()) {
    info = nlohmann::json::object();
  }
  const std::vector<std::string> args = launcherArguments(launcher);
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    info["launcher"][args[i].substr(2)] = args[i + 1];
  }
  return info.dump();
}

std::string joined(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) {
    line += (line.empty() ? "" : " ") + w;
  }
  return line;
}

} // namespace

SettingValidation validateSetting(Store& store, const WhatIfTrace& trace,
                                  const sim::LauncherConfig& launcher, const std::string& name,
                                  double predictedCapacity, const sim::SchedulerConfig& config,
                                  const sim::CostModel& model, const ValidationOptions& options,
                                  std::ostream& progress) {
  SettingValidation v;
  v.name = name;
  v.predictedCapacity = predictedCapacity;
  // A fresh server for every load: the one before would hold the same prompts in its prefix
  // cache, which the prediction, starting empty, does not.
  for (const double multiple : options.sweep) {
    char logName[64];
    std::snprintf(logName, sizeof logName, "/%s-server-load-%.3g.log", name.c_str(),
                  predictedCapacity * multiple);
    LaunchedServer server(options.launch, joined(launcherArguments(launcher)),
                          options.logDirectory + logName, std::chrono::seconds(120));
    v.command = server.command();

    const Target target = targetOf(server, trace);
    const replay::RunOptions& run = target.run;
    const std::string& serverInfo = target.serverInfo;
    const double timeScale = target.timeScale;
    const MonotonicClock clock;

    const double load = predictedCapacity * multiple;
    replay::PlanOptions plan;
    plan.mode = replay::RateMode::Speed;
    plan.value = load * timeScale; // the trace is in the server's time; the server runs faster
    char loadText[32];
    std::snprintf(loadText, sizeof loadText, "%.3g", load);
    progress << "validating " << name << " settings at " << loadText << "x the trace's load\n";
    const nlohmann::json parameters{
        {"validation", name}, {"load", load}, {"mode", "speed"}, {"value", plan.value}};
    const replay::StoredRun stored = replay::runAndStore(
        store, clock, replay::buildPlan(trace.arrivals, plan), trace.requests, run,
        {.db = options.db,
         .trace = {.label = options.label + " " + name + " load=" + loadText,
                   .target = server.url(),
                   .parametersJson = parameters.dump(),
                   .serverInfoJson = withLauncher(serverInfo, launcher),
                   .sourceTraceId = options.sourceTraceId}},
        progress);
    MeasuredPoint point;
    point.load = load;
    point.traceId = stored.traceId;
    point.timeScale = timeScale;
    point.predicted = runAtLoad(trace, config, model, options.slo, load).attainment();
    point.measured = measuredAttainment(store, stored.traceId, timeScale, options.slo);
    v.points.push_back(point);
    server.stop();
  }
  v.measuredCapacity = crossing(v.points, options.attainment);
  v.holdsAtEveryPoint = std::all_of(v.points.begin(), v.points.end(), [&](const MeasuredPoint& p) {
    return p.measured >= options.attainment;
  });
  return v;
}

std::string tgiSimLaunch(const std::string& path, const std::string& profile,
                         const sim::LauncherConfig& launcher, double timeScale) {
  char scale[32];
  std::snprintf(scale, sizeof scale, "%g", timeScale);
  std::string command = shellQuoted(path) + " --hostname 127.0.0.1 --port {port} --time-scale " +
                        scale + " --profile " + profile + " --kv-tokens " +
                        std::to_string(launcher.model.kvCapacityTokens);
  if (!launcher.prefillChunking) {
    command += " --prefill-chunking off";
  }
  if (launcher.router == sim::RouterVersion::V2) {
    command += " --scheduler v2";
  }
  return command + " {flags}";
}

std::vector<SettingValidation> validateRecommendation(Store& store, const WhatIfTrace& trace,
                                                      const Recommendation& r,
                                                      const sim::CostModel& model,
                                                      const ValidationOptions& options,
                                                      std::ostream& progress) {
  std::vector<SettingValidation> out;
  for (const auto& [name, assessed] :
       {std::pair{"current", &r.current}, std::pair{"recommended", &r.recommended}}) {
    if (assessed->capacity.load <= 0 || assessed->capacity.aboveRange()) {
      continue; // no capacity predicted, or only a floor: nothing to check
    }
    const sim::SchedulerConfig config = *sim::resolveConfig(assessed->launcher).config;
    out.push_back(validateSetting(store, trace, assessed->launcher, name, assessed->capacity.load,
                                  config, model, options, progress));
  }
  return out;
}

} // namespace tt::tune
