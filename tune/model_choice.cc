#include "tune/model_choice.h"

#include "sim/profile_source.h"
#include "tune/calibration.h"

#include <cstdio>
#include <exception>

namespace tt::tune {

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
  try {
    Calibration calibration = calibrate(store, trace.id, options);
    char line[256];
    std::snprintf(line, sizeof line,
                  "model: calibrated from trace %lld's own token times (%lld forwards measured, "
                  "fit within %.1f%% on 9 in 10 of them; tracetune calibrate shows the detail)",
                  static_cast<long long>(trace.id),
                  static_cast<long long>(calibration.forwardError.forwards),
                  calibration.forwardError.p90 * 100);
    // On the measured forwards: the rows written are the fitted model itself.
    char error[64];
    std::snprintf(error, sizeof error, "%.1f%% p90 error on the forwards measured",
                  calibration.forwardError.p90 * 100);
    return {std::move(calibration.fitted), error, std::move(calibration.csv), line};
  } catch (const std::exception& e) { // CalibrationError, or any fault of the fit: not fatal here
    ModelChoice fallback{sim::resolveProfile(sim::kDefaultProfile), "", "", ""};
    fallback.error = worstErrorText(fallback.profile);
    fallback.note = "model: built-in profile " + fallback.profile.name + ", since trace " +
                    std::to_string(trace.id) + " cannot be calibrated: " + e.what() +
                    " (--profile names another)";
    return fallback;
  }
}

} // namespace tt::tune
