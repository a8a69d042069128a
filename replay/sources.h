#pragma once

#include "core/exchange.h"
#include "replay/plan.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tt::replay {

// The requests of a stored trace that a replay sends, and what it leaves out.
struct ReplaySources {
  std::vector<Exchange> sources;
  std::map<std::string, int64_t> skipped; // "GET /info" -> count
  int64_t skippedCount() const;
};

// Keeps the requests that generate, or every request with `allRoutes`.
ReplaySources replaySources(std::vector<Exchange> all, bool allRoutes);

// "3 requests (GET /info 2, GET /health 1)"
std::string skippedList(const std::map<std::string, int64_t>& skipped);

// What planning and the preflight need of the sources.
struct PlanInput {
  std::vector<PlanSource> planSources; // send times and sessions, in the sources' order
  bool needsSynthesis = false;         // some prompt was not stored and is synthesized
  std::vector<int64_t> checkLengths;   // a few input lengths to check synthesized prompts on
};

// `endpointOverride`: every request goes to another route (--endpoint), so its body is rebuilt.
PlanInput planInput(const std::vector<Exchange>& sources, bool endpointOverride);

} // namespace tt::replay
