#include "analyze/report_json.h"

#include "analyze/fit_formula.h"

#include <cmath>

namespace tt::analyze {
namespace {

using nlohmann::json;

json number(std::optional<double> v) {
  return v && std::isfinite(*v) ? json(*v) : json();
}

json summary(const std::optional<Summary>& s) {
  if (!s) {
    return json();
  }
  return {{"count", s->count},     {"mean", number(s->mean)}, {"min", number(s->min)},
          {"p50", number(s->p50)}, {"p90", number(s->p90)},   {"p95", number(s->p95)},
          {"p99", number(s->p99)}, {"max", number(s->max)}};
}

json goodput(const std::optional<Goodput>& g, bool hasDuration) {
  if (!g) {
    return json();
  }
  return {{"good", g->good},
          {"rate_per_s", hasDuration ? number(g->ratePerS) : json()},
          {"fraction", number(g->fraction)}};
}

json fitError(const FitError& e) {
  return {{"points", e.points},
          {"parameters", e.parameters},
          {"rmse_ms", number(e.rmse)},
          {"relative_rmse", number(e.relativeRmse)},
          {"r_squared", number(e.rSquared)},
          {"aicc", number(e.aicc)}};
}

json traceJson(const TraceReport& t) {
  const TraceMetrics& m = t.metrics;
  json outcomes = json::object();
  for (const auto& [o, n] : m.outcomes) {
    outcomes[std::string(outcomeName(o))] = n;
  }
  auto batchRows = [](const std::vector<BatchRow>& rows) {
    json array = json::array();
    for (const auto& r : rows) {
      array.push_back({{"batch_size", r.batchSize},
                       {"mean_batch", number(r.meanBatch)},
                       {"latency_us", summary(r.latencyUs)},
                       {"throughput_tokens_per_s", number(r.throughputTokensPerS)}});
    }
    return array;
  };
  json timeline = json::array();
  for (const auto& b : t.timeline.buckets) {
    timeline.push_back({{"start_s", b.startS},
                        {"send_rate_per_s", number(b.sendRatePerS)},
                        {"mean_in_flight", number(b.meanInFlight)},
                        {"ttft_p50_us", number(b.ttftP50Us)},
                        {"e2e_p50_us", number(b.e2eP50Us)}});
  }
  const bool hasDuration = m.durationS.has_value();
  return {
      {"id", t.info.id},
      {"kind", traceKindName(t.info.kind)},
      {"label", t.info.label},
      {"state", traceStateName(t.info.state)},
      {"time_scale", t.timeScale},
      {"source_trace_id", t.info.sourceTraceId ? json(*t.info.sourceTraceId) : json()},
      {"requests", m.requests},
      {"ok", m.ok},
      {"outcomes", outcomes},
      {"duration_s", number(m.durationS)},
      {"offered_rate_per_s", number(m.offeredRatePerS)},
      {"request_rate_per_s", number(m.requestRatePerS)},
      {"input_token_rate_per_s", number(m.inputTokenRatePerS)},
      {"output_token_rate_per_s", number(m.outputTokenRatePerS)},
      {"input_tokens", m.inputTokens},
      {"output_tokens", m.outputTokens},
      {"ttft_us", summary(m.ttftUs)},
      {"itl_us", summary(m.itlUs)},
      {"tpot_us", summary(m.tpotUs)},
      {"e2e_us", summary(m.e2eUs)},
      {"tgi_queue_us", summary(m.tgiQueueUs)},
      {"input_tokens_per_request", summary(m.inputTokensPerRequest)},
      {"output_tokens_per_request", summary(m.outputTokensPerRequest)},
      {"ttft_from_intended_us", summary(m.ttftFromIntendedUs)},
      {"e2e_from_intended_us", summary(m.e2eFromIntendedUs)},
      {"send_lag_us", summary(m.sendLagUs)},
      {"goodput", goodput(m.goodput, hasDuration)},
      {"goodput_from_intended", goodput(m.goodputFromIntended, hasDuration)},
      {"prefill_view", batchRows(t.batches.prefill)},
      {"decode_view", batchRows(t.batches.decode)},
      {"timeline_bucket_s", t.timeline.bucketS},
      {"timeline", timeline},
      {"notes", m.notes},
  };
}

json curvesJson(const Curves& curves) {
  json configs = json::array();
  for (const auto& c : curves.configurations) {
    json points = json::array();
    for (const auto& p : c.points) {
      points.push_back({{"trace_id", p.traceId},
                        {"label", p.label},
                        {"offered_rate_per_s", number(p.offeredRatePerS)},
                        {"throughput_per_s", number(p.throughputPerS)},
                        {"output_tokens_per_s", number(p.outputTokensPerS)},
                        {"ttft_us", summary(p.ttftUs)},
                        {"itl_us", summary(p.itlUs)},
                        {"e2e_us", summary(p.e2eUs)},
                        {"slo_attainment", number(p.sloAttainment)},
                        {"load", p.load},
                        {"requests", p.requests},
                        {"failed", p.failed},
                        {"rejected", p.rejected}});
    }
    json fits = json::array();
    for (const auto& f : c.fits) {
      json line = json();
      if (f.line.fit) {
        const auto& m = f.line.fit->model;
        line = {{"form", "base + slope * x"},
                {"base_ms", m.base},
                {"slope", m.slope},
                {"error", fitError(f.line.fit->error)}};
      }
      json q = json();
      if (f.queueing.fit) {
        const auto& m = f.queueing.fit->model;
        q = {{"form", "base + scale * x / (capacity - x)"},
             {"base_ms", m.base},
             {"scale_ms", m.scale},
             {"capacity_per_s", m.capacity},
             {"error", fitError(f.queueing.fit->error)}};
      }
      json pw = json();
      if (f.piecewise.fit) {
        const auto& m = f.piecewise.fit->model;
        pw = {{"form", "base + slope * x + extra_slope * max(0, x - break)"},
              {"base_ms", m.base},
              {"slope", m.slope},
              {"extra_slope", m.extraSlope},
              {"break_per_s", m.breakX},
              {"error", fitError(f.piecewise.fit->error)}};
      }
      fits.push_back({{"metric", curveMetricName(f.metric)},
                      {"percentile", f.percentile},
                      {"line", line},
                      {"line_why_not", f.line.whyNot},
                      {"queueing", q},
                      {"queueing_why_not", f.queueing.whyNot},
                      {"piecewise", pw},
                      {"piecewise_why_not", f.piecewise.whyNot},
                      {"chosen", f.chosen.empty() ? json() : json(f.chosen)},
                      {"chosen_why", f.chosenWhy},
                      {"formula", f.chosen.empty() ? json() : json(fitFormula(f))},
                      {"knee_per_s", number(f.kneePerS)},
                      {"knee_why_not", f.kneeWhyNot}});
    }
    json capacity = json();
    if (c.capacity) {
      capacity = {{"rate_per_s", c.capacity->ratePerS},
                  {"low_per_s", c.capacity->lowPerS},
                  {"high_per_s", c.capacity->highPerS},
                  {"attainment_target", kAttainmentTarget}};
    }
    configs.push_back({{"name", c.name},
                       {"points", points},
                       {"fits", fits},
                       {"capacity", capacity},
                       {"capacity_why_not", c.capacityWhyNot}});
  }
  return {{"family", curves.family}, {"configurations", configs}, {"notes", curves.notes}};
}

} // namespace

json jsonReport(const Report& report) {
  json traces = json::array();
  for (const auto& t : report.traces) {
    traces.push_back(traceJson(t));
  }
  json deltas = json::array();
  for (const auto& d : report.deltas) {
    deltas.push_back({{"replay_trace_id", d.replayTraceId},
                      {"source_trace_id", d.sourceTraceId},
                      {"matched", d.matched},
                      {"unmatched", d.unmatched},
                      {"both_ok", d.bothOk},
                      {"outcome_changed", d.outcomeChanged},
                      {"ttft_us", summary(d.ttftUs)},
                      {"tpot_us", summary(d.tpotUs)},
                      {"e2e_us", summary(d.e2eUs)},
                      {"output_tokens", summary(d.outputTokens)}});
  }
  json slo = json::object();
  if (report.slo.ttftUs) {
    slo["ttft_us"] = *report.slo.ttftUs;
  }
  if (report.slo.itlUs) {
    slo["itl_us"] = *report.slo.itlUs;
  }
  if (report.slo.e2eUs) {
    slo["e2e_us"] = *report.slo.e2eUs;
  }
  return {{"database", report.database},
          {"slo", slo},
          {"traces", traces},
          {"deltas", deltas},
          {"curves", report.curves ? curvesJson(*report.curves) : json()}};
}

} // namespace tt::analyze
