#include "tune/workload.h"

#include "tune/what_if.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <vector>

namespace tt::tune {

double peakRatePerS(std::span<const int64_t> sortedArrivalsUs, int64_t windowUs) {
  size_t most = 0;
  size_t first = 0;
  for (size_t last = 0; last < sortedArrivalsUs.size(); ++last) {
    while (sortedArrivalsUs[last] - sortedArrivalsUs[first] >= windowUs) {
      ++first;
    }
    most = std::max(most, last - first + 1);
  }
  return static_cast<double>(most) * 1e6 / static_cast<double>(windowUs);
}

Workload describeWorkload(std::span<const Exchange> requests, double timeScale) {
  Workload w;
  w.requests = static_cast<int64_t>(requests.size());
  if (requests.empty()) {
    return w;
  }
  std::vector<int64_t> arrivals;
  std::vector<double> inputs;
  std::vector<double> outputs;
  std::unordered_set<int64_t> seenBlocks;
  int64_t blocks = 0;
  int64_t sharedBlocks = 0;
  for (const Exchange& e : requests) {
    arrivals.push_back(
        std::llround(static_cast<double>(e.intendedUs.value_or(e.sentUs)) * timeScale));
    inputs.push_back(static_cast<double>(promptTokensOf(e)));
    const auto generated = e.outputTokens;
    if (generated) {
      outputs.push_back(static_cast<double>(*generated));
    }
    if (e.maxNewTokens) {
      if (generated) {
        ++w.withMaxNewTokens;
        w.askedTokens += *e.maxNewTokens;
        w.generatedTokens += std::min(*generated, *e.maxNewTokens);
      }
    } else {
      ++w.withoutMaxNewTokens;
    }
    for (const int64_t id : e.prefixHashIds) {
      ++blocks;
      sharedBlocks += seenBlocks.insert(id).second ? 0 : 1;
    }
  }
  std::sort(arrivals.begin(), arrivals.end());
  w.spanS = static_cast<double>(arrivals.back() - arrivals.front()) / 1e6;
  if (w.spanS > 0) {
    w.meanRatePerS = static_cast<double>(w.requests - 1) / w.spanS;
  }
  w.peakRatePerS1 = peakRatePerS(arrivals, 1'000'000);
  w.peakRatePerS10 = peakRatePerS(arrivals, 10'000'000);
  w.peakRatePerS60 = peakRatePerS(arrivals, 60'000'000);
  if (arrivals.size() > 2) {
    double sum = 0;
    double squares = 0;
    const double n = static_cast<double>(arrivals.size() - 1);
    for (size_t i = 1; i < arrivals.size(); ++i) {
      const double gap = static_cast<double>(arrivals[i] - arrivals[i - 1]);
      sum += gap;
      squares += gap * gap;
    }
    const double mean = sum / n;
    if (mean > 0) {
      w.burstiness = std::sqrt(std::max(0.0, squares / n - mean * mean)) / mean;
    }
  }
  w.inputTokens = analyze::summarize(inputs);
  w.outputTokens = analyze::summarize(outputs);
  if (blocks > 0) {
    w.sharedPrefixFraction = static_cast<double>(sharedBlocks) / static_cast<double>(blocks);
  }
  return w;
}

} // namespace tt::tune
