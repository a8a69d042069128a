#include "analyze/compare.h"

#include <unordered_map>
#include <vector>

namespace tt::analyze {

RequestDeltas compareRequests(std::span<const RequestRecord> source,
                              std::span<const RequestRecord> replay) {
  std::unordered_map<int64_t, const RequestRecord*> byId;
  byId.reserve(source.size());
  for (const auto& r : source) {
    byId.emplace(r.id, &r);
  }
  RequestDeltas d;
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  std::vector<double> tokens;
  auto addDelta = [](std::vector<double>& into, std::optional<double> a, std::optional<double> b) {
    if (a && b) {
      into.push_back(*a - *b);
    }
  };
  for (const auto& r : replay) {
    const auto found = r.sourceRequestId ? byId.find(*r.sourceRequestId) : byId.end();
    if (found == byId.end()) {
      ++d.unmatched;
      continue;
    }
    const RequestRecord& s = *found->second;
    ++d.matched;
    if (r.outcome != s.outcome) {
      ++d.outcomeChanged;
    }
    if (!r.ok() || !s.ok()) {
      continue;
    }
    ++d.bothOk;
    addDelta(ttft, r.ttftUs(), s.ttftUs());
    addDelta(tpot, r.tpotUs(), s.tpotUs());
    addDelta(e2e, r.e2eUs(), s.e2eUs());
    tokens.push_back(static_cast<double>(r.outputTokens - s.outputTokens));
  }
  d.ttftUs = summarize(ttft);
  d.tpotUs = summarize(tpot);
  d.e2eUs = summarize(e2e);
  d.outputTokens = summarize(tokens);
  return d;
}

} // namespace tt::analyze
