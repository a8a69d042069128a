#include "tools/tracetune/calibrate_command.h"

#include "schema/store.h"
#include "tune/calibration.h"
#include "tune/calibration_report.h"
#include "tune/metrics_only_calibration.h"

#include <fstream>
#include <iostream>
#include <memory>

namespace tt::cli {
namespace {

void writeProfile(const std::string& csv, const std::string& path) {
  if (path.empty()) {
    return;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << csv;
  if (!file || !file.flush()) {
    throw std::runtime_error("cannot write the profile to " + path +
                             ": check the directory exists and is writable");
  }
}

} // namespace

void setupCalibrate(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<CalibrateOptions>();
  CLI::App* sub = app.add_subcommand(
      "calibrate", "Fit the cost model of the captured server from a capture's token times");
  sub->add_option("--db", o->db, "Database file")->required();
  sub->add_option("--trace", o->trace, "The capture to calibrate from")->required();
  sub->add_option("--out", o->out, "Write the profile CSV here (for --profile FILE)");
  sub->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  sub->add_option("--max-batch-prefill-tokens", o->maxBatchPrefillTokens,
                  "The captured server's setting: longer prompts are chunked")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--cuda-graphs", o->cudaGraphs,
                  "The captured server's CUDA graph batch sizes (TGI's default: 1,2,4,8,16,32)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  sub->add_option("--tokenize-url", o->tokenizeUrl,
                  "A TGI serving the captured model (http://host:port): its /tokenize counts the "
                  "prompts the capture has no count for");
  sub->callback([o, &runner] { runner = [o] { return runCalibrate(*o, std::cout); }; });
}

int runCalibrate(const CalibrateOptions& o, std::ostream& out) {
  tune::CalibrationOptions options;
  options.recovery.maxBatchPrefillTokens = o.maxBatchPrefillTokens;
  options.cudaGraphs = o.cudaGraphs;
  if (!o.tokenizeUrl.empty()) {
    options.tokenize = tune::TokenizeOptions{.url = o.tokenizeUrl};
  }
  Store store(o.db, Store::Access::Read);
  tune::Calibration calibration;
  try {
    calibration = tune::calibrate(store, o.trace, options);
  } catch (const tune::TooFewStreamsError& e) {
    // The scraped /metrics may still determine the decode part (docs/calibrate.md).
    const tune::MetricsOnlyCalibration fromMetrics =
        tune::calibrateFromMetrics(store, o.trace, options.cudaGraphs, e.what());
    writeProfile(fromMetrics.csv, o.out);
    if (o.format == "json") {
      out << tune::metricsOnlyJson(fromMetrics, o.out).dump(2) << "\n";
    } else {
      tune::printMetricsOnlyCalibration(fromMetrics, o.out, out);
    }
    return 0;
  }
  writeProfile(calibration.csv, o.out);
  if (o.format == "json") {
    out << tune::calibrationJson(calibration, o.out).dump(2) << "\n";
  } else {
    tune::printCalibration(calibration, o.out, out);
  }
  return 0;
}

} // namespace tt::cli
