#include "tune/stored_simulation.h"

#include "analyze/reader.h"
#include "sim/engine.h"
#include "tune/forward_sampler.h"
#include "tune/load_run.h"
#include "tune/what_if.h"

#include <chrono>

namespace tt::tune {

StoredSimulation simulateAndStore(Store& store, const TraceInfo& trace,
                                  const StoredSimulationOptions& o) {
  std::vector<Exchange> stored = store.exchanges(trace.id);
  const size_t storedCount = stored.size();
  const WhatIfTrace whatIf =
      whatIfTrace(std::move(stored), analyze::serverTimeScale(trace), blockTokensOf(trace));
  const std::vector<Exchange>& source = whatIf.requests;
  if (source.empty()) {
    throw StoreError("trace " + std::to_string(trace.id) +
                     " has no generation requests: nothing to simulate");
  }
  const auto plan = replay::buildPlan(whatIf.arrivals, o.plan);
  std::vector<sim::EngineRequest> requests = engineRequests(source, plan, whatIf.blockTokens);

  const auto began = std::chrono::steady_clock::now();
  ForwardSampler sampler;
  sim::EngineOptions engine;
  engine.scheduler.seed = o.seed;
  engine.onForward = [&sampler](const sim::ForwardRecord& f) { sampler.add(f); };
  sim::EngineResult result = sim::runEngine(o.scheduler, o.costModel, requests, engine);
  StoredSimulation out;
  out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  requests = {};

  for (const auto& r : result.requests) {
    out.ok += r.outcome == sim::Outcome::Ok;
    out.overloaded += r.outcome == sim::Outcome::Overloaded;
    out.invalid += r.outcome == sim::Outcome::Invalid;
    out.unfinished += r.outcome == sim::Outcome::Unfinished;
  }
  NewTrace created = o.trace;
  created.kind = TraceKind::Simulation;
  if (created.label.empty()) {
    created.label = trace.label.empty() ? "trace " + std::to_string(trace.id) + " (simulated)"
                                        : trace.label + " (simulated)";
  }
  created.sourceTraceId = trace.id;
  out.traceId = store.createTrace(created);
  // Written in slices, each slice's token times freed once stored.
  constexpr size_t kPerWrite = 4096;
  std::vector<Exchange> simulated;
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    simulated.push_back(
        simulatedExchange(source[plan.requests[i].source], std::move(result.requests[i])));
    if (simulated.size() == kPerWrite || i + 1 == plan.requests.size()) {
      store.append(out.traceId, simulated);
      simulated.clear();
    }
  }
  constexpr size_t kWindowsPerWrite = 4096;
  for (size_t first = 0; first < sampler.windows(); first += kWindowsPerWrite) {
    store.appendSamples(out.traceId, sampler.samples(first, kWindowsPerWrite));
  }
  out.planned = plan.requests.size();
  out.forwards = result.forwards;
  out.endUs = result.endUs;
  out.skipped = storedCount - source.size();
  return out;
}

} // namespace tt::tune
