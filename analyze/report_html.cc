#include "analyze/report_html.h"

#include "analyze/fit_formula.h"
#include "analyze/report_table.h"
#include "analyze/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace tt::analyze {
namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
       background: #fff; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem;
     border-bottom: 1px solid #ccc; }
.meta { color: #555; }
table { border-collapse: collapse; margin: .6rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .15rem .6rem; border-bottom: 1px solid #e4e4e4; text-align: left; }
td.num, th.num { text-align: right; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
.tablebox { overflow-x: auto; }
.note { color: #444; margin: .1rem 0; font-size: .92rem; }
.nochart { color: #7a4a00; background: #fff6e5; padding: .5rem .8rem; border-left: 3px solid #e69f00; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
svg.chart { width: 100%; height: auto; background: #fff; }
svg .grid { stroke: #e6e6e6; } svg .frame { fill: none; stroke: #888; }
svg .tick { font-size: 11px; fill: #444; } svg .axis { font-size: 12px; fill: #222; }
svg .ctitle { font-size: 14px; font-weight: 600; fill: #111; }
svg .legend text { font-size: 11px; fill: #222; stroke: none; }
svg .plabel { font-size: 10px; } svg .rlabel { font-size: 11px; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; } table, svg.chart, .chartbox { break-inside: avoid; }
  .tablebox { overflow: visible; } table { font-size: 8pt; }
  .charts { grid-template-columns: 1fr 1fr; }
}
)css";

// Runs first, so an error anywhere later in the page is recorded.
constexpr const char* kErrorScript = R"js(
window.__ttErrors = [];
window.addEventListener('error', function (e) { window.__ttErrors.push(String(e.message)); });
)js";

// Marks every chart that has a drawn series with a size on screen.
constexpr const char* kCheckScript = R"js(
(function () {
  var charts = document.querySelectorAll('svg[data-chart]');
  var rendered = 0;
  charts.forEach(function (svg) {
    var drawn = 0;
    svg.querySelectorAll('[data-series]').forEach(function (g) {
      var box = g.getBBox();
      if (box.width > 0 || box.height > 0) { drawn++; }
    });
    var rect = svg.getBoundingClientRect();
    if (drawn > 0 && rect.width > 0 && rect.height > 0) {
      svg.setAttribute('data-rendered', 'yes');
      rendered++;
    }
  });
  document.body.setAttribute('data-charts', String(charts.length));
  document.body.setAttribute('data-rendered', String(rendered));
  document.body.setAttribute('data-errors', String(window.__ttErrors.length));
  document.body.setAttribute('data-error-text', window.__ttErrors.join(' | '));
})();
)js";

// Beyond this many traces the timeline shows e2e only: two lines a trace would be unreadable.
constexpr size_t kMaxTtftTimelines = 3;

std::string shortName(const TraceInfo& info) {
  std::string name = "#" + std::to_string(info.id) + (info.label.empty() ? "" : " " + info.label);
  return name.size() > 28 ? name.substr(0, 27) + "..." : name;
}

void writeTable(const TextTable& t, std::ostream& out) {
  if (t.columns.empty()) { // a title with lines to copy (commands) and notes
    out << "<h3>" << escapeXml(t.title) << "</h3>";
    for (const auto& line : t.lines) {
      out << "<pre>" << escapeXml(line) << "</pre>";
    }
    for (const auto& note : t.notes) {
      out << "<p class=\"note\">" << escapeXml(note) << "</p>";
    }
    return;
  }
  out << "<div class=\"tablebox\"><table><caption>" << escapeXml(t.title)
      << "</caption><thead><tr>";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    out << "<th" << (t.numeric[i] ? " class=\"num\"" : "") << ">" << escapeXml(t.columns[i])
        << "</th>";
  }
  out << "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out << "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out << "<td" << (t.numeric[i] ? " class=\"num\"" : "") << ">" << escapeXml(row[i]) << "</td>";
    }
    out << "</tr>";
  }
  out << "</tbody></table></div>";
  for (const auto& note : t.notes) {
    out << "<p class=\"note\">" << escapeXml(note) << "</p>";
  }
}

void writeChart(const ChartSpec& chart, const std::string& whyEmpty, std::ostream& out) {
  out << "<div class=\"chartbox\">";
  if (hasData(chart)) {
    out << renderSvg(chart);
  } else {
    out << "<p class=\"nochart\">" << escapeXml(chart.title) << ": " << escapeXml(whyEmpty)
        << "</p>";
  }
  out << "</div>";
}

// The objective on a chart of the p90: a point under the line has at least 90% of its requests
// within it. The ITL objective is on each request's TPOT, the chart's ITL is every gap.
std::optional<ChartRule> sloRule(CurveMetric metric, const Slo& slo) {
  const std::optional<double>& us = metric == CurveMetric::Ttft  ? slo.ttftUs
                                    : metric == CurveMetric::Itl ? slo.itlUs
                                                                 : slo.e2eUs;
  if (!us) {
    return std::nullopt;
  }
  const std::string label = "SLO " + std::string(curveMetricName(metric)) + " " +
                            significant(*us / 1e3) + " ms" +
                            (metric == CurveMetric::Itl ? " (on each request's TPOT)" : "");
  return ChartRule{"slo", false, *us / 1e3, label, "#B00020"};
}

void addConfiguration(const Configuration& c, CurveMetric metric, const std::string& color,
                      ChartSpec& chart) {
  ChartSeries served{c.name, color, {}, false, true, false};
  // "rejected" first, so that a long configuration name cut short in the legend keeps it.
  ChartSeries rejected{"rejected, not fitted: " + c.name, color, {}, false, true, false,
                       ChartSeries::Marker::Cross};
  double lo = std::numeric_limits<double>::max();
  double hi = 0;
  for (const auto& p : c.points) {
    const auto us = pointLatencyUs(p, metric, 90);
    if (!us) {
      continue;
    }
    ChartSeries& series = p.rejected ? rejected : served;
    series.points.emplace_back(p.throughputPerS, *us / 1e3);
    series.labels.push_back(p.load);
    if (!p.rejected) {
      lo = std::min(lo, p.throughputPerS);
      hi = std::max(hi, p.throughputPerS);
    }
  }
  chart.series.push_back(std::move(served));
  if (!rejected.points.empty()) {
    chart.series.push_back(std::move(rejected));
  }
  const SeriesFit* f = c.fit(metric, 90);
  if (f == nullptr || f->chosen.empty() || hi <= lo) {
    return;
  }
  ChartSeries fit{c.name + " (" + f->chosen + " fit)", color, {}, true, false, true};
  for (int k = 0; k <= 100; ++k) {
    const double x = lo + (hi - lo) * k / 100.0;
    fit.points.emplace_back(x, f->modelAt(x));
  }
  chart.series.push_back(std::move(fit));
  if (f->kneePerS) {
    chart.rules.push_back(
        {"knee", true, *f->kneePerS, "knee " + significant(*f->kneePerS) + "/s", color});
  }
}

void writeCurveCharts(const Curves& curves, const Slo& slo, std::ostream& out) {
  out << "<h2>Latency against throughput: " << escapeXml(curves.family) << "</h2>";
  out << "<p class=\"meta\">Each point is a trace of the family, labelled by its load; a cross "
         "marks a point whose throughput failed requests capped (left out of the fit). Dashed "
         "lines are the fitted models (p90), one colour per server configuration; the "
         "horizontal line is the SLO, the vertical ones the knee and the capacity.</p>"
         "<div class=\"charts\">";
  for (const CurveMetric metric : {CurveMetric::Ttft, CurveMetric::Itl, CurveMetric::E2e}) {
    const std::string name = metric == CurveMetric::Ttft  ? "TTFT"
                             : metric == CurveMetric::Itl ? "Inter-token latency"
                                                          : "End-to-end latency";
    ChartSpec chart{"curve-" + std::string(curveMetricName(metric)),
                    name + " p90 against throughput",
                    "throughput (successful requests/s)",
                    "p90 " + name + " (ms)",
                    {},
                    {}};
    for (size_t i = 0; i < curves.configurations.size(); ++i) {
      const Configuration& c = curves.configurations[i];
      addConfiguration(c, metric, paletteColor(i), chart);
      if (c.capacity) {
        chart.rules.push_back({"capacity", true, c.capacity->ratePerS,
                               "capacity " + significant(c.capacity->ratePerS) + "/s",
                               paletteColor(i)});
      }
    }
    if (auto rule = sloRule(metric, slo)) {
      chart.rules.push_back(std::move(*rule));
    }
    writeChart(chart, "no trace of the family has this latency", out);
  }
  out << "</div>";
}

void writeDistributionCharts(const Report& report, std::ostream& out) {
  out << "<h2>Distributions</h2><div class=\"charts\">";
  ChartSpec ttft{
      "dist-ttft", "TTFT distribution (CDF)", "time to first token (ms)", "percentile", {}};
  ChartSpec itl{"dist-itl",
                "Inter-token latency distribution (CDF, every gap)",
                "inter-token latency (ms)",
                "percentile",
                {}};
  for (size_t i = 0; i < report.traces.size(); ++i) {
    const auto& t = report.traces[i];
    ChartSeries a{shortName(t.info), paletteColor(i), {}, true, false, false};
    for (size_t q = 0; q < t.metrics.ttftGridUs.size(); ++q) {
      a.points.emplace_back(t.metrics.ttftGridUs[q] / 1e3, static_cast<double>(q));
    }
    ttft.series.push_back(std::move(a));
    ChartSeries b{shortName(t.info), paletteColor(i), {}, true, false, false};
    for (size_t q = 0; q < t.metrics.itlGridUs.size(); ++q) {
      b.points.emplace_back(t.metrics.itlGridUs[q] / 1e3, static_cast<double>(q));
    }
    itl.series.push_back(std::move(b));
  }
  writeChart(ttft, "no successful streamed request, so no first-token times", out);
  writeChart(itl, "no successful request streamed two or more tokens", out);
  out << "</div>";
}

void writeTimelineCharts(const Report& report, std::ostream& out) {
  out << "<h2>Timeline</h2><p class=\"meta\">From each trace's first send; buckets of equal "
         "width, latency by send time.</p><div class=\"charts\">";
  ChartSpec rate{"timeline-rate", "Request rate", "time (s)", "requests sent / s", {}};
  ChartSpec inFlight{"timeline-inflight", "Requests in flight", "time (s)", "mean in flight", {}};
  ChartSpec latency{"timeline-latency", "Latency (median, by send time)", "time (s)", "ms", {}};
  for (size_t i = 0; i < report.traces.size(); ++i) {
    const auto& t = report.traces[i];
    const std::string name = shortName(t.info);
    ChartSeries r{name, paletteColor(i), {}, true, false, false};
    ChartSeries f{name, paletteColor(i), {}, true, false, false};
    ChartSeries e{name + " e2e", paletteColor(i), {}, true, false, false};
    ChartSeries ft{name + " TTFT", paletteColor(i), {}, true, false, true};
    for (const auto& b : t.timeline.buckets) {
      const double mid = b.startS + t.timeline.bucketS / 2;
      r.points.emplace_back(mid, b.sendRatePerS);
      f.points.emplace_back(mid, b.meanInFlight);
      if (b.e2eP50Us) {
        e.points.emplace_back(mid, *b.e2eP50Us / 1e3);
      }
      if (b.ttftP50Us) {
        ft.points.emplace_back(mid, *b.ttftP50Us / 1e3);
      }
    }
    rate.series.push_back(std::move(r));
    inFlight.series.push_back(std::move(f));
    latency.series.push_back(std::move(e));
    if (report.traces.size() <= kMaxTtftTimelines) {
      latency.series.push_back(std::move(ft));
    }
  }
  const std::string why = "the selected traces span no time";
  writeChart(rate, why, out);
  writeChart(inFlight, why, out);
  writeChart(latency, "no request succeeded", out);
  out << "</div>";
}

} // namespace

void writeHtml(const Report& report, std::ostream& out, const HtmlSection& leading) {
  out << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>tracetune analyze</title><style>"
      << kStyle << "</style><script>" << kErrorScript << "</script></head><body>";
  out << "<h1>tracetune analyze</h1><p class=\"meta\">Database " << escapeXml(report.database)
      << "; " << report.traces.size() << " trace" << (report.traces.size() == 1 ? "" : "s")
      << (report.slo.any() ? "; SLO " + escapeXml(report.slo.describe()) : std::string("; no SLO"))
      << ". Latencies in milliseconds; percentiles interpolate between ranks as numpy does.</p>";
  if (!leading.tables.empty()) {
    out << "<h2>" << escapeXml(leading.heading) << "</h2>";
    for (const auto& t : leading.tables) {
      writeTable(t, out);
    }
    for (const auto& chart : leading.charts) {
      writeChart(chart, "nothing of this kind was measured", out);
    }
  }
  if (report.curves) {
    writeCurveCharts(*report.curves, report.slo, out);
  }
  writeDistributionCharts(report, out);
  writeTimelineCharts(report, out);
  out << "<h2>Tables</h2>";
  for (const auto& t : tableReport(report)) {
    writeTable(t, out);
  }
  out << "<script>" << kCheckScript << "</script></body></html>\n";
}

} // namespace tt::analyze
