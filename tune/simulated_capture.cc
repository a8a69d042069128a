#include "tune/simulated_capture.h"

#include <algorithm>

namespace tt::tune {

CapturedTraffic capturedTrafficOf(const std::vector<sim::RequestResult>& results,
                                  const std::vector<sim::EngineRequest>& requests) {
  CapturedTraffic traffic;
  traffic.traceId = 1;
  traffic.modelId = "simulated";
  for (size_t i = 0; i < results.size(); ++i) {
    const sim::RequestResult& r = results[i];
    if (r.outcome != sim::Outcome::Ok) {
      continue; // a request TGI refused never reaches a batch
    }
    traffic.requests.push_back({.id = static_cast<int64_t>(i),
                                .sentUs = r.arrivalUs,
                                .arrivalUs = r.arrivalUs,
                                .endUs = r.endUs,
                                .promptTokens = requests[i].spec.inputTokens,
                                .tokenUs = r.tokenUs});
  }
  std::stable_sort(traffic.requests.begin(), traffic.requests.end(),
                   [](const auto& a, const auto& b) { return a.sentUs < b.sentUs; });
  return traffic;
}

} // namespace tt::tune
