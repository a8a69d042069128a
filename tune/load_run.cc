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
  if (r.firstTokenUs >= 0) {
    record.firstTokenUs = r.firstTokenUs;
  }
  if (r.endUs >= 0) {
    record.endUs = r.endUs;
  }
  record.tokenEvents = r.tokens;
  record.outputTokens = record.tokenEvents;
  record.outcome = r.outcome == sim::Outcome::Ok ? Outcome::Ok : Outcome::HttpError;
  return record;
}

// Counts, forward by forward as the engine runs them, the limits that held requests back.
class PressureCounter {
public:
  explicit PressureCounter(const sim::SchedulerConfig& config)
      : config_(config), blocks_(static_cast<double>(config.maxBatchTotalTokens) /
                                 static_cast<double>(config.blockSize)) {}

  void add(const sim::ForwardRecord& f) {
    ++forwards_;
    // queueLength is the queue as the forward began, before it admitted anyone.
    if (f.queueLength - f.admitted <= 0) {
      return;
    }
    ++queued_;
    // The prefix cache's blocks are evictable on demand: only the rest holds requests back. (The
    // cached blocks that running jobs hold are left out too: the share is a lower bound.)
    kv_ += static_cast<double>(f.blocksInUse - f.cachedBlocks) >= 0.95 * blocks_ ? 1 : 0;
    prefill_ += static_cast<double>(f.prefillTokens) >=
                        0.9 * static_cast<double>(config_.maxBatchPrefillTokens)
                    ? 1
                    : 0;
    batch_ += config_.maxBatchSize && f.batchSize >= *config_.maxBatchSize ? 1 : 0;
  }

  Pressure pressure() const {
    Pressure p;
    if (forwards_ > 0) {
      const double n = static_cast<double>(forwards_);
      p.kvFull = static_cast<double>(kv_) / n;
      p.prefillBudget = static_cast<double>(prefill_) / n;
      p.batchFull = static_cast<double>(batch_) / n;
      p.queued = static_cast<double>(queued_) / n;
    }
    return p;
  }

private:
  const sim::SchedulerConfig& config_;
  double blocks_;
  int64_t forwards_ = 0;
  int64_t queued_ = 0;
  int64_t kv_ = 0;
  int64_t prefill_ = 0;
  int64_t batch_ = 0;
};

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
                  const sim::CostModel& model, const analyze::Slo& slo, double load,
                  std::optional<double> stopBelow, const sim::SchedulerOptions& noise) {
  replay::PlanOptions options;
  options.mode = replay::RateMode::Speed;
  options.value = load;
  const replay::Plan plan = replay::buildPlan(trace.arrivals, options);
  const auto requests = engineRequests(trace.requests, plan, trace.blockTokens);
  PressureCounter pressure(config);
  sim::EngineOptions engine;
  engine.scheduler = noise;
  engine.recordTokenTimes = false; // the objectives need the first and last token only
  engine.onForward = [&pressure](const sim::ForwardRecord& f) { pressure.add(f); };
  int64_t missed = 0;
  if (stopBelow) {
    // More misses than this and the attainment is below `stopBelow` whatever comes after.
    const auto allowed =
        static_cast<int64_t>(std::floor((1 - *stopBelow) * static_cast<double>(requests.size())));
    engine.onRequestEnd = [&, allowed](const sim::RequestResult& r) {
      const bool met = r.outcome == sim::Outcome::Ok &&
                       analyze::meetsSlo(recordOf(r), slo, /*fromIntended=*/false);
      missed += met ? 0 : 1;
      return missed <= allowed;
    };
  }
  const sim::EngineResult result = sim::runEngine(config, model, requests, engine);

  LoadRun run;
  run.load = load;
  run.stopped = result.stopped;
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
  run.pressure = pressure.pressure();
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
