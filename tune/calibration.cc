#include "tune/calibration.h"

#include "tune/calibration_fit.h"
#include "tune/calibration_rows.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace tt::tune {
namespace {

using Phase = sim::ProfileRow::Phase;

std::string count(int64_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto at = static_cast<size_t>(std::floor(q * static_cast<double>(values.size() - 1)));
  return values[at];
}

void checkTraffic(const CapturedTraffic& traffic, const CalibrationOptions& options) {
  const std::string trace = "trace " + std::to_string(traffic.traceId);
  if (traffic.requests.empty()) {
    throw CalibrationError(trace + " has no generation requests: capture traffic that generates "
                                   "tokens through tracetune proxy");
  }
  const int64_t streamed = traffic.streamed();
  if (streamed == 0) {
    throw TooFewStreamsError(
        "none of the " +
        count(static_cast<int64_t>(traffic.requests.size()), "generation request") + " of " +
        trace +
        " was streamed: calibrate reads forwards from token arrival times; capture streamed "
        "traffic (/generate_stream, or stream=true)");
  }
  if (streamed < options.minStreamedRequests) {
    throw TooFewStreamsError("only " + count(streamed, "streamed request") + " in " + trace +
                             ": calibrate needs at least " +
                             std::to_string(options.minStreamedRequests) +
                             " to see a range of batch sizes; capture longer or busier traffic");
  }
}

void checkSchedule(const Calibration& c) {
  const std::string trace = "trace " + std::to_string(c.traceId);
  int64_t widest = 0;
  std::set<int64_t> decodeBatches;
  for (const auto& f : c.schedule.forwards) {
    widest = std::max(widest, f.tokens);
    if (f.measured() && f.prompts.empty()) {
      decodeBatches.insert(f.decodeSeqs);
    }
  }
  if (widest <= 1) {
    throw CalibrationError(
        "never more than one stream at a time in " + trace +
        ": batch sizes cannot be told apart; capture traffic with concurrent streams (or replay "
        "it faster through the proxy)");
  }
  if (c.measuredDecode == 0 || decodeBatches.size() < 2) {
    throw CalibrationError("no decode forwards of two batch sizes or more could be measured in " +
                           trace + ": capture traffic with concurrent streams");
  }
  if (c.measuredPrefill == 0) {
    throw CalibrationError("no forward of prompts alone could be measured in " + trace +
                           " (a request that meets an idle server): capture a quiet period too");
  }
  if (c.measuredMixed == 0) {
    throw CalibrationError("no forward that added a prompt to running streams could be measured "
                           "in " +
                           trace + ": capture requests that arrive while others stream");
  }
}

Coverage coverageOf(const sim::Profile& profile, int64_t largestGraph) {
  Coverage c;
  for (const auto& row : profile.rows) {
    switch (row.phase) {
    case Phase::Decode:
      c.decodeBatch.add(row.batch);
      c.decodeContext.add(row.context);
      break;
    case Phase::Prefill:
      c.prefillTokens.add(row.tokens);
      break;
    case Phase::Mixed:
      if (row.tokens == row.batch + 1 && row.batch > largestGraph) {
        c.decodeBatch.add(row.batch);
        c.decodeContext.add(row.context);
      } else {
        c.mixedBatch.add(row.batch);
        c.mixedContext.add(row.context);
        c.mixedChunk.add(row.tokens - row.batch);
      }
      break;
    }
  }
  return c;
}

std::vector<std::string> extrapolations(const Coverage& c, const std::vector<int64_t>& graphs) {
  std::vector<std::string> lines;
  const int64_t n = c.decodeBatch.hi;
  lines.push_back("no forward with more than " + count(n, "sequence") +
                  ": capacity predictions above " + std::to_string(n) +
                  " concurrent streams extrapolate (capture or replay busier traffic)");
  if (!graphs.empty() && n <= graphs.back()) {
    lines.push_back("no decode beyond the largest CUDA graph (" + std::to_string(graphs.back()) +
                    " sequences): eager decode forwards are extrapolated from the mixed ones");
  }
  lines.push_back("no decode context beyond " + std::to_string(c.decodeContext.hi) +
                  " tokens per sequence: longer conversations extrapolate");
  const int64_t prompt = std::max(c.mixedChunk.hi, c.prefillTokens.hi);
  lines.push_back("no forward computing more than " + std::to_string(prompt) +
                  " prompt tokens: longer prompts (and larger --max-batch-prefill-tokens) "
                  "extrapolate");
  return lines;
}

} // namespace

void SizeRange::add(int64_t v) {
  lo = empty() ? v : std::min(lo, v);
  hi = std::max(hi, v);
}

