#include "tune/model_choice.h"

#include "sim/profile_source.h"
#include "tune/calibration.h"
#include "tune/metrics_only_calibration.h"

#include <cstdio>
#include <exception>

namespace tt::tune {
namespace {

ModelChoice fromTokenTimes(Calibration calibration, int64_t traceId) {
  char line[256];
  std::snprintf(line, sizeof line,
                "model: calibrated from trace %lld's own token times (%lld forwards measured, "
                "fit within %.1f%% on 9 in 10 of them; tracetune calibrate shows the detail)",
                static_cast<long long>(traceId),
                static_cast<long long>(calibration.forwardError.forwards),
                calibration.forwardError.p90 * 100);
  // On the measured forwards: the rows written are the fitted model itself.
  char error[64];
  std::snprintf(error, sizeof error, "%.1f%% p90 error on the forwards measured",
                calibration.forwardError.p90 * 100);
  return {std::move(calibration.fitted), error, std::move(calibration.csv), line};
}

ModelChoice fromMetrics(MetricsOnlyCalibration calibration, int64_t traceId) {
  char line[320];
  std::snprintf(line, sizeof line,
                "model: the decode of trace %lld's server fitted to its /metrics (%zu scrape "
                "intervals; no streams to time forwards from), the rest from the default profile "
                "%s; tracetune calibrate shows the detail",
                static_cast<long long>(traceId), calibration.intervals.size(),
                std::string(sim::kDefaultProfile).c_str());
  char error[64];
  std::snprintf(error, sizeof error, "%.1f%% RMS error on the /metrics intervals",
                calibration.rmsError * 100);
  sim::FittedProfile fitted{"metrics of trace " + std::to_string(traceId), calibration.model, {}};
  return {std::move(fitted), error, std::move(calibration.csv), line};
}

ModelChoice builtinDefault(int64_t traceId, const std::string& why) {
  ModelChoice fallback{sim::resolveProfile(sim::kDefaultProfile), "", "", ""};
  fallback.error = worstErrorText(fallback.profile);
  fallback.note = "model: built-in profile " + fallback.profile.name + ", since trace " +
                  std::to_string(traceId) + " cannot be calibrated: " + why +
                  " (--profile names another)";
  return fallback;
}

} // namespace

std::string worstErrorText(const sim::FittedProfile& profile) {
  char text[48];
  std::snprintf(text, sizeof text, "%.0f%% worst error", profile.maxAbsError() * 100);
  return text;
}

ModelChoice chooseModel(Store& store, const TraceInfo& trace, const std::string& profileFlag,
                        bool profileGiven, const sim::LauncherConfig& serverSettings) {
  if (profileGiven) {
    ModelChoice named{sim::resolveProfile(profileFlag), "", "", ""};
    named.error = worstErrorText(named.profile);
    named.note = "model: profile " + named.profile.name + " (--profile)";
    return named;
  }
  CalibrationOptions options;
  options.recovery.maxBatchPrefillTokens =
      serverSettings.maxBatchPrefillTokens.value_or(options.recovery.maxBatchPrefillTokens);
  options.cudaGraphs = serverSettings.cudaGraphs;
  // A failed calibration, of any kind, is not fatal here: the default profile stands in.
  try {
    return fromTokenTimes(calibrate(store, trace.id, options), trace.id);
  } catch (const TooFewStreamsError& tooFew) {
    try { // the scraped /metrics may still give the decode (docs/calibrate.md)
      return fromMetrics(calibrateFromMetrics(store, trace.id, options.cudaGraphs, tooFew.what()),
                         trace.id);
    } catch (const std::exception& e) {
      return builtinDefault(trace.id, e.what());
    }
  } catch (const std::exception& e) {
    return builtinDefault(trace.id, e.what());
  }
}

} // namespace tt::tune
