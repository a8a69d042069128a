// Runs the whole Azure LLM 2023 conversation trace (19,366 requests, one hour) through the
// simulator in virtual time with TGI's defaults and the default profile, and prints the speed.
#include "sim/engine.h"
#include "sim/profile_source.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

// "2023-11-16 18:15:46.6805900" -> microseconds since midnight (the trace spans one hour).
int64_t parseTimestampUs(const std::string& t) {
  const int64_t h = std::stoll(t.substr(11, 2));
  const int64_t m = std::stoll(t.substr(14, 2));
  const double s = std::stod(t.substr(17));
  return (h * 3600 + m * 60) * 1'000'000 + static_cast<int64_t>(s * 1e6 + 0.5);
}

std::vector<tt::sim::EngineRequest> loadAzure(const std::string& path) {
  std::ifstream in(path);
  std::vector<tt::sim::EngineRequest> out;
  std::string line;
  std::getline(in, line); // header
  int64_t first = -1;
  while (std::getline(in, line)) {
    const size_t a = line.find(',');
    const size_t b = line.find(',', a + 1);
    if (a == std::string::npos || b == std::string::npos) {
      continue;
    }
    const int64_t t = parseTimestampUs(line.substr(0, a));
    first = first < 0 ? t : first;
    tt::sim::EngineRequest r;
    r.arrivalUs = t - first;
    r.spec.inputTokens = std::stoll(line.substr(a + 1, b - a - 1));
    r.spec.outputTokens = std::stoll(line.substr(b + 1));
    r.spec.params.maxNewTokens = r.spec.outputTokens; // the trace has no max_new_tokens
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1
                               ? argv[1]
                               : std::string(TT_SHARED_DIR) +
                                     "/traces/azure-llm-2023-conv/AzureLLMInferenceTrace_conv.csv";
  const auto requests = loadAzure(path);
  if (requests.empty()) {
    std::fprintf(stderr, "sim_bench: no requests read from %s\n", path.c_str());
    return 1;
  }
  const auto model = tt::sim::resolveProfile(tt::sim::kDefaultProfile).model;
  const auto config = tt::sim::resolveConfig(tt::sim::LauncherConfig{}).config.value();
  constexpr int kRuns = 5;
  double best = 1e300;
  tt::sim::EngineResult result;
  for (int i = 0; i < kRuns; ++i) {
    const auto start = std::chrono::steady_clock::now();
    result = tt::sim::runEngine(config, model, requests);
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
    best = std::min(best, wall.count());
  }
  int64_t ok = 0;
  int64_t tokens = 0;
  for (const auto& r : result.requests) {
    ok += r.outcome == tt::sim::Outcome::Ok ? 1 : 0;
    tokens += static_cast<int64_t>(r.tokenUs.size());
  }
  std::printf("trace            azure-llm-2023-conv (%zu requests, %.0f s simulated)\n",
              requests.size(), static_cast<double>(result.endUs) / 1e6);
  std::printf("config           TGI defaults, profile %s\n",
              std::string(tt::sim::kDefaultProfile).c_str());
  std::printf("completed        %lld requests, %lld tokens\n", static_cast<long long>(ok),
              static_cast<long long>(tokens));
  std::printf("forward steps    %lld\n", static_cast<long long>(result.forwards));
  std::printf("wall time        %.3f s (best of %d)\n", best, kRuns);
  std::printf("steps/s          %.0f\n", static_cast<double>(result.forwards) / best);
  std::printf("requests/s       %.0f\n", static_cast<double>(requests.size()) / best);
  return 0;
}