bool Coverage::covers(const sim::ProfileRow& row) const {
  switch (row.phase) {
  case Phase::Decode:
    return decodeBatch.contains(row.batch) && decodeContext.contains(row.context);
  case Phase::Prefill:
    return prefillTokens.contains(row.tokens);
  case Phase::Mixed:
    if (row.tokens == row.batch + 1) {
      return decodeBatch.contains(row.batch) && decodeContext.contains(row.context);
    }
    return mixedBatch.contains(row.batch) && mixedContext.contains(row.context) &&
           mixedChunk.contains(row.tokens - row.batch);
  }
  return false;
}

Calibration calibrate(Store& store, int64_t traceId, const CalibrationOptions& options) {
  CapturedTraffic traffic = readCapturedTraffic(store, traceId);
  std::optional<TokenizeOutcome> tokenized;
  if (options.tokenize) {
    tokenized = countPromptsWithServer(store, traffic, *options.tokenize);
  }
  Calibration c = calibrateTraffic(traffic, options);
  c.tokenize = tokenized;
  c.metrics = compareWithServer(readDecodeTotals(store, traceId), c.schedule, c.timeScale);
  return c;
}

Calibration calibrateTraffic(const CapturedTraffic& traffic, CalibrationOptions options) {
  checkTraffic(traffic, options);
  // Ascending, as graphBatchFor and "the largest graph" below read them.
  std::sort(options.cudaGraphs.begin(), options.cudaGraphs.end());

  const int64_t traceId = traffic.traceId;
  Calibration c;
  c.traceId = traceId;
  c.modelId = traffic.modelId;
  c.timeScale = traffic.timeScale;
  c.requests = static_cast<int64_t>(traffic.requests.size());
  c.streamed = traffic.streamed();
  c.tokensPerByte = traffic.tokensPerByte;
  c.ratioFrom = traffic.ratioFrom;
  for (const auto& r : traffic.requests) {
    if (r.promptTokenized) {
      ++c.promptsTokenized;
    } else if (r.promptTokens) {
      ++(r.promptEstimated ? c.promptsEstimated : c.promptsCounted);
    }
  }
  c.schedule = recoverForwards(traffic, options.recovery);
  for (const auto& f : c.schedule.forwards) {
    if (!f.measured()) {
      continue;
    }
    if (f.prompts.empty()) {
      ++c.measuredDecode;
    } else if (f.decodeSeqs > 0) {
      ++c.measuredMixed;
    } else {
      ++c.measuredPrefill;
    }
  }
  checkSchedule(c);

  const std::string name = "calibrated from trace " + std::to_string(traceId);
  const MeasuredRows rows = profileRows(c.schedule, options.cudaGraphs, name);
  c.measured = rows.profile;
  if (rows.points.empty()) {
    throw CalibrationError("trace " + std::to_string(traceId) +
                           ": no measured forward shape has enough samples to fit: capture "
                           "longer, with more requests at once");
  }
  const RobustFit fit = robustFit(rows.points);
  if (!std::all_of(fit.errors.begin(), fit.errors.end(),
                   [](double e) { return std::isfinite(e); })) {
    throw CalibrationError("trace " + std::to_string(traceId) +
                           ": the measured forwards give no finite model (too few kinds of "
                           "forward): capture longer, with more requests at once");
  }
  c.rowErrors = fit.errors;
  c.rowsLeftOut = fit.leftOut;
  const int64_t largestGraph = options.cudaGraphs.empty() ? 0 : options.cudaGraphs.back();
  c.coverage = coverageOf(c.measured, largestGraph);
  c.profile = gridRows(fit.model, c.coverage, options.cudaGraphs, name);
  try {
    c.fitted = sim::fitProfile(c.profile);
  } catch (const sim::ProfileError& e) {
    throw CalibrationError("trace " + std::to_string(traceId) + ": " + e.what());
  }
  std::vector<double> errors;
  for (const auto& f : c.schedule.forwards) {
    if (f.measured() && *f.ms() > 0) {
      const double model = c.fitted.model.forwardMs(forwardShape(f, options.cudaGraphs));
      errors.push_back(std::abs(model / *f.ms() - 1));
    }
  }
  c.forwardError = {.forwards = static_cast<int64_t>(errors.size()),
                    .median = quantile(errors, 0.5),
                    .p90 = quantile(errors, 0.9),
                    .p99 = quantile(errors, 0.99)};
  c.extrapolations = extrapolations(c.coverage, options.cudaGraphs);
  c.csv = profileCsv(
      c.profile, c.modelId.empty() ? "calibrated" : c.modelId,
      "calibrated by tracetune from trace " + std::to_string(traceId) +
          ": the fitted model's times at shapes inside the covered range, fitted to " +
          count(static_cast<int64_t>(c.measured.rows.size()), "row") + " of " +
          count(c.measuredDecode + c.measuredMixed + c.measuredPrefill, "measured forward") +
          " of " + count(static_cast<int64_t>(c.schedule.forwards.size()), "recovered forward"));
  return c;
}

} // namespace tt::tune
