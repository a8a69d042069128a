#include "tools/tracetune/replay_command.h"

#include "analyze/text_table.h"
#include "core/clock.h"
#include "core/http_headers.h"
#include "core/percentile.h"
#include "core/realtime.h"
#include "core/url.h"
#include "replay/preflight.h"
#include "replay/runner.h"
#include "replay/stored_run.h"
#include "schema/store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace tt::cli {
namespace {

using replay::PlanOptions;
using replay::RateMode;

struct SweepPoint {
  RateMode mode = RateMode::Original;
  double value = 1;
  std::string name; // "speed=2", or "" for a single run
};

UsageError usage(const std::string& what) {
  return UsageError(what);
}

double parseNumber(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(v)) {
      throw usage("");
    }
    return v;
  } catch (const std::exception&) {
    throw usage(what + ": '" + text + "' is not a number");
  }
}

std::optional<RateMode> modeFromName(const std::string& name) {
  for (RateMode m : {RateMode::Speed, RateMode::Rate, RateMode::Poisson, RateMode::Concurrency}) {
    if (replay::rateModeName(m) == name) {
      return m;
    }
  }
  return std::nullopt;
}

std::vector<SweepPoint> sweepPoints(const ReplayOptions& o) {
  int modes = 0;
  SweepPoint single;
  for (auto [value, mode] : {std::pair{o.speed, RateMode::Speed}, std::pair{o.rate, RateMode::Rate},
                             std::pair{o.poisson, RateMode::Poisson}}) {
    if (value) {
      ++modes;
      single = {mode, *value, ""};
    }
  }
  if (o.concurrency) {
    ++modes;
    single = {RateMode::Concurrency, static_cast<double>(*o.concurrency), ""};
  }
  if (modes > 1) {
    throw usage("--speed, --rate, --poisson and --concurrency are mutually exclusive");
  }
  if (o.sweep.empty()) {
    return {single};
  }
  if (modes > 0) {
    throw usage("--sweep names its own mode: drop --speed/--rate/--poisson/--concurrency");
  }
  const auto eq = o.sweep.find('=');
  const auto mode = eq == std::string::npos ? std::nullopt : modeFromName(o.sweep.substr(0, eq));
  if (!mode) {
    throw usage("--sweep must look like speed=0.5,1,2 (or rate=, poisson=, concurrency=)");
  }
  std::vector<SweepPoint> points;
  std::string list = o.sweep.substr(eq + 1);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    const double v = parseNumber(item, "--sweep");
    points.push_back({*mode, v, o.sweep.substr(0, eq) + "=" + item});
    start = comma + 1;
  }
  return points;
}

void parseWindow(const std::string& text, PlanOptions& plan) {
  if (text.empty()) {
    return;
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    throw usage("--window must be A:B (seconds; either side may be empty)");
  }
  const std::string a = text.substr(0, colon);
  const std::string b = text.substr(colon + 1);
  if (!a.empty()) {
    plan.windowStartUs = std::llround(parseNumber(a, "--window") * 1e6);
  }
  if (!b.empty()) {
    plan.windowEndUs = std::llround(parseNumber(b, "--window") * 1e6);
  }
  if (plan.windowStartUs && plan.windowEndUs && *plan.windowEndUs <= *plan.windowStartUs) {
    throw usage("--window " + text + ": the end must come after the start");
  }
}

void parseShard(const std::string& text, PlanOptions& plan) {
  if (text.empty()) {
    return;
  }
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) {
      throw usage("");
    }
    plan.shardIndex = std::stoi(text.substr(0, slash));
    plan.shardCount = std::stoi(text.substr(slash + 1));
  } catch (const std::exception&) {
    throw usage("--shard must be i/N, e.g. 0/4");
  }
  if (plan.shardCount < 1 || plan.shardIndex < 0 || plan.shardIndex >= plan.shardCount) {
    throw usage("--shard i/N needs 0 <= i < N");
  }
}

Headers parseHeaders(const std::vector<std::string>& items) {
  Headers out;
  for (const auto& h : items) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw usage("--header must be 'Name: value'");
    }
    out.emplace_back(h.substr(0, colon),
                     std::string(trimOws(std::string_view(h).substr(colon + 1))));
  }
  return out;
}

// Interpolated percentiles fall between whole microseconds; printed to 0.01 ms, as they were.
std::string ms(std::optional<double> us) {
  if (!us) {
    return "-";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *us / 1000.0);
  return buf;
}

