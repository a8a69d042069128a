#include "tune/validation.h"

#include "analyze/reader.h"
#include "analyze/trace_metrics.h"
#include "core/clock.h"
#include "replay/preflight.h"
#include "replay/stored_run.h"
#include "schema/server_info.h"
#include "schema/trace_parameters.h"
#include "tune/launched_server.h"
#include "tune/launcher_line.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

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

std::string serverUrl(const HttpUrl& url) {
  return "http://" + url.hostHeader() + url.prefix;
}

// A launched server as a replay target: its address, its /info (and so its time scale), and
// synthesized prompts calibrated to its tokenizer when the trace has no bodies.
struct Target {
  replay::RunOptions run;
  std::string serverInfo = "{}";
  double timeScale = 1;
};

Target targetOf(const HttpUrl& url, const WhatIfTrace& trace, uint64_t promptSeed) {
  Target t;
  t.run.target = url;
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
    t.run.send.synth.seed = promptSeed;
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

// A server launched by hand must run the setting validated: the limits its /info shows (TGI v3
// shows the concurrency and token limits, not the prefill budget) are compared.
void checkServerRuns(const std::string& serverInfo, const sim::SchedulerConfig& config,
                     const std::string& name, const std::string& url) {
  const ServerInfo info = ServerInfo::read(serverInfo);
  if (!info.fromTgi) {
    throw LaunchError("the server at " + url + " gave no /info from TGI: is it TGI?");
  }
  const std::tuple<const char*, std::optional<int64_t>, int64_t> limits[] = {
      {"--max-concurrent-requests", info.maxConcurrentRequests, config.maxConcurrentRequests},
      {"--max-input-tokens", info.maxInputTokens, config.maxInputTokens},
      {"--max-total-tokens", info.maxTotalTokens, config.maxTotalTokens}};
  for (const auto& [flag, runs, want] : limits) {
    if (runs && *runs != want) {
      throw LaunchError("the server at " + url + " runs " + flag + " " + std::to_string(*runs) +
                        " where the " + name + " settings have " + std::to_string(want) +
                        ": relaunch it with the " + name + " launch line");
    }
  }
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
    std::optional<LaunchedServer> launched;
    HttpUrl url;
    if (options.target) {
      url = *options.target;
      v.command = "the server at " + serverUrl(url);
    } else {
      launched.emplace(options.launch, joined(launcherArguments(launcher)),
                       options.logDirectory + logName, std::chrono::seconds(120));
      v.command = launched->command();
      url.host = "127.0.0.1";
      url.port = static_cast<uint16_t>(launched->port());
    }
    // Other synthesized words at each load: a server kept across loads (--target) then holds
    // nothing of the last load in its prefix cache.
    const Target target = targetOf(url, trace, v.points.size() + 1);
    if (options.target) {
      checkServerRuns(target.serverInfo, config, name, serverUrl(url));
    }
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
    const ValidationParameters parameters{.name = name, .load = load, .speed = plan.value};
    const replay::StoredRun stored = replay::runAndStore(
        store, clock, replay::buildPlan(trace.arrivals, plan), trace.requests, run,
        {.db = options.db,
         .trace = {.label = options.label + " " + name + " load=" + loadText,
                   .target = serverUrl(url),
                   .parametersJson = parameters.json(),
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
    if (launched) {
      launched->stop();
    }
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
    if (options.target && options.setting != name) {
      continue; // one server, launched by hand with one of them
    }
    if (assessed->capacity.load <= 0 || assessed->capacity.aboveRange()) {
      continue; // no capacity predicted, or only a floor: nothing to check
    }
    const sim::SchedulerConfig config = *sim::resolveConfig(assessed->launcher).config;
    out.push_back(validateSetting(store, trace, assessed->launcher, name, assessed->capacity.load,
                                  config, model, options, progress));
  }
  return out;
}

std::vector<SettingValidation> validate(Store& store, const WhatIfTrace& trace,
                                        const Recommendation& r, const sim::CostModel& model,
                                        const ValidationRequest& request, std::ostream& progress) {
  const auto logs =
      std::filesystem::temp_directory_path() / ("tracetune-validate-" + std::to_string(getpid()));
  std::filesystem::create_directories(logs);
  // The stand-in server runs the model the prediction used.
  std::string profile = request.profileName;
  if (!request.calibratedProfile.empty()) {
    profile = (logs / "calibrated-profile.csv").string();
    std::ofstream file(profile, std::ios::binary | std::ios::trunc);
    if (!(file << request.calibratedProfile) || !file.flush()) {
      throw std::runtime_error("cannot write the calibrated profile to " + profile);
    }
  }
  const ValidationOptions options{
      .db = request.db,
      .label = "validate trace " + std::to_string(request.traceId),
      .launch = request.launch.empty() ? tgiSimLaunch(request.tgiSimPath, profile,
                                                      r.current.launcher, kValidationTimeScale)
                                       : request.launch,
      .logDirectory = logs.string(),
      .slo = request.slo,
      .attainment = request.attainment,
      .sourceTraceId = request.traceId,
      .target = request.target,
      .setting = request.setting};
  if (request.target) {
    progress << "validation: one server for every load, launched by hand: a trace with its "
                "prompts' text leaves them in its prefix cache from one load to the next (a "
                "launched server is fresh for each; synthesized prompts differ at each load)\n";
  }
  std::vector<SettingValidation> validations =
      validateRecommendation(store, trace, r, model, options, progress);
  if (!request.target) {
    progress << "validation: the servers' output is in " << logs.string() << "\n";
  }
  return validations;
}

} // namespace tt::tune
