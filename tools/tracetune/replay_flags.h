#pragma once

#include "core/exchange.h"
#include "replay/plan.h"
#include "replay/sweep.h"
#include "tools/tracetune/replay_command.h"

#include <string>
#include <vector>

namespace tt::cli {

// The text flags of `tracetune replay` read into the replay library's types; a malformed or
// conflicting flag throws UsageError.

// The runs --speed, --rate, --poisson, --concurrency or --sweep ask for (one without them).
std::vector<replay::SweepPoint> sweepPoints(const ReplayOptions& options);
// --copies, --seed, --limit, --ties, --duration, --window and --shard.
replay::PlanOptions planOptions(const ReplayOptions& options);
// --header 'Name: value', each.
Headers parseHeaders(const std::vector<std::string>& items);

} // namespace tt::cli
