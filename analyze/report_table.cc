#include "analyze/report_table.h"

#include "analyze/fit_formula.h"
#include "analyze/metric_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tt::analyze {
namespace {

std::string traceTitle(const TraceInfo& info) {
  return "#" + std::to_string(info.id) + (info.label.empty() ? "" : " " + info.label);
}

TextTable tracesTable(const Report& report) {
  TextTable t;
  t.title = "Traces" + (report.slo.any() ? " (SLO " + report.slo.describe() + ")" : "");
  t.columns = {"metric", "stat", "unit"};
  t.numeric = {false, false, false};
  std::vector<std::vector<MetricRow>> columns;
  for (const auto& trace : report.traces) {
    t.columns.push_back(traceTitle(trace.info));
    t.numeric.push_back(true);
    columns.push_back(traceRows(trace));
  }
  // Traces differ in which rows they have (outcomes, intended times): take the union in order.
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::string> units;
  for (const auto& rows : columns) {
    for (const auto& r : rows) {
      const std::pair<std::string, std::string> key{r.metric, r.statistic};
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        keys.push_back(key);
        units.push_back(r.unit);
      }
    }
  }
  std::vector<std::string> kinds{"kind", "", ""};
  for (const auto& trace : report.traces) {
    kinds.push_back(std::string(traceKindName(trace.info.kind)));
  }
  t.rows.push_back(kinds);
  for (size_t k = 0; k < keys.size(); ++k) {
    std::vector<std::string> row{keys[k].first, keys[k].second, units[k]};
    for (const auto& rows : columns) {
      std::optional<double> value;
      bool present = false;
      for (const auto& r : rows) {
        if (r.metric == keys[k].first && r.statistic == keys[k].second) {
          value = r.value;
          present = true;
        }
      }
      row.push_back(present ? formatNumber(value) : "-");
    }
    t.rows.push_back(std::move(row));
  }
  for (const auto& trace : report.traces) {
    for (const auto& note : trace.metrics.notes) {
      t.notes.push_back(traceTitle(trace.info) + ": " + note);
    }
  }
  return t;
}

TextTable deltaTable(const RequestDeltas& d) {
  TextTable t;
  t.title = "Replay #" + std::to_string(d.replayTraceId) + " vs its source #" +
            std::to_string(d.sourceTraceId) + ", per request (replay - source)";
  t.columns = {"metric", "stat", "unit", "value"};
  t.numeric = {false, false, false, true};
  for (const auto& r : deltaRows(d)) {
    t.rows.push_back({r.metric, r.statistic, r.unit, formatNumber(r.value)});
  }
  if (d.matched == 0) {
    t.notes.push_back("no replayed request names a request of the source trace "
                      "(source_request_id): nothing to compare request by request");
  }
  return t;
}

std::optional<double> ms(std::optional<double> us) {
  return us ? std::optional<double>(*us / 1e3) : std::nullopt;
}