void printSummary(const replay::RunStats& s, std::ostream& out) {
  auto count = [&s](Outcome o) {
    const auto it = s.outcomes.find(o);
    return it == s.outcomes.end() ? int64_t{0} : it->second;
  };
  const double spanS = std::max(1e-6, static_cast<double>(s.lastEndUs - s.firstSentUs) / 1e6);
  char line[512];
  std::snprintf(line, sizeof line,
                "requests %lld planned, %lld sent, %lld not sent; ok %lld, http errors %lld, "
                "upstream errors %lld, timeouts %lld, truncated %lld, aborted %lld\n"
                "duration %.1fs, %.1f req/s sent, %.1f output tokens/s%s\n",
                static_cast<long long>(s.planned), static_cast<long long>(s.sent),
                static_cast<long long>(s.notSent), static_cast<long long>(count(Outcome::Ok)),
                static_cast<long long>(count(Outcome::HttpError)),
                static_cast<long long>(count(Outcome::UpstreamError)),
                static_cast<long long>(count(Outcome::Timeout)),
                static_cast<long long>(count(Outcome::Truncated)),
                static_cast<long long>(count(Outcome::ClientAbort)), spanS,
                static_cast<double>(s.sent) / spanS, static_cast<double>(s.outputTokens) / spanS,
                s.interrupted ? " (interrupted)" : "");
  out << line;
  using Align = analyze::Table::Align;
  analyze::Table table({{"ms"},
                        {"p50", Align::Right},
                        {"p90", Align::Right},
                        {"p99", Align::Right},
                        {"max", Align::Right}});
  const std::vector<std::pair<std::string, const std::vector<int64_t>*>> rows = {
      {"send lag", &s.sendLagUs},
      {"ttft", &s.ttftUs},
      {"ttft from intended", &s.ttftIntendedUs},
      {"e2e", &s.e2eUs},
      {"e2e from intended", &s.e2eIntendedUs}};
  for (const auto& [name, values] : rows) {
    table.addRow({name, ms(percentile(*values, 50)), ms(percentile(*values, 90)),
                  ms(percentile(*values, 99)), ms(percentile(*values, 100))});
  }
  table.print(out);
  if (!s.failures.empty()) {
    out << "failed requests, by status and reason:\n";
    for (const auto& [reason, kind] : s.failures) {
      out << "  " << kind.count << " x " << reason;
      if (kind.example.empty() || reason.ends_with(kind.example)) {
        out << "\n";
      } else {
        out << (kind.count == 1 ? ": " : ", first: ") << kind.example << "\n";
      }
    }
    out << "first failure: " << s.firstFailure << "\n";
  }
  if (s.connectionWaits > 0) {
    out << s.connectionWaits << (s.connectionWaits == 1 ? " request" : " requests")
        << " found no open connection and waited for one (the send lag includes it): "
           "--preconnect N opens a pool before the start, --max-connections raises the cap\n";
  }
}

// The shared --start-at instant must be ahead: a late shard would send its overdue requests in
// one burst.
void checkStartAt(double startAt) {
  const int64_t aheadUs = std::llround(startAt * 1e6) - unixNowUs();
  if (aheadUs < 0) {
    char late[128];
    std::snprintf(late, sizeof late, "--start-at %.3f is %.3f s in the past", startAt,
                  static_cast<double>(-aheadUs) / 1e6);
    throw usage(std::string(late) + "; pick an instant after every shard has started");
  }
}

// The requests of a stored trace that a replay sends, and what it leaves out.
struct ReplaySources {
  std::vector<Exchange> sources;
  std::map<std::string, int64_t> skipped; // "GET /info" -> count
  int64_t skippedCount() const {
    int64_t n = 0;
    for (const auto& [route, count] : skipped) {
      n += count;
    }
    return n;
  }
};

ReplaySources replaySources(std::vector<Exchange> all, bool allRoutes) {
  ReplaySources out;
  for (Exchange& e : all) {
    if (allRoutes || isGeneration(e.endpoint)) {
      out.sources.push_back(std::move(e));
    } else {
      const size_t query = e.path.find('?');
      ++out.skipped[e.method + " " + e.path.substr(0, query)];
    }
  }
  return out;
}

// "3 requests (GET /info 2, GET /health 1)"
std::string skippedList(const std::map<std::string, int64_t>& skipped) {
  int64_t total = 0;
  std::string routes;
  for (const auto& [route, count] : skipped) {
    total += count;
    routes += (routes.empty() ? "" : ", ") + route + " " + std::to_string(count);
  }
  return std::to_string(total) + (total == 1 ? " request (" : " requests (") + routes + ")";
}

