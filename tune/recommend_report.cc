#include "tune/recommend_report.h"

#include "tune/launcher_line.h"

#include <cmath>
#include <cstdio>
#include <functional>

namespace tt::tune {
namespace {

using analyze::formatNumber;
using analyze::TextTable;
using nlohmann::json;

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string ms(const std::optional<analyze::Summary>& s, double analyze::Summary::*field) {
  return s ? formatNumber((*s).*field / 1000.0) : "-";
}

std::string capacityText(const Capacity& c) {
  if (c.belowRange()) {
    return "none (fails at every load tried)";
  }
  if (c.aboveRange()) {
    return "above " + format("%.3gx", c.load);
  }
  return format("%.3gx", c.load) + " (fails at " + format("%.3gx", c.failedLoad) + ")";
}

std::string settingText(const std::string& flag, std::optional<double> value) {
  return flag + " " + (value ? format("%g", *value) : std::string("(default)"));
}

// The flags in which `a` differs from `base`, as "--flag old -> new".
std::string changes(const sim::LauncherConfig& base, const sim::LauncherConfig& a) {
  std::string out;
  for (const std::string& flag : searchedFlags(base)) {
    const auto from = flagValue(base, flag);
    const auto to = flagValue(a, flag);
    if (from != to) {
      out += (out.empty() ? "" : ", ") + flag + " " + (from ? format("%g", *from) : "default") +
             " -> " + (to ? format("%g", *to) : "default");
    }
  }
  return out.empty() ? "none" : out;
}

void addLoadRows(TextTable& t, const std::string& at, const LoadRun* current,
                 const LoadRun* recommended) {
  const auto cell = [](const LoadRun* run, const std::function<std::string(const LoadRun&)>& f) {
    return run ? f(*run) : std::string("-");
  };
  const auto row = [&](const std::string& name,
                       const std::function<std::string(const LoadRun&)>& f) {
    t.rows.push_back({at + " " + name, cell(current, f), cell(recommended, f)});
  };
  row("attainment", [](const LoadRun& r) { return format("%.1f%%", r.attainment() * 100); });
  row("turned away (429)", [](const LoadRun& r) { return std::to_string(r.overloaded); });
  row("beyond the token limits (422)", [](const LoadRun& r) { return std::to_string(r.invalid); });
  row("ttft p50 / p99 ms", [](const LoadRun& r) {
    return ms(r.ttftUs, &analyze::Summary::p50) + " / " + ms(r.ttftUs, &analyze::Summary::p99);
  });
  row("tpot p50 / p99 ms", [](const LoadRun& r) {
    return ms(r.tpotUs, &analyze::Summary::p50) + " / " + ms(r.tpotUs, &analyze::Summary::p99);
  });
  row("e2e p50 / p99 ms", [](const LoadRun& r) {
    return ms(r.e2eUs, &analyze::Summary::p50) + " / " + ms(r.e2eUs, &analyze::Summary::p99);
  });
}

TextTable workloadTable(const Workload& w, const ReportContext& context) {
  TextTable t;
  t.title = "Workload: trace " + std::to_string(context.traceId) + ", " +
            std::to_string(w.requests) + " generation requests over " + format("%.1f s", w.spanS);
  t.columns = {"what", "value"};
  t.numeric = {false, false};
  t.rows.push_back({"mean rate", format("%.3g req/s", w.meanRatePerS)});
  t.rows.push_back({"peak rate 1 s / 10 s / 60 s", format("%.3g", w.peakRatePerS1) + " / " +
                                                       format("%.3g", w.peakRatePerS10) + " / " +
                                                       format("%.3g req/s", w.peakRatePerS60)});
  t.rows.push_back({"burstiness (CV of gaps; Poisson 1)", format("%.2f", w.burstiness)});
  const auto lengths = [](const std::optional<analyze::Summary>& s) {
    return s ? formatNumber(s->p50) + " / " + formatNumber(s->p90) + " / " + formatNumber(s->p99) +
                   " / " + formatNumber(s->max)
             : std::string("-");
  };
  t.rows.push_back({"input tokens p50 / p90 / p99 / max", lengths(w.inputTokens)});
  t.rows.push_back({"output tokens p50 / p90 / p99 / max", lengths(w.outputTokens)});
  if (w.withMaxNewTokens > 0) {
    t.rows.push_back({"max_new_tokens asked / generated",
                      std::to_string(w.askedTokens) + " / " + std::to_string(w.generatedTokens) +
                          format(" (%.0f%% reserved for nothing)", w.overReservation() * 100)});
  }
  if (w.withoutMaxNewTokens > 0) {
    t.notes.push_back(std::to_string(w.withoutMaxNewTokens) +
                      " requests give no max_new_tokens: TGI reserves up to max_total_tokens for "
                      "each of them");
  }
  t.rows.push_back({"prompt blocks shared with earlier requests",
                    w.sharedPrefixFraction ? format("%.0f%%", *w.sharedPrefixFraction * 100)
                                           : "unknown (no prefix information)"});
  if (context.timeScale != 1) {
    t.notes.push_back(format("in the server's time: tgi-sim ran %g times faster than real time",
                             context.timeScale));
  }
  return t;
}

} // namespace

ReportContext reportContext(int64_t traceId, const ModelChoice& model, double timeScale,
                            double attainment, const analyze::Slo& slo, const ServerInfo& info) {
  ReportContext context{.traceId = traceId,
                        .profile = model.profile.name,
                        .modelError = model.error,
                        .timeScale = timeScale,
                        .attainment = attainment,
                        .slo = slo.describe()};
  if (!info.modelId.empty()) {
    context.modelId = info.modelId;
  }
  if (!info.version.empty()) {
    context.tgiVersion = info.version;
  }
  return context;
}

std::vector<TextTable> recommendTables(const Recommendation& r, const ReportContext& context) {
  std::vector<TextTable> tables{workloadTable(r.workload, context)};

  TextTable side;
  side.title = "Current against recommended (objectives " + context.slo + " for " +
               format("%.0f%%", context.attainment * 100) + " of requests; cost model " +
               context.profile + ", " + context.modelError + ")";
  side.columns = {"", "current", "recommended"};
  side.numeric = {false, true, true};
  side.rows.push_back({"capacity (x the trace's load)", capacityText(r.current.capacity),
                       capacityText(r.recommended.capacity)});
  const auto halvesText = [](const Assessed& a) {
    const auto one = [](const std::optional<double>& c) {
      return c ? format("%.3gx", *c) : std::string("none");
    };
    return one(a.firstHalf) + " / " + one(a.secondHalf);
  };
  side.rows.push_back(
      {"capacity of each half of the trace", halvesText(r.current), halvesText(r.recommended)});
  const auto noiseText = [](const Assessed& a) {
    return a.noiseRange
               ? format("%.3g", a.noiseRange->first) + " - " + format("%.3gx", a.noiseRange->second)
               : std::string("-");
  };
  side.rows.push_back({format("capacity with %.0f%% forward-time noise", r.forwardNoise * 100) +
                           " (" + std::to_string(r.noiseSeeds) + " seeds)",
                       noiseText(r.current), noiseText(r.recommended)});
  const auto errorText = [](const Assessed& a) {
    return a.modelErrorRange ? format("%.3gx", a.modelErrorRange->first) + " / " +
                                   format("%.3gx", a.modelErrorRange->second)
                             : std::string("-");
  };
  side.rows.push_back(
      {format("capacity if every forward is %.0f%% slower / faster", r.modelError * 100),
       errorText(r.current), errorText(r.recommended)});
  side.rows.push_back({"replicas for the trace's load",
                       r.current.replicas > 0 ? std::to_string(r.current.replicas) : "-",
                       r.recommended.replicas > 0 ? std::to_string(r.recommended.replicas) : "-"});
  side.rows.push_back({"what binds past capacity",
                       r.current.binding.empty() ? "-" : r.current.binding,
                       r.recommended.binding.empty() ? "-" : r.recommended.binding});
  if (r.recommended.capacity.aboveRange()) {
    side.notes.push_back("the objectives hold at every load tried, up to " +
                         format("%gx", r.recommended.capacity.load) +
                         " the trace's: the server is far from its limit here; tighter objectives "
                         "or a heavier trace would tell settings apart");
  }
  // The token limits are searched, never refusing what the current ones accept: say what the
  // recommendation's accept more.
  const int64_t refusedNow = r.current.atTraceLoad.invalid;
  const int64_t refusedThen = r.recommended.atTraceLoad.invalid;
  if (refusedThen < refusedNow) {
    side.notes.push_back("the recommended token limits accept " +
                         std::to_string(refusedNow - refusedThen) +
                         " requests that the current ones refuse (422)");
  }
  if (refusedThen > 0) {
    side.notes.push_back(std::to_string(refusedThen) +
                         " requests exceed the recommended token limits (422)" +
                         (refusedThen == refusedNow ? " as they exceed the current ones" : ""));
  }
  addLoadRows(side, "at 1x:", &r.current.atTraceLoad, &r.recommended.atTraceLoad);
  if (r.recommended.atNewCapacity) {
    addLoadRows(side, format("at %.3gx:", r.recommended.capacity.load),
                r.current.atNewCapacity ? &*r.current.atNewCapacity : nullptr,
                &*r.recommended.atNewCapacity);
  }
  tables.push_back(side);

  TextTable launch;
  launch.title =
      "Recommended launch (changes: " + changes(r.current.launcher, r.recommended.launcher) + ")";
  launch.lines.push_back(launcherCommand(context.modelId, r.recommended.launcher));
  launch.lines.push_back("or, with Docker:");
  launch.lines.push_back(
      dockerCommand(context.modelId, context.tgiVersion, r.recommended.launcher));
  tables.push_back(launch);

  if (!r.alternatives.empty()) {
    TextTable alt;
    alt.title = "Next best";
    alt.columns = {"changes from current", "capacity"};
    alt.numeric = {false, true};
    for (const Evaluated& e : r.alternatives) {
      const bool tie = e.capacity.load >= r.recommended.capacity.load;
      alt.rows.push_back(
          {changes(r.current.launcher, e.launcher),
           capacityText(e.capacity) + (tie ? " (equal within the bisection's 2%)" : "")});
    }
    tables.push_back(alt);
  }

  TextTable sens;
  sens.title = "Sensitivity: capacity with one flag of the recommendation changed";
  sens.columns = {"setting", "capacity"};
  sens.numeric = {false, true};
  for (const Sensitivity& s : r.sensitivity) {
    sens.rows.push_back({settingText(s.flag, s.value), s.refused ? "refused by TGI"
                                                       : s.refusesRequests
                                                           ? "refuses requests served today (422)"
                                                       : s.capacity ? format("%.3gx", *s.capacity)
                                                                    : "none"});
  }
  tables.push_back(sens);

  TextTable left;
  left.title = "Left alone";
  left.notes = r.ineffective;
  left.notes.push_back("--cuda-memory-fraction / the KV capacity: no memory model of the GPU yet; "
                       "--kv-tokens tries another capacity");
  tables.push_back(left);

  TextTable search;
  search.title = "Search: " + std::to_string(r.candidates) + " settings evaluated, " +
                 std::to_string(r.refused) + " refused by TGI's launcher, " +
                 std::to_string(r.refusing) + " left out as they refuse requests served today, " +
                 std::to_string(r.runs) + " simulated runs in " + format("%.1f s", r.seconds);
  if (r.rungs.size() > 1) {
    std::string rungs = "successive halving on the trace's busiest stretches:";
    for (const Rung& rung : r.rungs) {
      rungs += " " + std::to_string(rung.candidates) + " settings on " +
               std::to_string(rung.requests) + " requests" + (&rung == &r.rungs.back() ? "" : ",");
    }
    search.notes.push_back(rungs + " (the whole trace)");
  }
  tables.push_back(search);
  return tables;
}

nlohmann::json recommendJson(const Recommendation& r, const ReportContext& context) {
  const auto capacity = [](const Capacity& c) {
    return json{{"load", c.load},
                {"failed_load", c.failedLoad > 0 ? json(c.failedLoad) : json()},
                {"runs", c.runs}};
  };
  const auto summary = [](const std::optional<analyze::Summary>& s) {
    return s ? json{{"p50", s->p50}, {"p90", s->p90}, {"p99", s->p99}} : json();
  };
  const auto run = [&](const LoadRun& l) {
    return json{{"load", l.load},
                {"attainment", l.attainment()},
                {"requests", l.requests},
                {"overloaded", l.overloaded},
                {"invalid", l.invalid},
                {"unfinished", l.unfinished},
                {"ttft_us", summary(l.ttftUs)},
                {"tpot_us", summary(l.tpotUs)},
                {"e2e_us", summary(l.e2eUs)}};
  };
  const auto assessed = [&](const Assessed& a) {
    const auto half = [](const std::optional<double>& c) { return c ? json(*c) : json(); };
    json j{{"arguments", launcherArguments(a.launcher)},
           {"capacity", capacity(a.capacity)},
           {"capacity_of_halves", {half(a.firstHalf), half(a.secondHalf)}},
           {"capacity_with_noise",
            a.noiseRange ? json{a.noiseRange->first, a.noiseRange->second} : json()},
           {"capacity_if_slower_faster",
            a.modelErrorRange ? json{a.modelErrorRange->first, a.modelErrorRange->second} : json()},
           {"binding", a.binding},
           {"replicas", a.replicas},
           {"at_trace_load", run(a.atTraceLoad)}};
    if (a.atNewCapacity) {
      j["at_new_capacity"] = run(*a.atNewCapacity);
    }
    return j;
  };
  json alternatives = json::array();
  for (const Evaluated& e : r.alternatives) {
    alternatives.push_back(
        {{"arguments", launcherArguments(e.launcher)}, {"capacity", capacity(e.capacity)}});
  }
  json sensitivity = json::array();
  for (const Sensitivity& s : r.sensitivity) {
    sensitivity.push_back({{"flag", s.flag},
                           {"value", s.value ? json(*s.value) : json()},
                           {"capacity", s.capacity ? json(*s.capacity) : json()},
                           {"refused", s.refused},
                           {"refuses_requests", s.refusesRequests}});
  }
  json rungs = json::array();
  for (const Rung& rung : r.rungs) {
    rungs.push_back(
        {{"requests", rung.requests}, {"candidates", rung.candidates}, {"runs", rung.runs}});
  }
  const Workload& w = r.workload;
  return {{"trace", context.traceId},
          {"slo", context.slo},
          {"attainment", context.attainment},
          {"profile", context.profile},
          {"time_scale", context.timeScale},
          {"workload",
           {{"requests", w.requests},
            {"span_s", w.spanS},
            {"mean_rate_per_s", w.meanRatePerS},
            {"peak_rate_per_s",
             {{"1s", w.peakRatePerS1}, {"10s", w.peakRatePerS10}, {"60s", w.peakRatePerS60}}},
            {"burstiness", w.burstiness},
            {"asked_tokens", w.askedTokens},
            {"generated_tokens", w.generatedTokens}}},
          {"current", assessed(r.current)},
          {"recommended", assessed(r.recommended)},
          {"launcher_command", launcherCommand(context.modelId, r.recommended.launcher)},
          {"docker_command",
           dockerCommand(context.modelId, context.tgiVersion, r.recommended.launcher)},
          {"alternatives", alternatives},
          {"sensitivity", sensitivity},
          {"left_alone", r.ineffective},
          {"search",
           {{"candidates", r.candidates},
            {"refused", r.refused},
            {"refusing", r.refusing},
            {"runs", r.runs},
            {"simulated_requests", r.simulatedRequests},
            {"rungs", rungs},
            {"seconds", r.seconds}}}};
}

TextTable validationTable(const std::vector<SettingValidation>& validations, double attainment) {
  TextTable t;
  t.title = "Validation: the workload replayed against real servers, predicted against "
            "measured (" +
            format("%.0f%%", attainment * 100) + " must meet the objectives)";
  t.columns = {"setting", "load", "predicted", "measured", "replay trace"};
  t.numeric = {false, true, true, true, true};
  for (const SettingValidation& v : validations) {
    for (const MeasuredPoint& p : v.points) {
      t.rows.push_back({v.name, format("%.3gx", p.load), format("%.1f%%", p.predicted * 100),
                        format("%.1f%%", p.measured * 100), std::to_string(p.traceId)});
    }
    std::string line = v.name + ": capacity predicted " + format("%.3gx", v.predictedCapacity);
    if (v.measuredCapacity) {
      line += ", measured " + format("%.3gx", *v.measuredCapacity) +
              format(" (%+.1f%%)", (*v.measuredCapacity / v.predictedCapacity - 1) * 100);
    } else {
      line += v.holdsAtEveryPoint ? ", measured above every load of the sweep"
                                  : ", measured below every load of the sweep";
    }
    t.notes.push_back(line + "; server: " + v.command);
  }
  return t;
}

nlohmann::json validationJson(const std::vector<SettingValidation>& validations) {
  json out = json::array();
  for (const SettingValidation& v : validations) {
    json points = json::array();
    for (const MeasuredPoint& p : v.points) {
      points.push_back({{"load", p.load},
                        {"predicted_attainment", p.predicted},
                        {"measured_attainment", p.measured},
                        {"trace", p.traceId},
                        {"time_scale", p.timeScale}});
    }
    out.push_back({{"setting", v.name},
                   {"command", v.command},
                   {"predicted_capacity", v.predictedCapacity},
                   {"measured_capacity", v.measuredCapacity ? json(*v.measuredCapacity) : json()},
                   {"holds_at_every_point", v.holdsAtEveryPoint},
                   {"points", points}});
  }
  return out;
}

} // namespace tt::tune
