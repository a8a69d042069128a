#include "tune/metrics_only_calibration.h"

#include "core/exchange.h"
#include "sim/profile_source.h"
#include "tune/calibration.h"
#include "tune/calibration_fit.h"
#include "tune/calibration_rows.h"
#include "tune/captured_streams.h"
#include "tune/metrics_evidence.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace tt::tune {
namespace {

constexpr size_t kMinIntervals = 3;

// The decode forward of `batch` sequences over `context` tokens each, as the server pads it.
sim::ForwardShape decodeShape(double batch, int64_t context, const std::vector<int64_t>& graphs) {
  const auto seqs = std::max<int64_t>(1, std::llround(batch));
  return {.decodeSeqs = seqs,
          .kvTokens = seqs * context,
          .maxContext = context,
          .graphBatch = sim::graphBatchFor(graphs, seqs)};
}

// The mean context of a decoding sequence: each generated token after the first attends over its
// prompt and the tokens before it.
int64_t meanDecodeContext(Store& store, int64_t traceId) {
  auto stmt = store.db().prepare(
      "SELECT endpoint, COALESCE(input_tokens, tgi_prompt_tokens), COALESCE(output_tokens, "
      "tgi_generated_tokens) FROM requests WHERE trace_id = ?");
  stmt.bind(1, traceId);
  double tokens = 0;
  double context = 0;
  while (stmt.step()) {
    const auto endpoint = endpointFromName(stmt.text(0));
    const auto prompt = stmt.optInt64(1);
    const auto answer = stmt.optInt64(2);
    if (!endpoint || !isGeneration(*endpoint) || !prompt || !answer || *answer < 2) {
      continue;
    }
    const auto p = static_cast<double>(*prompt);
    const auto n = static_cast<double>(*answer - 1); // decode tokens
    tokens += n;
    context += n * p + n * (n + 1) / 2;
  }
  return tokens > 0 ? std::llround(context / tokens) : 0;
}

std::string fixed(double value, int digits) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

} // namespace

std::vector<DecodeInterval> readDecodeIntervals(Store& store, int64_t traceId) {
  auto stmt = store.db().prepare("SELECT t_us, value FROM samples WHERE trace_id = ? AND name = "
                                 "'tgi_batch_current_size'");
  stmt.bind(1, traceId);
  std::map<int64_t, double> gauge; // the batch size at each scrape
  while (stmt.step()) {
    gauge[stmt.int64(0)] = stmt.real(1);
  }
  const std::vector<DecodeTotals> scrapes = readDecodeTotals(store, traceId);
  std::vector<DecodeInterval> intervals;
  for (size_t i = 1; i < scrapes.size(); ++i) {
    const auto from = gauge.find(scrapes[i - 1].tUs);
    const auto to = gauge.find(scrapes[i].tUs);
    const double forwards = scrapes[i].count - scrapes[i - 1].count;
    const double seconds = scrapes[i].seconds - scrapes[i - 1].seconds;
    // Nothing decoded, or the server restarted (its totals began again). An idle end (gauge 0)
    // says the batch drained in the interval: the ends' mean is then not the interval's batch.
    if (from == gauge.end() || to == gauge.end() || forwards <= 0 || seconds <= 0 ||
        from->second <= 0 || to->second <= 0) {
      continue;
    }
    intervals.push_back({.batch = (from->second + to->second) / 2,
                         .ms = seconds * 1000 / forwards,
                         .first = from->second,
                         .last = to->second,
                         .forwards = std::llround(forwards)});
  }
  return intervals;
}

