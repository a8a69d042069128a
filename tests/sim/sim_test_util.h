#pragma once

#include "sim/engine.h"

#include <span>
#include <utility>
#include <vector>

namespace tt::sim::testing {

// A cost model with round numbers for hand-computed schedules: every eager forward (prefill,
// mixed, or decode without a graph) takes 10 ms, every graph decode 5 ms.
inline CostModel flatModel() {
  CostCoefficients c;
  c.prefillFloorMs = 10;
  c.decodeFloorMs = 10;
  c.graphBaseMs = 5;
  return CostModel(c);
}

// Block size 1, chunking, small limits that make the arithmetic easy to follow.
inline SchedulerConfig smallConfig() {
  SchedulerConfig c;
  c.blockSize = 1;
  c.chunking = true;
  c.prefixCaching = true;
  c.maxConcurrentRequests = 128;
  c.maxInputTokens = 3999;
  c.maxTotalTokens = 4000;
  c.maxBatchPrefillTokens = 100;
  c.maxBatchTotalTokens = 100'001; // 100,000 usable blocks
  c.cudaGraphs = {1, 2, 4, 8, 16, 32};
  return c;
}

inline EngineRequest request(int64_t arrivalUs, int64_t input, int64_t maxNew, int64_t output = 0) {
  EngineRequest r;
  r.arrivalUs = arrivalUs;
  r.spec.inputTokens = input;
  r.spec.params.maxNewTokens = maxNew;
  r.spec.outputTokens = output;
  return r;
}

// The engine's result with every forward it ran, for schedules checked forward by forward.
struct TracedRun : EngineResult {
  std::vector<ForwardRecord> steps;
};

inline TracedRun runTraced(const SchedulerConfig& config, const CostModel& model,
                           std::span<const EngineRequest> requests, EngineOptions options = {}) {
  std::vector<ForwardRecord> steps;
  options.onForward = [&steps](const ForwardRecord& f) { steps.push_back(f); };
  TracedRun out;
  static_cast<EngineResult&>(out) = runEngine(config, model, requests, options);
  out.steps = std::move(steps);
  return out;
}

inline std::vector<ForwardKind> kinds(const TracedRun& result) {
  std::vector<ForwardKind> out;
  for (const auto& s : result.steps) {
    out.push_back(s.kind);
  }
  return out;
}

} // namespace tt::sim::testing
