#include "tools/tracetune/replay_command.h"

#include "core/enum_names.h"
#include "core/realtime.h"
#include "core/url.h"
#include "replay/sweep.h"
#include "tools/tracetune/replay_flags.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace tt::cli {

void setupReplay(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* sub = app.add_subcommand("replay", "Replay a stored trace against a TGI server");
  sub->add_option("--db", o->db, "Database file (results are stored here too)")->required();
  sub->add_option("--trace", o->trace, "Trace id to replay (see tracetune traces)")->required();
  sub->add_option("--target", o->target, "Target base URL, http://host:port[/prefix]")->required();
  sub->add_option("--speed", o->speed, "Divide every inter-arrival gap by X");
  sub->add_option("--rate", o->rate, "Rescale the gaps to a mean rate of R requests/s");
  sub->add_option("--poisson", o->poisson, "Fresh Poisson arrivals at R requests/s (seeded)");
  sub->add_option("--concurrency", o->concurrency, "Closed loop: N requests in flight")
      ->check(CLI::PositiveNumber);
  sub->add_option("--copies", o->copies, "Superpose K copies, each shifted by a seeded offset")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed for --copies and --poisson")->capture_default_str();
  sub->add_option("--limit", o->limit, "Send only the first N planned requests");
  sub->add_option("--window", o->window, "A:B seconds of the trace (from its first request)");
  sub->add_option("--duration", o->duration, "Stop planning after S seconds");
  sub->add_option("--ties", o->ties, "Requests sharing a timestamp: burst or spread")
      ->check(CLI::IsMember(namesOf(replay::kTiePolicyNames)))
      ->capture_default_str();
  sub->add_option("--endpoint", o->endpoint, "Send every request to this TGI route")
      ->check(CLI::IsMember({"generate", "generate_stream", "chat", "completions"}));
  sub->add_option("--label", o->label, "Label of the replay trace");
  sub->add_option("--max-connections", o->maxConnections, "Connections open at once")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  sub->add_option("--preconnect", o->preconnect,
                  "Open N connections before the start (closed loop: --concurrency)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--timeout", o->timeout, "Seconds a request may take")->capture_default_str();
  sub->add_option("--drain-timeout", o->drainTimeout, "After Ctrl-C, seconds to wait for in-flight")
      ->capture_default_str();
  sub->add_option("--header", o->headers, "Add a header 'Name: value' to every request");
  sub->add_option("--sweep", o->sweep, "Back-to-back runs, e.g. speed=0.5,1,2,4");
  sub->add_option("--cooldown", o->cooldown, "Seconds between sweep runs")->capture_default_str();
  sub->add_option("--shard", o->shard, "Send only shard i of N (requests i, i+N, ...)");
  sub->add_option("--start-at", o->startAt, "Start at this wall-clock instant (unix seconds)");
  sub->add_flag("--quiet", o->quiet, "No progress line");
  sub->add_flag("--realtime", o->realtime,
                "Send from a real-time (SCHED_FIFO) thread: needs root or CAP_SYS_NICE");
  sub->add_flag("--all-routes", o->allRoutes,
                "Also replay requests that generate nothing (/info, /health, /tokenize, ...)");
  sub->add_option("--max-error-rate", o->maxErrorRate,
                  "Exit 1 when more than this share of the requests sent failed")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->callback([o, &runner] { runner = [o] { return runReplay(*o, std::cout, std::cerr); }; });
}

int runReplay(const ReplayOptions& o, std::ostream& out, std::ostream& err) {
  replay::Sweep sweep;
  sweep.points = sweepPoints(o);
  if (o.startAt && sweep.points.size() > 1) {
    throw UsageError("--start-at cannot be used with --sweep: run one point per invocation");
  }
  try {
    if (o.startAt) {
      replay::checkStartAt(*o.startAt);
    }
    if (o.realtime) {
      const RealtimeScope probe; // fail now rather than after the preflight
      if (!probe.error().empty()) {
        throw std::runtime_error("--realtime: " + probe.error());
      }
    }
    sweep.plan = planOptions(o);
    replay::RunOptions& run = sweep.run;
    run.send.extraHeaders = parseHeaders(o.headers);
    if (!o.endpoint.empty()) {
      run.send.endpoint = endpointFromName(o.endpoint);
    }
    run.maxConnections = o.maxConnections;
    run.timeoutMs = static_cast<uint64_t>(std::max(0.0, o.timeout) * 1000);
    run.drainTimeoutMs = static_cast<uint64_t>(std::max(0.0, o.drainTimeout) * 1000);
    run.handleSigint = true;
    run.progress = !o.quiet && isatty(STDERR_FILENO) ? &err : nullptr;
    const auto url = parseHttpUrl(o.target);
    if (!url.url) {
      throw UsageError(url.error);
    }
    run.target = *url.url;

    sweep.db = o.db;
    sweep.trace = o.trace;
    sweep.target = o.target;
    sweep.parameters = {.copies = o.copies,
                        .seed = o.seed,
                        .ties = o.ties,
                        .window = o.window,
                        .shard = o.shard,
                        .endpoint = o.endpoint,
                        .allRoutes = o.allRoutes,
                        .limit = o.limit,
                        .durationS = o.duration};
    sweep.label = o.label;
    sweep.allRoutes = o.allRoutes;
    sweep.preconnect = o.preconnect;
    sweep.realtime = o.realtime;
    sweep.startAt = o.startAt;
    sweep.cooldownS = o.cooldown;
    sweep.maxErrorRate = o.maxErrorRate;
    const replay::SweepResult result = replay::runSweep(sweep, out, err);
    if (result.interrupted) {
      return kExitInterrupted;
    }
    for (const std::string& line : result.failures) {
      err << "tracetune: " << line << "\n";
    }
    return result.failures.empty() ? 0 : kExitRuntimeError;
  } catch (const replay::PlanError& e) {
    throw UsageError(e.what());
  }
}

} // namespace tt::cli
