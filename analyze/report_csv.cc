#include "analyze/report_csv.h"

#include "analyze/metric_rows.h"

#include <cmath>
#include <cstdio>

namespace tt::analyze {
namespace {

std::string quoted(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    return field;
  }
  std::string out = "\"";
  for (const char c : field) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

class CsvWriter {
public:
  explicit CsvWriter(std::ostream& out) : out_(out) {
    out_ << "section,trace_id,label,metric,statistic,value,unit\r\n";
  }
  void row(const std::string& section, const std::string& traceId, const std::string& label,
           const std::string& metric, const std::string& statistic, std::optional<double> value,
           const std::string& unit) {
    if (!value || !std::isfinite(*value)) {
      return;
    }
    char number[64];
    std::snprintf(number, sizeof number, "%.10g", *value);
    out_ << section << "," << traceId << "," << quoted(label) << "," << quoted(metric) << ","
         << statistic << "," << number << "," << unit << "\r\n";
  }

private:
  std::ostream& out_;
};

} // namespace

void writeCsv(const Report& report, std::ostream& out) {
  CsvWriter csv(out);
  for (const auto& t : report.traces) {
    for (const auto& r : traceRows(t)) {
      csv.row("trace", std::to_string(t.info.id), t.info.label, r.metric, r.statistic, r.value,
              r.unit);
    }
  }
  for (const auto& d : report.deltas) {
    for (const auto& r : deltaRows(d)) {
      csv.row("delta", std::to_string(d.replayTraceId), "vs #" + std::to_string(d.sourceTraceId),
              r.metric, r.statistic, r.value, r.unit);
    }
  }
  if (!report.curves) {
    return;
  }
  for (const auto& c : report.curves->configurations) {
    for (const auto& p : c.points) {
      const std::string id = std::to_string(p.traceId);
      csv.row("curve_point", id, c.name, "throughput", "value", p.throughputPerS, "req/s");
      csv.row("curve_point", id, c.name, "offered_rate", "value", p.offeredRatePerS, "req/s");
      csv.row("curve_point", id, c.name, "output_token_rate", "value", p.outputTokensPerS,
              "tokens/s");
      for (const CurveMetric m : {CurveMetric::Ttft, CurveMetric::Itl, CurveMetric::E2e}) {
        for (const int q : {50, 90, 99}) {
          const auto us = pointLatencyUs(p, m, q);
          csv.row("curve_point", id, c.name, std::string(curveMetricName(m)),
                  "p" + std::to_string(q), us ? std::optional<double>(*us / 1e3) : std::nullopt,
                  "ms");
        }
      }
      csv.row("curve_point", id, c.name, "slo_attainment", "fraction",
              p.sloAttainment ? std::optional<double>(*p.sloAttainment * 100) : std::nullopt, "%");
      csv.row("curve_point", id, c.name, "failed", "share", p.failedShare() * 100, "%");
      csv.row("curve_point", id, c.name, "rejected", "flag", p.rejected ? 1 : 0, "");
    }
    for (const auto& f : c.fits) {
      const std::string metric =
          std::string(curveMetricName(f.metric)) + "_p" + std::to_string(f.percentile);
      if (f.line.fit) {
        const auto& l = *f.line.fit;
        csv.row("fit", "", c.name, metric, "line_base", l.model.base, "ms");
        csv.row("fit", "", c.name, metric, "line_slope", l.model.slope, "ms/(req/s)");
        csv.row("fit", "", c.name, metric, "line_rmse", l.error.rmse, "ms");
        csv.row("fit", "", c.name, metric, "line_aicc", l.error.aicc, "");
      }
      if (f.queueing.fit) {
        const auto& q = *f.queueing.fit;
        csv.row("fit", "", c.name, metric, "queueing_base", q.model.base, "ms");
        csv.row("fit", "", c.name, metric, "queueing_scale", q.model.scale, "ms");
        csv.row("fit", "", c.name, metric, "queueing_capacity", q.model.capacity, "req/s");
        csv.row("fit", "", c.name, metric, "queueing_rmse", q.error.rmse, "ms");
        csv.row("fit", "", c.name, metric, "queueing_aicc", q.error.aicc, "");
      }
      if (f.piecewise.fit) {
        const auto& p = *f.piecewise.fit;
        csv.row("fit", "", c.name, metric, "piecewise_base", p.model.base, "ms");
        csv.row("fit", "", c.name, metric, "piecewise_slope", p.model.slope, "ms/(req/s)");
        csv.row("fit", "", c.name, metric, "piecewise_extra_slope", p.model.extraSlope,
                "ms/(req/s)");
        csv.row("fit", "", c.name, metric, "piecewise_break", p.model.breakX, "req/s");
        csv.row("fit", "", c.name, metric, "piecewise_rmse", p.error.rmse, "ms");
        csv.row("fit", "", c.name, metric, "piecewise_aicc", p.error.aicc, "");
      }
      csv.row("fit", "", c.name, metric, "knee", f.kneePerS, "req/s");
    }
    if (c.capacity) {
      csv.row("capacity", "", c.name, "capacity", "estimate", c.capacity->ratePerS, "req/s");
      csv.row("capacity", "", c.name, "capacity", "low", c.capacity->lowPerS, "req/s");
      csv.row("capacity", "", c.name, "capacity", "high", c.capacity->highPerS, "req/s");
    }
  }
}

} // namespace tt::analyze
