#pragma once

#include "schema/store.h"
#include "sim/config.h"
#include "sim/profile.h"

#include <string>

namespace tt::tune {

// The cost model a prediction uses (docs/calibrate.md, "In recommend"): the profile the user
// named; else the trace's own server, calibrated from its token times; else, with too few
// streams, its decode fitted to the /metrics the proxy scraped and the rest from the default;
// else the built-in default, with the reason the trace could not be calibrated.
struct ModelChoice {
  sim::FittedProfile profile;
  std::string error;       // how close it came to what it was fitted to, for the report
  std::string profileFile; // the calibrated profile's CSV text, for a server to run; else empty
  std::string note;        // one line: which model, and why
};

// "16% worst error": a profile's worst relative error on its own rows.
std::string worstErrorText(const sim::FittedProfile& profile);

// `profileGiven`: the user named `profileFlag` (a built-in name or a file). Otherwise the trace is
// calibrated with `serverSettings` (the captured server's prefill budget and CUDA graphs).
ModelChoice chooseModel(Store& store, const TraceInfo& trace, const std::string& profileFlag,
                        bool profileGiven, const sim::LauncherConfig& serverSettings);

} // namespace tt::tune
