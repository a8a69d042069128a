#pragma once

#include "analyze/slo.h"
#include "core/url.h"
#include "schema/store.h"
#include "sim/config.h"
#include "tune/load_run.h"
#include "tune/recommendation.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tt::tune {

// One replay of the workload against a launched server at a load.
struct MeasuredPoint {
  double load = 0;
  int64_t traceId = 0;  // the replay trace stored
  double predicted = 0; // the simulated attainment at this load
  double measured = 0;  // the replay's: requests that met every objective, of all sent
  double timeScale = 1; // of the server (tgi-sim's --time-scale, from its /info)
};

// A setting's capacity as predicted and as measured on a sweep of loads around the prediction.
struct SettingValidation {
  std::string name; // "current" or "recommended"
  std::string command;
  double predictedCapacity = 0;
  std::vector<MeasuredPoint> points;
  // The load where the measured attainment crosses the target, interpolated between the sweep's
  // points; nullopt when every point holds or every point fails (see the points).
  std::optional<double> measuredCapacity;
  bool holdsAtEveryPoint = false;
};

struct ValidationOptions {
  std::string db;           // the replays are stored here, as a family labelled `label`
  std::string label;        // "validate trace 2": each replay "<label> <name> load=<x>"
  std::string launch;       // command template with {port} and {flags}
  std::string logDirectory; // where each server's output goes
  std::vector<double> sweep = {0.8, 1.0, 1.2}; // multiples of the predicted capacity
  analyze::Slo slo;
  double attainment = 0.95;
  int64_t sourceTraceId = 0;
  // A server the user launched by hand (--target) instead of `launch`: every sweep point replays
  // against it, and only `setting` ("current" or "recommended") is validated. Its /info must
  // show that setting's limits.
  std::optional<HttpUrl> target;
  std::string setting = "recommended";
};

// Launches the server with `launcher`'s flags (or takes options.target), replays `trace` at each
// sweep load and measures the attainment; a launched server is stopped before this returns, also
// on errors (LaunchError).
SettingValidation validateSetting(Store& store, const WhatIfTrace& trace,
                                  const sim::LauncherConfig& launcher, const std::string& name,
                                  double predictedCapacity, const sim::SchedulerConfig& config,
                                  const sim::CostModel& model, const ValidationOptions& options,
                                  std::ostream& progress);

// The command that launches tgi-sim at `path` as the simulated server: the same cost model and
// server facts, `timeScale` times faster than real time, {port} and {flags} left to fill.
std::string tgiSimLaunch(const std::string& path, const std::string& profile,
                         const sim::LauncherConfig& launcher, double timeScale);

// Validates the current and the recommended settings of `r` (those with a capacity), or the one
// `options.setting` names on `options.target`.
std::vector<SettingValidation> validateRecommendation(Store& store, const WhatIfTrace& trace,
                                                      const Recommendation& r,
                                                      const sim::CostModel& model,
                                                      const ValidationOptions& options,
                                                      std::ostream& progress);

// --validate as `recommend` runs it: where the servers come from and where their output goes.
struct ValidationRequest {
  std::string db;
  int64_t traceId = 0;
  std::string launch;                  // empty: tgi-sim beside tracetune, running the same model
  std::optional<HttpUrl> target;       // a server launched by hand instead
  std::string setting = "recommended"; // the one setting validated on `target`
  std::string tgiSimPath;
  std::string profileName;       // the model's profile, for tgi-sim
  std::string calibratedProfile; // or a calibrated profile's CSV text, written for tgi-sim
  analyze::Slo slo;
  double attainment = 0.95;
};

// tgi-sim's pace in a validation: ten times real time keeps a replay of minutes to seconds.
constexpr double kValidationTimeScale = 10;

// Validates `r` as the request says; the servers' output goes to a fresh directory in the system's
// temporary directory, named on `progress`.
std::vector<SettingValidation> validate(Store& store, const WhatIfTrace& trace,
                                        const Recommendation& r, const sim::CostModel& model,
                                        const ValidationRequest& request, std::ostream& progress);

} // namespace tt::tune
