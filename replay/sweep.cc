#include "replay/sweep.h"

#include "analyze/reader.h"
#include "analyze/trace_metrics.h"
#include "core/clock.h"
#include "replay/preflight.h"
#include "replay/run_summary.h"
#include "replay/sources.h"
#include "replay/stored_run.h"
#include "schema/store.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace tt::replay {
namespace {

// Prompt tokens per prefix hash id of the source trace, for synthesized prompts: 512 when it
// records none.
int blockTokensOf(const TraceInfo& trace) {
  const int stored = static_cast<int>(storedBlockTokens(trace.parametersJson).value_or(0));
  return stored > 0 ? stored : 512;
}

// Every point's plan, before the first network call: a bad option fails here, not later.
std::vector<Plan> planPoints(const Sweep& sweep, const std::vector<PlanSource>& sources) {
  std::vector<Plan> plans;
  for (const SweepPoint& point : sweep.points) {
    PlanOptions options = sweep.plan;
    options.mode = point.mode;
    options.value = point.value;
    plans.push_back(buildPlan(sources, options));
    if (plans.back().requests.empty()) {
      throw PlanError("no request of trace " + std::to_string(sweep.trace) +
                      " is left to send by --window, --limit, --duration and --shard");
    }
  }
  return plans;
}

// The target's /info, to store with each run; "{}" when it gives none. Throws when the target
// cannot be reached.
std::string serverInfo(const Sweep& sweep, const RunOptions& run, const Clock& clock) {
  const Exchange info = fetchOnce(run.target, run.address, clock, "GET", "/info", "", 5'000);
  if (info.outcome == Outcome::UpstreamError || info.outcome == Outcome::Timeout) {
    throw std::runtime_error("cannot reach " + sweep.target + ": " + info.error +
                             " (is the server running? check --target)");
  }
  if (info.status == 200 && nlohmann::json::accept(info.responseBody)) {
    return info.responseBody;
  }
  return "{}";
}

// What analyze measures of a stored run, in the run's own (wall-clock) time: read back from the
// database after the run, so that measuring costs the sending loop nothing.
analyze::TraceMetrics measuredOnTheWire(Store& store, int64_t traceId) {
  analyze::TraceAccumulator measured(analyze::Slo{});
  analyze::forEachRecord(
      store, traceId, 1.0,
      [&measured](const analyze::RequestRecord& record, std::span<const int64_t> tokenTimesUs) {
        measured.add(record, tokenTimesUs);
      });
  return measured.finish();
}

} // namespace

void checkStartAt(double startAt) {
  const int64_t aheadUs = std::llround(startAt * 1e6) - unixNowUs();
  if (aheadUs < 0) {
    char late[128];
    std::snprintf(late, sizeof late, "--start-at %.3f is %.3f s in the past", startAt,
                  static_cast<double>(-aheadUs) / 1e6);
    throw PlanError(std::string(late) + "; pick an instant after every shard has started");
  }
}

SweepResult runSweep(const Sweep& sweep, std::ostream& out, std::ostream& err) {
  Store store(sweep.db, Store::Access::Read);
  const auto source = store.findTrace(sweep.trace);
  if (!source) {
    throw std::runtime_error("no trace " + std::to_string(sweep.trace) + " in " + sweep.db +
                             " (see tracetune traces --db " + sweep.db + ")");
  }
  const ReplaySources replayed = replaySources(store.exchanges(sweep.trace), sweep.allRoutes);
  if (replayed.sources.empty()) {
    throw std::runtime_error("trace " + std::to_string(sweep.trace) +
                             (replayed.skipped.empty() ? " has no requests"
                                                       : " has no generation requests (only " +
                                                             skippedList(replayed.skipped) +
                                                             "): --all-routes sends them"));
  }
  const std::vector<Exchange>& sources = replayed.sources;
  RunOptions run = sweep.run;
  const PlanInput input = planInput(sources, run.send.endpoint.has_value());
  const std::vector<Plan> plans = planPoints(sweep, input.planSources);
  const int blockTokens = blockTokensOf(*source);
  run.send.synth.blockTokens = blockTokens;

  // Before the run: the target must answer, and synthesized prompts get calibrated.
  std::string resolveError;
  if (resolveTarget(run.target, run.address, resolveError) != 0) {
    throw std::runtime_error(resolveError);
  }
  MonotonicClock clock;
  const std::string info = serverInfo(sweep, run, clock);
  Calibration calibration;
  if (input.needsSynthesis) {
    calibration =
        calibrateSynthesis(run.target, run.address, clock, input.checkLengths, blockTokens);
    run.send.synth.tokensPerWord = calibration.tokensPerWord;
    out << "prompts: " << calibration.note << "\n";
  }
  if (!replayed.skipped.empty()) {
    out << "skipped " << skippedList(replayed.skipped)
        << ": they generate nothing (--all-routes sends them too)\n";
  }

  SweepResult result;
  for (size_t p = 0; p < sweep.points.size(); ++p) {
    const SweepPoint& point = sweep.points[p];
    const Plan& plan = plans[p];
    ReplayParameters parameters = sweep.parameters;
    parameters.mode = rateModeName(point.mode);
    parameters.value = point.value;
    parameters.skipped = replayed.skippedCount();
    parameters.planned = plan.requests.size();
    parameters.calibrated = calibration.calibrated;
    parameters.tokensPerWord = calibration.tokensPerWord;
    parameters.meanAbsErrorPct = calibration.meanAbsErrorPct;
    parameters.maxAbsErrorPct = calibration.maxAbsErrorPct;
    const std::string sourceName =
        source->label.empty() ? "trace " + std::to_string(sweep.trace) : source->label;
    std::string label = sweep.label.empty() ? sourceName + " replay" : sweep.label;
    if (!point.name.empty()) {
      label += " " + point.name;
    }

    if (sweep.startAt) {
      checkStartAt(*sweep.startAt); // still ahead after the preflight
    }
    StoredRunOptions stored{.db = sweep.db,
                            .trace = {.label = label,
                                      .target = sweep.target,
                                      .parametersJson = parameters.json(),
                                      .serverInfoJson = info,
                                      .sourceTraceId = sweep.trace},
                            .preconnect = sweep.preconnect,
                            .realtime = sweep.realtime};
    if (sweep.startAt) {
      stored.startAtUnixUs = std::llround(*sweep.startAt * 1e6);
    }
    const StoredRun ran = runAndStore(store, clock, plan, sources, run, stored, err);
    const RunStats& stats = ran.stats;
    out << "replay trace " << ran.traceId << (point.name.empty() ? "" : " (" + point.name + ")")
        << "\n";
    printSummary(stats, measuredOnTheWire(store, ran.traceId), out);
    if (ran.unwritten > 0) {
      err << "tracetune: " << ran.unwritten << " results could not be written to " << sweep.db
          << "\n";
    }
    if (stats.interrupted) {
      result.interrupted = true;
      return result;
    }
    const std::string verdict = failureVerdict(stats, sweep.maxErrorRate);
    if (!verdict.empty()) {
      result.failures.push_back("replay trace " + std::to_string(ran.traceId) + ": " + verdict);
      if (!stats.outcomes.contains(Outcome::Ok)) {
        break; // nothing got through: the next points would fail the same way
      }
    }
    if (p + 1 < sweep.points.size() && sweep.cooldownS > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(sweep.cooldownS));
    }
  }
  return result;
}

} // namespace tt::replay
