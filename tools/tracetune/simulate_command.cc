#include "tools/tracetune/simulate_command.h"

#include "analyze/reader.h"
#include "analyze/text_table.h"
#include "schema/store.h"
#include "sim/profile_source.h"
#include "tune/forward_sampler.h"
#include "tune/load_run.h"
#include "tune/what_if.h"

#include <chrono>
#include <iostream>
#include <memory>

namespace tt::cli {
namespace {

replay::PlanOptions planOptions(const SimulateOptions& o) {
  replay::PlanOptions plan;
  if (o.speed) {
    plan.mode = replay::RateMode::Speed;
    plan.value = *o.speed;
  } else if (o.rate) {
    plan.mode = replay::RateMode::Rate;
    plan.value = *o.rate;
  } else if (o.poisson) {
    plan.mode = replay::RateMode::Poisson;
    plan.value = *o.poisson;
  }
  plan.copies = o.copies;
  plan.limit = o.limit;
  plan.seed = o.flags.seed + 1;
  return plan;
}

} // namespace

void setupSimulate(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* sub = app.add_subcommand(
      "simulate", "Run a stored trace through a simulated TGI in virtual time (a what-if)");
  sub->add_option("--db", o->db, "Database file")->required();
  sub->add_option("--trace", o->trace, "Trace to simulate")->required();
  auto* speed = sub->add_option("--speed", o->speed, "Divide every gap between arrivals by X")
                    ->check(CLI::PositiveNumber);
  auto* rate = sub->add_option("--rate", o->rate, "Rescale arrivals to a mean of R requests/s")
                   ->check(CLI::PositiveNumber);
  auto* poisson = sub->add_option("--poisson", o->poisson, "Fresh Poisson arrivals at R requests/s")
                      ->check(CLI::PositiveNumber);
  speed->excludes(rate)->excludes(poisson);
  rate->excludes(poisson);
  sub->add_option("--copies", o->copies, "Superpose K copies, each shifted by a random offset")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--limit", o->limit, "Simulate the first N planned requests only")
      ->check(CLI::PositiveNumber);
  sub->add_option("--label", o->label, "Label of the simulation trace");
  addLauncherFlags(*sub, o->flags, /*fromEnvironment=*/false);
  sub->callback([o, &runner] { runner = [o] { return runSimulate(*o, std::cout); }; });
}

int runSimulate(const SimulateOptions& o, std::ostream& out) {
  std::string error;
  const auto launcher = o.flags.resolve(&error);
  const sim::ResolvedConfig resolved =
      launcher ? sim::resolveConfig(*launcher) : sim::ResolvedConfig{.error = error};
  if (!resolved.config) {
    throw UsageError(resolved.error);
  }
  const sim::FittedProfile profile = sim::resolveProfile(o.flags.profile);

  Store store(o.db, Store::Access::Read);
  const auto trace = store.findTrace(o.trace);
  if (!trace) {
    throw StoreError("no trace " + std::to_string(o.trace) + " in " + o.db +
                     ": list them with tracetune traces --db " + o.db);
  }
  // What generates nothing (/info, /health, ...) is left out, as a replay leaves it out; a
  // capture from tgi-sim at --time-scale X arrives in the server's time, as analyze reads it.
  std::vector<Exchange> stored = store.exchanges(o.trace);
  const size_t storedCount = stored.size();
  const tune::WhatIfTrace whatIf = tune::whatIfTrace(
      std::move(stored), analyze::serverTimeScale(*trace), tune::blockTokensOf(*trace));
  const std::vector<Exchange>& source = whatIf.requests;
  if (source.empty()) {
    throw StoreError("trace " + std::to_string(o.trace) +
                     " has no generation requests: nothing to simulate");
  }
  const auto plan = replay::buildPlan(whatIf.arrivals, planOptions(o));
  std::vector<sim::EngineRequest> requests = tune::engineRequests(source, plan, whatIf.blockTokens);

  const auto began = std::chrono::steady_clock::now();
  tune::ForwardSampler sampler;
  sim::EngineOptions engine;
  engine.scheduler.seed = o.flags.seed;
  engine.onForward = [&sampler](const sim::ForwardRecord& f) { sampler.add(f); };
  sim::EngineResult result = sim::runEngine(*resolved.config, profile.model, requests, engine);
  const double wallSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  requests = {};

  int64_t ok = 0;
  int64_t overloaded = 0;
  int64_t invalid = 0;
  int64_t unfinished = 0;
  for (const auto& r : result.requests) {
    ok += r.outcome == sim::Outcome::Ok;
    overloaded += r.outcome == sim::Outcome::Overloaded;
    invalid += r.outcome == sim::Outcome::Invalid;
    unfinished += r.outcome == sim::Outcome::Unfinished;
  }
  nlohmann::json parameters{{"source_trace", o.trace},
                            {"mode", replay::rateModeName(planOptions(o).mode)},
                            {"copies", o.copies},
                            {"launcher", o.flags.toJson()}};
  if (o.speed || o.rate || o.poisson) {
    parameters["value"] = planOptions(o).value;
  }
  nlohmann::json serverInfo{{"simulated", true},
                            {"profile", profile.name},
                            {"profile_max_error", profile.maxAbsError()},
                            {"scheduler", schedulerConfigJson(*resolved.config)},
                            {"warnings", resolved.warnings}};
  const int64_t id = store.createTrace(
      {.kind = TraceKind::Simulation,
       .label = !o.label.empty()       ? o.label
                : trace->label.empty() ? "trace " + std::to_string(o.trace) + " (simulated)"
                                       : trace->label + " (simulated)",
       .target = "tgi-sim " + profile.name,
       .parametersJson = parameters.dump(),
       .serverInfoJson = serverInfo.dump(),
       .sourceTraceId = o.trace});
  // Written in slices, each slice's token times freed once stored.
  constexpr size_t kPerWrite = 4096;
  std::vector<Exchange> simulated;
  for (size_t i = 0; i < plan.requests.size(); ++i) {
    simulated.push_back(
        tune::simulatedExchange(source[plan.requests[i].source], std::move(result.requests[i])));
    if (simulated.size() == kPerWrite || i + 1 == plan.requests.size()) {
      store.append(id, simulated);
      simulated.clear();
    }
  }
  constexpr size_t kWindowsPerWrite = 4096;
  for (size_t first = 0; first < sampler.windows(); first += kWindowsPerWrite) {
    store.appendSamples(id, sampler.samples(first, kWindowsPerWrite));
  }
  out << "simulation trace " << id << " (from trace " << o.trace << "): " << plan.requests.size()
      << " requests, " << ok << " ok, " << overloaded << " overloaded (429), " << invalid
      << " invalid (422), " << unfinished << " never scheduled; " << result.forwards
      << " forwards over " << analyze::formatDurationUs(result.endUs) << " of virtual time in "
      << static_cast<int64_t>(wallSeconds * 1000) << " ms\n";
  if (const size_t skipped = storedCount - source.size(); skipped > 0) {
    out << "skipped " << skipped
        << (skipped == 1 ? " request that generates" : " requests that generate")
        << " nothing (/info, /health, ...)\n";
  }
  for (const auto& warning : resolved.warnings) {
    out << "note: " << warning << "\n";
  }
  return 0;
}

} // namespace tt::cli