MetricsOnlyCalibration fitDecodeFromMetrics(const std::vector<DecodeInterval>& all, int64_t context,
                                            const std::vector<int64_t>& graphs) {
  MetricsOnlyCalibration c;
  c.context = context;
  const int64_t largestGraph = graphs.empty() ? 0 : graphs.back();
  std::set<int64_t> padded;
  for (const DecodeInterval& i : all) {
    if (std::llround(std::max(i.first, i.last)) > largestGraph) {
      ++c.eagerIntervals; // eager decodes: a cost of their own, not this line's
      continue;
    }
    if (decodeShape(i.first, context, graphs).graphBatch !=
        decodeShape(i.last, context, graphs).graphBatch) {
      // The load moved across CUDA graphs within the interval: which graphs its forwards ran,
      // and how many of each, is not known.
      ++c.changedIntervals;
      continue;
    }
    c.intervals.push_back(i);
    padded.insert(decodeShape(i.batch, context, graphs).graphBatch);
  }
  if (c.intervals.size() < kMinIntervals || padded.size() < 2) {
    throw CalibrationError(
        "/metrics cannot stand in: " + std::to_string(c.intervals.size()) +
        " steady scrape intervals with decode forwards at " + std::to_string(padded.size()) +
        " CUDA-graph batch sizes (at least " + std::to_string(kMinIntervals) +
        " intervals and 2 sizes are needed): scrape more often (tracetune proxy "
        "--scrape-interval) over a longer capture with varying load, or capture streamed traffic");
  }
  // The default profile's attention at each interval's shape (graph terms zeroed), so that the
  // line fitted is the graph forward's own: ms - attention = floor + perSequence * padded batch.
  sim::CostCoefficients base = sim::resolveProfile(sim::kDefaultProfile).model.coefficients();
  sim::CostCoefficients attentionOnly = base;
  attentionOnly.graphBaseMs = 0;
  attentionOnly.graphSeqMs = 0;
  attentionOnly.tokenMs = 0;
  const sim::CostModel attention(attentionOnly);
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const DecodeInterval& i : c.intervals) {
    const sim::ForwardShape shape = decodeShape(i.batch, context, graphs);
    const auto x = static_cast<double>(shape.graphBatch);
    const double y = i.ms - attention.forwardMs(shape);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  c.perSequenceMs = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  c.floorMs = (sy - c.perSequenceMs * sx) / n;
  if (!(c.perSequenceMs >= 0) || !(c.floorMs > 0)) {
    throw CalibrationError("/metrics cannot stand in: the decode times of its " +
                           std::to_string(c.intervals.size()) +
                           " scrape intervals do not grow from a positive floor with the batch "
                           "size (floor " +
                           fixed(c.floorMs, 2) + " ms, " + fixed(c.perSequenceMs, 3) +
                           " ms per sequence): capture streamed traffic to calibrate from");
  }
  base.graphBaseMs = c.floorMs;
  base.graphSeqMs = c.perSequenceMs;
  c.model = sim::CostModel(base);
  double sq = 0;
  for (const DecodeInterval& i : c.intervals) {
    const double e = c.model.forwardMs(decodeShape(i.batch, context, graphs)) / i.ms - 1;
    sq += e * e;
  }
  c.rmsError = std::sqrt(sq / n);
  return c;
}

MetricsOnlyCalibration calibrateFromMetrics(Store& store, int64_t traceId,
                                            const std::vector<int64_t>& cudaGraphs,
                                            const std::string& why) {
  std::vector<int64_t> graphs = cudaGraphs;
  std::sort(graphs.begin(), graphs.end());
  const std::vector<DecodeInterval> intervals = readDecodeIntervals(store, traceId);
  if (intervals.empty()) {
    throw CalibrationError(why);
  }
  const int64_t context = meanDecodeContext(store, traceId);
  MetricsOnlyCalibration c;
  try {
    c = fitDecodeFromMetrics(intervals, context, graphs);
  } catch (const CalibrationError& e) {
    throw CalibrationError(why + "; " + e.what());
  }
  c.traceId = traceId;
  c.streamed = readCapturedTraffic(store, traceId).streamed();
  const auto trace = store.findTrace(traceId);
  const auto info = nlohmann::json::parse(trace->serverInfoJson, nullptr, false);
  if (info.is_object() && info.contains("model_id") && info["model_id"].is_string()) {
    c.modelId = info["model_id"].get<std::string>();
  }
  // The rows: the model at the default profile's shapes and at decode shapes over the batches
  // seen, as calibrate writes them (calibration_fit.h, gridRows).
  Coverage covered;
  for (const DecodeInterval& i : c.intervals) {
    covered.decodeBatch.add(std::max<int64_t>(1, std::llround(i.batch)));
  }
  covered.decodeContext.add(std::max<int64_t>(1, context));
  const std::string name = "calibrated from trace " + std::to_string(traceId) + "'s /metrics";
  c.profile = gridRows(c.model, covered, graphs, name);
  c.csv = profileCsv(c.profile, c.modelId.empty() ? "calibrated" : c.modelId,
                     "calibrated by tracetune from trace " + std::to_string(traceId) +
                         "'s /metrics alone: graph_base_ms and graph_seq_ms fitted to " +
                         std::to_string(c.intervals.size()) +
                         " scrape intervals, every other coefficient " +
                         std::string(sim::kDefaultProfile) + "'s");
  return c;
}

