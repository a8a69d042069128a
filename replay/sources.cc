#include "replay/sources.h"

namespace tt::replay {

int64_t ReplaySources::skippedCount() const {
  int64_t n = 0;
  for (const auto& [route, count] : skipped) {
    n += count;
  }
  return n;
}

ReplaySources replaySources(std::vector<Exchange> all, bool allRoutes) {
  ReplaySources out;
  for (Exchange& e : all) {
    if (allRoutes || isGeneration(e.endpoint)) {
      out.sources.push_back(std::move(e));
    } else {
      const size_t query = e.path.find('?');
      ++out.skipped[e.method + " " + e.path.substr(0, query)];
    }
  }
  return out;
}

std::string skippedList(const std::map<std::string, int64_t>& skipped) {
  int64_t total = 0;
  std::string routes;
  for (const auto& [route, count] : skipped) {
    total += count;
    routes += (routes.empty() ? "" : ", ") + route + " " + std::to_string(count);
  }
  return std::to_string(total) + (total == 1 ? " request (" : " requests (") + routes + ")";
}

PlanInput planInput(const std::vector<Exchange>& sources, bool endpointOverride) {
  PlanInput in;
  std::map<std::string, int64_t> sessions;
  for (const auto& e : sources) {
    int64_t session = -1;
    if (e.session) {
      session = sessions.emplace(*e.session, static_cast<int64_t>(sessions.size())).first->second;
    }
    in.planSources.push_back({e.sentUs, session});
    if (isGeneration(e.endpoint) && (e.requestBody.empty() || endpointOverride)) {
      in.needsSynthesis = in.needsSynthesis || e.requestBody.empty();
      if (e.inputTokens && in.checkLengths.size() < 5 && *e.inputTokens <= 32'000) {
        in.checkLengths.push_back(*e.inputTokens);
      }
    }
  }
  return in;
}

} // namespace tt::replay
