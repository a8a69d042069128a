#include "tools/tracetune/simulate_command.h"

#include "analyze/text_table.h"
#include "schema/server_info.h"
#include "schema/store.h"
#include "schema/trace_parameters.h"
#include "sim/profile_source.h"
#include "tune/stored_simulation.h"

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
  tune::StoredSimulationOptions simulation{.plan = planOptions(o),
                                           .scheduler = *resolved.config,
                                           .costModel = profile.model,
                                           .seed = o.flags.seed};
  SimulationParameters parameters{.sourceTrace = o.trace,
                                  .mode = std::string(replay::rateModeName(simulation.plan.mode)),
                                  .copies = o.copies,
                                  .launcherJson = o.flags.toJson().dump()};
  if (o.speed || o.rate || o.poisson) {
    parameters.value = simulation.plan.value;
  }
  const SimulationServerInfo serverInfo{.profile = profile.name,
                                        .profileMaxError = profile.maxAbsError(),
                                        .schedulerJson =
                                            schedulerConfigJson(*resolved.config).dump(),
                                        .warnings = resolved.warnings};
  simulation.trace = {.label = o.label,
                      .target = "tgi-sim " + profile.name,
                      .parametersJson = parameters.json(),
                      .serverInfoJson = serverInfo.json()};
  const tune::StoredSimulation r = tune::simulateAndStore(store, *trace, simulation);
  out << "simulation trace " << r.traceId << " (from trace " << o.trace << "): " << r.planned
      << " requests, " << r.ok << " ok, " << r.overloaded << " overloaded (429), " << r.invalid
      << " invalid (422), " << r.unfinished << " never scheduled; " << r.forwards
      << " forwards over " << analyze::formatDurationUs(r.endUs) << " of virtual time in "
      << static_cast<int64_t>(r.wallSeconds * 1000) << " ms\n";
  if (r.skipped > 0) {
    out << "skipped " << r.skipped
        << (r.skipped == 1 ? " request that generates" : " requests that generate")
        << " nothing (/info, /health, ...)\n";
  }
  for (const auto& warning : resolved.warnings) {
    out << "note: " << warning << "\n";
  }
  return 0;
}

} // namespace tt::cli
