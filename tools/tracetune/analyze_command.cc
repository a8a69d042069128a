#include "tools/tracetune/analyze_command.h"

#include "analyze/analysis.h"
#include "analyze/report_csv.h"
#include "analyze/report_html.h"
#include "analyze/report_json.h"
#include "analyze/report_table.h"
#include "analyze/slo.h"
#include "analyze/text_table.h"
#include "schema/store.h"
#include "tune/calibration_charts.h"
#include "tune/calibration_report.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace tt::cli {

void setupAnalyze(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* sub = app.add_subcommand(
      "analyze", "Metrics, comparisons, latency-throughput curves and reports of traces");
  sub->add_option("--db", options->db, "Database file")->required();
  sub->add_option("traces", options->traceIds,
                  "Trace ids to analyse side by side (a replay next to its source also gets "
                  "per-request deltas)");
  sub->add_option("--family", options->family,
                  "Analyse the traces whose label starts with this prefix as one sweep: "
                  "latency-throughput curves, fits, knee and capacity");
  sub->add_option("--slo", options->slo,
                  "Objectives for goodput and capacity, e.g. ttft=2s,itl=200ms,e2e=30s "
                  "(units us, ms, s)")
      ->check(analyze::sloProblem);
  sub->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  sub->add_option("--html", options->html, "Also write a self-contained HTML report to FILE");
  sub->callback(
      [options, &runner] { runner = [options] { return runAnalyze(*options, std::cout); }; });
}

namespace {

// The calibration of each capture among `traceIds` (docs/calibrate.md, "In the report"), its
// tables and charts; traces that cannot be calibrated (imports, replays of them, thin captures)
// show none.
analyze::HtmlSection calibrationSection(Store& store, const std::vector<int64_t>& traceIds) {
  analyze::HtmlSection section{.heading = "Calibration"};
  for (const int64_t id : traceIds) {
    try {
      const tune::Calibration calibration = tune::calibrate(store, id, {});
      for (auto& table : tune::calibrationTables(calibration)) {
        section.tables.push_back(std::move(table));
      }
      for (auto& chart : tune::calibrationCharts(calibration)) {
        section.charts.push_back(std::move(chart));
      }
    } catch (const std::exception&) {
      // Not calibratable (CalibrationError says why; `tracetune calibrate` prints it): no section.
    }
  }
  return section;
}

} // namespace

int runAnalyze(const AnalyzeOptions& options, std::ostream& out) {
  const analyze::Slo slo = options.slo.empty() ? analyze::Slo{} : analyze::parseSlo(options.slo);
  Store store(options.db, Store::Access::Read);
  analyze::Selection selection;
  selection.traceIds = options.traceIds;
  if (!options.family.empty()) {
    selection.family = options.family;
  }
  const analyze::Report report = analyze::analyzeStore(store, selection, slo);

  if (!options.html.empty()) {
    std::ofstream html(options.html, std::ios::binary | std::ios::trunc);
    if (html) {
      analyze::writeHtml(report, html, calibrationSection(store, options.traceIds));
    }
    if (!html || !html.flush()) {
      throw std::runtime_error("cannot write the HTML report to " + options.html +
                               ": check the directory exists and is writable");
    }
  }
  if (options.format == "json") {
    out << analyze::jsonReport(report).dump(2) << "\n";
  } else if (options.format == "csv") {
    analyze::writeCsv(report, out);
  } else {
    analyze::printTables(analyze::tableReport(report), out);
    if (!options.html.empty()) {
      out << "\nHTML report: " << options.html << "\n";
    }
  }
  return 0;
}

} // namespace tt::cli