// Why a finished run counts as failed, or "" when it does not.
std::string failureVerdict(const replay::RunStats& s, double maxErrorRate) {
  int64_t failed = 0;
  for (const auto& [outcome, n] : s.outcomes) {
    failed += outcome == Outcome::Ok ? 0 : n;
  }
  if (s.completed == 0) {
    return "no request was answered";
  }
  const auto ok = s.outcomes.find(Outcome::Ok);
  if (ok == s.outcomes.end() || ok->second == 0) {
    const auto common =
        std::max_element(s.failures.begin(), s.failures.end(), [](const auto& a, const auto& b) {
          return a.second.count < b.second.count;
        });
    return "no request succeeded (" + std::to_string(common->second.count) + " x " + common->first +
           (s.failures.size() > 1 ? ", ..." : "") + ")";
  }
  const double rate = static_cast<double>(failed) / static_cast<double>(s.completed);
  if (rate > maxErrorRate) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "%lld of %lld requests failed (%.0f%%, above --max-error-rate %g)",
                  static_cast<long long>(failed), static_cast<long long>(s.completed), rate * 100,
                  maxErrorRate);
    return line;
  }
  return "";
}

} // namespace

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
      ->check(CLI::IsMember({"burst", "spread"}))
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
  const auto points = sweepPoints(o);
  if (o.startAt && points.size() > 1) {
    throw usage("--start-at cannot be used with --sweep: run one point per invocation");
  }
  if (o.startAt) {
    checkStartAt(*o.startAt);
  }
  if (o.realtime) {
    const RealtimeScope probe; // fail now rather than after the preflight
    if (!probe.error().empty()) {
      throw std::runtime_error("--realtime: " + probe.error());
    }
  }
  PlanOptions base;
  base.copies = o.copies;
  base.seed = o.seed;
  base.limit = o.limit;
  base.ties = *replay::tiePolicyFromName(o.ties);
  if (o.duration) {
    base.durationUs = std::llround(*o.duration * 1e6);
  }
  parseWindow(o.window, base);
  parseShard(o.shard, base);
  replay::RunOptions run;
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
    throw usage(url.error);
  }
  run.target = *url.url;

  Store store(o.db, Store::Access::Read);
  const auto source = store.findTrace(o.trace);
  if (!source) {
    throw std::runtime_error("no trace " + std::to_string(o.trace) + " in " + o.db +
                             " (see tracetune traces --db " + o.db + ")");
  }
  const ReplaySources replayed = replaySources(store.exchanges(o.trace), o.allRoutes);
  if (replayed.sources.empty()) {
    throw std::runtime_error("trace " + std::to_string(o.trace) +
                             (replayed.skipped.empty() ? " has no requests"
                                                       : " has no generation requests (only " +
                                                             skippedList(replayed.skipped) +
                                                             "): --all-routes sends them"));
  }
  const std::vector<Exchange>& sources = replayed.sources;
  std::vector<replay::PlanSource> planSources;
  std::map<std::string, int64_t> sessions;
  bool needsSynthesis = false;
  std::vector<int64_t> checkLengths;
  for (const auto& e : sources) {
    int64_t session = -1;
    if (e.session) {
      session = sessions.emplace(*e.session, static_cast<int64_t>(sessions.size())).first->second;
    }
    planSources.push_back({e.sentUs, session});
    if (isGeneration(e.endpoint) && (e.requestBody.empty() || run.send.endpoint)) {
      needsSynthesis = needsSynthesis || e.requestBody.empty();
      if (e.inputTokens && checkLengths.size() < 5 && *e.inputTokens <= 32'000) {
        checkLengths.push_back(*e.inputTokens);
      }
    }
  }
  // Every point is planned before the first network call: a bad flag fails here, not later.
  std::vector<replay::Plan> plans;
  for (const SweepPoint& point : points) {
    PlanOptions planOptions = base;
    planOptions.mode = point.mode;
    planOptions.value = point.value;
    try {
      plans.push_back(replay::buildPlan(planSources, planOptions));
    } catch (const replay::PlanError& e) {
      throw usage(e.what());
    }
    if (plans.back().requests.empty()) {
      throw usage("no request of trace " + std::to_string(o.trace) +
                  " is left to send by --window, --limit, --duration and --shard");
    }
  }
  const auto params = nlohmann::json::parse(source->parametersJson, nullptr, false);
  int blockTokens = 512;
  if (params.is_object() && params.contains("block_tokens") &&
      params["block_tokens"].is_number_integer() && params["block_tokens"].get<int>() > 0) {
    blockTokens = params["block_tokens"].get<int>();
  }
  run.send.synth.blockTokens = blockTokens;

  // Before the run: the target must answer, and synthesized prompts get calibrated.
  std::string resolveError;
  if (replay::resolveTarget(run.target, run.address, resolveError) != 0) {
    throw std::runtime_error(resolveError);
  }
  MonotonicClock clock;
  const Exchange info =
      replay::fetchOnce(run.target, run.address, clock, "GET", "/info", "", 5'000);
  if (info.outcome == Outcome::UpstreamError || info.outcome == Outcome::Timeout) {
    throw std::runtime_error("cannot reach " + o.target + ": " + info.error +
                             " (is the server running? check --target)");
  }
  std::string serverInfo = "{}";
  if (info.status == 200 && nlohmann::json::accept(info.responseBody)) {
    serverInfo = info.responseBody;
  }
  replay::Calibration calibration;
  if (needsSynthesis) {
    calibration =
        replay::calibrateSynthesis(run.target, run.address, clock, checkLengths, blockTokens);
    run.send.synth.tokensPerWord = calibration.tokensPerWord;
    out << "prompts: " << calibration.note << "\n";
  }
  if (!replayed.skipped.empty()) {
    out << "skipped " << skippedList(replayed.skipped)
        << ": they generate nothing (--all-routes sends them too)\n";
  }

  std::vector<std::string> failedPoints;
  for (size_t p = 0; p < points.size(); ++p) {
    const SweepPoint& point = points[p];
    const replay::Plan& plan = plans[p];
    nlohmann::json parameters = {{"mode", replay::rateModeName(point.mode)},
                                 {"value", point.value},
                                 {"copies", o.copies},
                                 {"seed", o.seed},
                                 {"ties", o.ties},
                                 {"window", o.window},
                                 {"shard", o.shard},
                                 {"endpoint", o.endpoint},
                                 {"all_routes", o.allRoutes},
                                 {"skipped", replayed.skippedCount()},
                                 {"planned", plan.requests.size()},
                                 {"synthesis",
                                  {{"calibrated", calibration.calibrated},
                                   {"tokens_per_word", calibration.tokensPerWord},
                                   {"mean_abs_error_pct", calibration.meanAbsErrorPct},
                                   {"max_abs_error_pct", calibration.maxAbsErrorPct}}}};
    if (o.limit) {
      parameters["limit"] = *o.limit;
    }
    if (o.duration) {
      parameters["duration_s"] = *o.duration;
    }
    const std::string sourceName =
        source->label.empty() ? "trace " + std::to_string(o.trace) : source->label;
    std::string label = o.label.empty() ? sourceName + " replay" : o.label;
    if (!point.name.empty()) {
      label += " " + point.name;
    }

    if (o.startAt) {
      checkStartAt(*o.startAt); // still ahead after the preflight
    }
    replay::StoredRunOptions stored{.db = o.db,
                                    .trace = {.label = label,
                                              .target = o.target,
                                              .parametersJson = parameters.dump(),
                                              .serverInfoJson = serverInfo,
                                              .sourceTraceId = o.trace},
                                    .preconnect = o.preconnect,
                                    .realtime = o.realtime};
    if (o.startAt) {
      stored.startAtUnixUs = std::llround(*o.startAt * 1e6);
    }
    const replay::StoredRun result =
        replay::runAndStore(store, clock, plan, sources, run, stored, err);
    const replay::RunStats& stats = result.stats;
    const int64_t traceId = result.traceId;
    out << "replay trace " << traceId << (point.name.empty() ? "" : " (" + point.name + ")")
        << "\n";
    printSummary(stats, out);
    if (result.unwritten > 0) {
      err << "tracetune: " << result.unwritten << " results could not be written to " << o.db
          << "\n";
    }
    if (stats.interrupted) {
      return kExitInterrupted;
    }
    const std::string verdict = failureVerdict(stats, o.maxErrorRate);
    if (!verdict.empty()) {
      failedPoints.push_back("replay trace " + std::to_string(traceId) + ": " + verdict);
      if (!stats.outcomes.contains(Outcome::Ok)) {
        break; // nothing got through: the next points would fail the same way
      }
    }
    if (p + 1 < points.size() && o.cooldown > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(o.cooldown));
    }
  }
  for (const std::string& line : failedPoints) {
    err << "tracetune: " << line << "\n";
  }
  return failedPoints.empty() ? 0 : kExitRuntimeError;
}

} // namespace tt::cli
