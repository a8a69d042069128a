#include "tune/load_run.h"

#include "analyze/request_record.h"
#include "analyze/trace_metrics.h"
#include "sim/engine.h"
#include "tune/what_if.h"

#include <algorithm>
#include <cmath>

namespace tt::tune {
namespace {

analyze::RequestRecord recordOf(const sim::RequestResult& r) {
  analyze::RequestRecord record;
  record.intendedUs = r.arrivalUs;
  record.sentUs = r.arrivalUs;
  if (!r.tokenUs.empty()) {
    record.firstTokenUs = r.tokenUs.front();
  }
  if (r.endUs >= 0) {
    record.endUs = r.endUs;
  }
  record.tokenEvents = static_cast<int64_t>(r.tokenUs.size());
  record.outputTokens = record.tokenEvents;
  record.outcome = r.outcome == sim::Outcome::Ok ? Outcome::Ok : Outcome::HttpError;
  return record;
}

Pressure pressureOf(const std::vector<sim::ForwardRecord>& steps,
                    const sim::SchedulerConfig& config) {
  Pressure p;
  if (steps.empty()) {
    return p;
  }
  const double blocks =
      static_cast<double>(config.maxBatchTotalTokens) / static_cast<double>(config.blockSize);
  int64_t kv = 0;
  int64_t prefill = 0;
  int64_t batch = 0;
  int64_t queued = 0;
  for (const sim::ForwardRecord& s : steps) {
    if (s.queueLength == 0) {
      continue;
    }
    ++queued;
    kv += static_cast<double>(s.blocksInUse) >= 0.95 * blocks ? 1 : 0;
    prefill += static_cast<double>(s.prefillTokens) >=
                       0.9 * static_cast<double>(config.maxBatchPrefillTokens)
                   ? 1
                   : 0;
    batch += config.maxBatchSize && s.batchSize >= *config.maxBatchSize ? 1 : 0;
  }
  const double n = static_cast<double>(steps.size());
  p.kvFull = static_cast<double>(kv) / n;
  p.prefillBudget = static_cast<double>(prefill) / n;
  p.batchFull = static_cast<double>(batch) / n;
  p.queued = static_cast<double>(queued) / n;
  return p;
}

} // namespace

WhatIfTrace whatIfTrace(std::vector<Exchange> all, double timeScale, int64_t blockTokens) {
  WhatIfTrace trace;
  trace.blockTokens = blockTokens;
  for (Exchange& e : all) {
    if (!isGeneration(e.endpoint)) {
      continue;
    }
    if (timeScale != 1) {
      const auto scaled = [timeScale](int64_t us) {
        return std::llround(static_cast<double>(us) * timeScale);
      };
      e.sentUs = scaled(e.sentUs);
      if (e.intendedUs) {
        e.intendedUs = scaled(*e.intendedUs);
      }
    }
    trace.requests.push_back(std::move(e));
  }
  trace.arrivals = planSources(trace.requests);
  return trace;
}

LoadRun runAtLoad(const WhatIfTrace& trace, const sim::SchedulerConfig& config,
                  const sim::CostModel& model, const analyze::Slo& slo, double load) {
  replay::PlanOptions options;
  options.mode = replay::RateMode::Speed;
  options.value = load;
  const replay::Plan plan = replay::buildPlan(trace.arrivals, options);
  const auto requests = engineRequests(trace.requests, plan, trace.blockTokens);
  const sim::EngineResult result = sim::runEngine(config, model, requests);

  LoadRun run;
  run.load = load;
  run.requests = static_cast<int64_t>(result.requests.size());
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  for (const sim::RequestResult& r : result.requests) {
    switch (r.outcome) {
    case sim::Outcome::Ok:
      break;
    case sim::Outcome::Overloaded:
      ++run.overloaded;
      continue;
    case sim::Outcome::Invalid:
      ++run.invalid;
      continue;
    case sim::Outcome::Unfinished:
      ++run.unfinished;
      continue;
    }
    const analyze::RequestRecord record = recordOf(r);
    run.met += analyze::meetsSlo(record, slo, /*fromIntended=*/false) ? 1 : 0;
    if (const auto t = record.perceivedTtftUs(false)) {
      ttft.push_back(*t);
    }
    if (const auto t = record.tpotUs()) {
      tpot.push_back(*t);
    }
    if (const auto t = record.e2eUs()) {
      e2e.push_back(*t);
    }
  }
  run.ttftUs = analyze::summarize(ttft);
  run.tpotUs = analyze::summarize(tpot);
  run.e2eUs = analyze::summarize(e2e);
  run.pressure = pressureOf(result.steps, config);
  run.pressure.overloaded = run.overloaded;
  return run;
}

std::string bindingConstraint(const LoadRun& run) {
  const Pressure& p = run.pressure;
  // Turned-away requests bind when they are most of the misses; a few 429s beside many slow
  // answers only show the queue is long.
  if (2 * run.overloaded >= run.requests - run.met && run.overloaded > 0) {
    return "concurrency permits (--max-concurrent-requests)";
  }
  if (p.queued < 0.05) {
    return "";
  }
  const double most = std::max({p.kvFull, p.prefillBudget, p.batchFull});
  if (most < 0.2 * p.queued) {
    return "forward time (requests wait, but no limit is reached: the GPU is busy)";
  }
  if (most == p.kvFull) {
    return "KV cache (blocks reserved for prompts and max_new_tokens)";
  }
  if (most == p.prefillBudget) {
    return "prefill budget (--max-batch-prefill-tokens)";
  }
  return "decode batch (--max-batch-size)";
}

} // namespace tt::tune