void addCurveTables(const Curves& curves, std::vector<TextTable>& out) {
  for (const auto& c : curves.configurations) {
    TextTable points;
    points.title = "Curve of '" + curves.family + "': " + c.name + " (latency in ms)";
    points.columns = {"trace",    "label",    "load",      "offered req/s", "req/s",
                      "failed %", "rejected", "out tok/s", "TTFT p50",      "TTFT p90",
                      "TTFT p99", "ITL p50",  "ITL p90",   "ITL p99",       "e2e p50",
                      "e2e p90",  "e2e p99",  "SLO met %"};
    points.numeric = {true, false, false, true, true, true, false, true, true,
                      true, true,  true,  true, true, true, true,  true, true};
    bool anyRejected = false;
    for (const auto& p : c.points) {
      anyRejected = anyRejected || p.rejected;
      std::vector<std::string> row{"#" + std::to_string(p.traceId),
                                   p.label,
                                   p.load,
                                   formatNumber(p.offeredRatePerS),
                                   formatNumber(p.throughputPerS),
                                   formatNumber(p.failedShare() * 100),
                                   p.rejected ? "yes" : "",
                                   formatNumber(p.outputTokensPerS)};
      for (const CurveMetric m : {CurveMetric::Ttft, CurveMetric::Itl, CurveMetric::E2e}) {
        for (const int q : {50, 90, 99}) {
          row.push_back(formatNumber(ms(pointLatencyUs(p, m, q))));
        }
      }
      row.push_back(formatNumber(p.sloAttainment ? std::optional<double>(*p.sloAttainment * 100)
                                                 : std::nullopt));
      points.rows.push_back(std::move(row));
    }
    if (anyRejected) {
      char note[200];
      std::snprintf(note, sizeof note,
                    "rejected: over %.0f%% more of its requests failed (429, 422, errors) than at "
                    "the least-failing point; the server capped its throughput, so it is shown "
                    "but not fitted",
                    kRejectedExcess * 100);
      points.notes.push_back(note);
    }
    out.push_back(std::move(points));

    TextTable fits;
    fits.title = "Fits of '" + curves.family + "': " + c.name +
                 " (latency ms against throughput req/s, p90)";
    fits.columns = {"latency", "model",     "formula (ms, x in req/s)", "rmse ms", "rmse %",
                    "R2",      "knee req/s"};
    fits.numeric = {false, false, false, true, true, true, true};
    for (const CurveMetric m : {CurveMetric::Ttft, CurveMetric::Itl, CurveMetric::E2e}) {
      const SeriesFit* f = c.fit(m, 90);
      const std::string name = std::string(curveMetricName(m)) + " p90";
      if (f == nullptr || f->chosen.empty()) {
        fits.rows.push_back({name, "-", "-", "-", "-", "-", "-"});
        fits.notes.push_back(name + ": " + (f != nullptr ? f->chosenWhy : std::string("no data")));
        continue;
      }
      const FitError e = *f->chosenError();
      fits.rows.push_back({name, f->chosen, fitFormula(*f), formatNumber(e.rmse),
                           formatNumber(e.relativeRmse * 100), formatNumber(e.rSquared),
                           formatNumber(f->kneePerS)});
      fits.notes.push_back(name + ": " + f->chosenWhy +
                           (f->kneePerS ? std::string() : "; " + f->kneeWhyNot));
    }
    if (c.capacity) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "capacity: %s req/s (between %s and %s req/s) at %.0f%% SLO attainment",
                    significant(c.capacity->ratePerS).c_str(),
                    significant(c.capacity->lowPerS).c_str(),
                    significant(c.capacity->highPerS).c_str(), kAttainmentTarget * 100);
      fits.notes.push_back(text);
    } else {
      fits.notes.push_back("capacity: " + c.capacityWhyNot);
    }
    out.push_back(std::move(fits));
  }
  if (!curves.notes.empty()) {
    TextTable notes;
    notes.title = "Curve notes";
    notes.notes = curves.notes;
    out.push_back(std::move(notes));
  }
}

TextTable batchTable(const TraceInfo& info, const std::vector<BatchRow>& rows, bool prefill) {
  TextTable t;
  t.title = std::string(prefill ? "Prefill" : "Decode") + " view of " + traceTitle(info) +
            (prefill ? " (latency = TTFT, ms)" : " (latency = time per output token, ms)");
  t.columns = {"batch", "requests", "mean batch", "avg", "min",
               "max",   "p50",      "p90",        "p99", "throughput tok/s"};
  t.numeric = std::vector<bool>(t.columns.size(), true);
  for (const auto& r : rows) {
    const Summary& s = r.latencyUs;
    t.rows.push_back({"<=" + std::to_string(r.batchSize), std::to_string(s.count),
                      formatNumber(r.meanBatch), formatNumber(s.mean / 1e3),
                      formatNumber(s.min / 1e3), formatNumber(s.max / 1e3),
                      formatNumber(s.p50 / 1e3), formatNumber(s.p90 / 1e3),
                      formatNumber(s.p99 / 1e3), formatNumber(r.throughputTokensPerS)});
  }
  if (rows.empty()) {
    t.notes.push_back("no successful streamed request: nothing to show");
  }
  return t;
}

} // namespace

std::string formatNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) {
    return "-";
  }
  const double v = *value;
  char text[64];
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", v);
  } else if (std::abs(v) >= 100) {
    std::snprintf(text, sizeof text, "%.1f", v);
  } else if (std::abs(v) >= 1) {
    std::snprintf(text, sizeof text, "%.2f", v);
  } else {
    std::snprintf(text, sizeof text, "%.3g", v);
  }
  return text;
}

std::vector<TextTable> tableReport(const Report& report) {
  std::vector<TextTable> out;
  out.push_back(tracesTable(report));
  for (const auto& d : report.deltas) {
    out.push_back(deltaTable(d));
  }
  if (report.curves) {
    addCurveTables(*report.curves, out);
  }
  // The batch views of one trace; for several they would drown the comparison (JSON has all).
  if (report.traces.size() == 1 && report.traces[0].metrics.ok > 0) {
    const auto& t = report.traces[0];
    out.push_back(batchTable(t.info, t.batches.prefill, true));
    out.push_back(batchTable(t.info, t.batches.decode, false));
  }
  return out;
}

} // namespace tt::analyze
