#pragma once

#include "sim/profile.h"
#include "tune/forward_recovery.h"

#include <string>
#include <vector>

namespace tt::tune {

// Profile rows (sim/README.md, "Profile files") from the measured forwards of a schedule: each
// forward is written in the shape a profile row describes, and forwards of nearly the same shape
// (same batch, context and prompt tokens within 25%) become one row at their mean time. So
// `fitProfile` fits the same functional form tgi-sim uses, and every command that takes `--profile
// FILE` accepts the rows.
//   decode forwards: `decode` rows (batch = sequences, context = their mean context), or above
//   the largest CUDA graph an eager decode (`mixed` with tokens = batch + 1);
//   decode plus completed prompts: `mixed` with the prompts as the chunk;
//   prompts only: `prefill` with their mean length.
struct MeasuredRows {
  sim::Profile profile;
  // One per row: the mean shape of its forwards as the server ran them (their longest context,
  // their CUDA graph's padding, each prompt's own attention) and their mean time, which a fit
  // can use where a row's shape is coarser.
  std::vector<sim::FitPoint> points;
};
MeasuredRows profileRows(const RecoveredSchedule& schedule, const std::vector<int64_t>& cudaGraphs,
                         const std::string& name);

// The profile as a CSV file, `comment` as its first line (after '# ').
std::string profileCsv(const sim::Profile& profile, const std::string& model,
                       const std::string& comment);

} // namespace tt::tune