void printMetricsOnlyCalibration(const MetricsOnlyCalibration& c, const std::string& profilePath,
                                 std::ostream& out) {
  double lo = c.intervals.front().batch;
  double hi = lo;
  int64_t forwards = 0;
  for (const DecodeInterval& i : c.intervals) {
    lo = std::min(lo, i.batch);
    hi = std::max(hi, i.batch);
    forwards += i.forwards;
  }
  out << "Calibration of trace #" << c.traceId << " (" << c.modelId
      << ") from the server's /metrics alone: " << c.streamed
      << " streamed requests are too few to recover forwards from\n";
  out << "server        " << c.intervals.size() << " scrape intervals with decode forwards ("
      << forwards << " forwards, by TGI's histogram) at batch " << fixed(lo, 1) << "-"
      << fixed(hi, 1) << " (tgi_batch_current_size)";
  if (c.changedIntervals > 0) {
    out << "; " << c.changedIntervals
        << " left out as their batch moved across CUDA graph sizes between scrapes";
  }
  if (c.eagerIntervals > 0) {
    out << "; " << c.eagerIntervals << " above the largest CUDA graph left out";
  }
  out << "\n";
  out << "decode        " << fixed(c.floorMs, 3) << " ms + " << fixed(c.perSequenceMs, 4)
      << " ms per sequence of the padded batch, beside attention over " << c.context
      << " tokens a sequence; fit error on the intervals' means: RMS " << fixed(c.rmsError * 100, 1)
      << "%\n";
  out << "from /metrics graph_base_ms=" << c.floorMs << " graph_seq_ms=" << c.perSequenceMs << "\n";
  out << "from the default profile (" << sim::kDefaultProfile
      << "): every other coefficient (prefill, mixed and eager forwards, attention); /metrics "
         "has no forward of known shape for them\n";
  if (!profilePath.empty()) {
    out << "profile written to " << profilePath << " (use it with --profile " << profilePath
        << ")\n";
  }
}

nlohmann::json metricsOnlyJson(const MetricsOnlyCalibration& c, const std::string& profilePath) {
  nlohmann::json intervals = nlohmann::json::array();
  for (const DecodeInterval& i : c.intervals) {
    intervals.push_back({{"batch", i.batch}, {"decode_ms", i.ms}, {"forwards", i.forwards}});
  }
  nlohmann::json j;
  j["trace"] = c.traceId;
  j["model_id"] = c.modelId;
  j["evidence"] = "metrics_only";
  j["streamed"] = c.streamed;
  j["intervals"] = intervals;
  j["eager_intervals_left_out"] = c.eagerIntervals;
  j["changed_intervals_left_out"] = c.changedIntervals;
  j["decode_context"] = c.context;
  j["fitted"] = {{"graph_base_ms", c.floorMs}, {"graph_seq_ms", c.perSequenceMs}};
  j["fit_rms"] = c.rmsError;
  j["default_profile"] = sim::kDefaultProfile;
  j["profile"] = profilePath.empty() ? nlohmann::json(nullptr) : nlohmann::json(profilePath);
  return j;
}

} // namespace tt::tune
