#include "analyze/metric_rows.h"

namespace tt::analyze {
namespace {

void addSummary(std::vector<MetricRow>& rows, const std::string& metric,
                const std::optional<Summary>& s, const std::string& unit, double divisor) {
  const std::pair<const char*, double Summary::*> stats[] = {
      {"mean", &Summary::mean}, {"p50", &Summary::p50}, {"p90", &Summary::p90},
      {"p95", &Summary::p95},   {"p99", &Summary::p99}, {"max", &Summary::max}};
  for (const auto& [name, field] : stats) {
    rows.push_back(
        {metric, name, unit, s ? std::optional<double>((*s).*field / divisor) : std::nullopt});
  }
}

std::optional<double> count(int64_t n) {
  return static_cast<double>(n);
}

} // namespace

std::vector<MetricRow> traceRows(const TraceReport& trace) {
  const TraceMetrics& m = trace.metrics;
  std::vector<MetricRow> rows;
  rows.push_back({"requests", "count", "", count(m.requests)});
  for (const Outcome o : {Outcome::Ok, Outcome::HttpError, Outcome::UpstreamError,
                          Outcome::ClientAbort, Outcome::Timeout, Outcome::Truncated}) {
    int64_t n = 0;
    for (const auto& [outcome, c] : m.outcomes) {
      if (outcome == o) {
        n = c;
      }
    }
    if (n > 0 || o == Outcome::Ok) {
      rows.push_back({"outcome_" + std::string(outcomeName(o)), "count", "", count(n)});
    }
  }
  rows.push_back({"duration", "value", "s", m.durationS});
  rows.push_back({"offered_rate", "value", "req/s", m.offeredRatePerS});
  rows.push_back({"request_rate", "value", "req/s", m.requestRatePerS});
  rows.push_back({"input_token_rate", "value", "tokens/s", m.inputTokenRatePerS});
  rows.push_back({"output_token_rate", "value", "tokens/s", m.outputTokenRatePerS});
  addSummary(rows, "ttft", m.ttftUs, "ms", 1e3);
  addSummary(rows, "itl", m.itlUs, "ms", 1e3);
  addSummary(rows, "tpot", m.tpotUs, "ms", 1e3);
  addSummary(rows, "e2e", m.e2eUs, "ms", 1e3);
  if (m.tgiQueueUs) {
    addSummary(rows, "tgi_queue", m.tgiQueueUs, "ms", 1e3);
  }
  addSummary(rows, "input_tokens", m.inputTokensPerRequest, "tokens", 1);
  addSummary(rows, "output_tokens", m.outputTokensPerRequest, "tokens", 1);
  if (m.hasIntended) {
    addSummary(rows, "ttft_from_intended", m.ttftFromIntendedUs, "ms", 1e3);
    addSummary(rows, "e2e_from_intended", m.e2eFromIntendedUs, "ms", 1e3);
    addSummary(rows, "send_lag", m.sendLagUs, "ms", 1e3);
  }
  if (m.goodput) {
    rows.push_back({"goodput", "rate", "req/s",
                    m.durationS ? std::optional<double>(m.goodput->ratePerS) : std::nullopt});
    rows.push_back({"goodput", "fraction", "%", m.goodput->fraction * 100});
  }
  if (m.goodputFromIntended) {
    rows.push_back(
        {"goodput_from_intended", "rate", "req/s",
         m.durationS ? std::optional<double>(m.goodputFromIntended->ratePerS) : std::nullopt});
    rows.push_back(
        {"goodput_from_intended", "fraction", "%", m.goodputFromIntended->fraction * 100});
  }
  return rows;
}

std::vector<MetricRow> deltaRows(const RequestDeltas& d) {
  std::vector<MetricRow> rows;
  rows.push_back({"matched", "count", "", count(d.matched)});
  rows.push_back({"unmatched", "count", "", count(d.unmatched)});
  rows.push_back({"both_ok", "count", "", count(d.bothOk)});
  rows.push_back({"outcome_changed", "count", "", count(d.outcomeChanged)});
  addSummary(rows, "ttft_delta", d.ttftUs, "ms", 1e3);
  addSummary(rows, "tpot_delta", d.tpotUs, "ms", 1e3);
  addSummary(rows, "e2e_delta", d.e2eUs, "ms", 1e3);
  addSummary(rows, "output_tokens_delta", d.outputTokens, "tokens", 1);
  return rows;
}

} // namespace tt::analyze
