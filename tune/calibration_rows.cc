#include "tune/calibration_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

namespace tt::tune {
namespace {

using Phase = sim::ProfileRow::Phase;

struct Sample {
  int64_t context = 0;
  int64_t chunk = 0;
  double ms = 0;
  sim::ForwardShape shape;
};

// The mean of the samples' shapes (a graph batch is the same in a row: the row has one batch).
sim::ForwardShape meanShape(const std::vector<Sample>& samples) {
  double prefillTokens = 0;
  double prefillAttention = 0;
  double kvTokens = 0;
  double maxContext = 0;
  for (const Sample& s : samples) {
    prefillTokens += static_cast<double>(s.shape.prefillTokens);
    prefillAttention += s.shape.prefillAttention;
    kvTokens += static_cast<double>(s.shape.kvTokens);
    maxContext += static_cast<double>(s.shape.maxContext);
  }
  const auto n = static_cast<double>(samples.size());
  sim::ForwardShape shape = samples.front().shape;
  shape.prefillTokens = std::llround(prefillTokens / n);
  shape.prefillAttention = prefillAttention / n;
  shape.kvTokens = std::llround(kvTokens / n);
  shape.maxContext = std::llround(maxContext / n);
  return shape;
}

// 25% wide buckets of a positive size: fine enough for a smooth model, coarse enough that a row
// averages many forwards (and that the fit, whose time grows with the rows, stays quick).
int64_t bucket(int64_t value) {
  return value <= 0 ? -1 : std::llround(std::log(static_cast<double>(value)) / std::log(1.25));
}

// A decode row averages at least this many forwards: they are plentiful, and one forward's time
// carries its end's delivery delay. Prompt forwards are rare and kept one by one.
constexpr size_t kMinDecodeSamples = 3;

template <typename T> T median(std::vector<T> values) {
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

// The mean, not the median: when the server's sends run late, a forward's measured time is its
// own plus its end's delay less the previous end's; those delays cancel on average, and over
// consecutive forwards of one row they telescope, while a median of a bimodal mix does not.
double mean(const std::vector<double>& values) {
  double sum = 0;
  for (const double v : values) {
    sum += v;
  }
  return sum / static_cast<double>(values.size());
}

} // namespace

MeasuredRows profileRows(const RecoveredSchedule& schedule, const std::vector<int64_t>& cudaGraphs,
                         const std::string& name) {
  // (phase, batch, context bucket, chunk bucket) -> samples
  std::map<std::tuple<Phase, int64_t, int64_t, int64_t>, std::vector<Sample>> bins;
  for (const RecoveredForward& f : schedule.forwards) {
    if (!f.measured()) {
      continue;
    }
    int64_t promptTokens = 0;
    for (const int64_t p : f.prompts) {
      promptTokens += p;
    }
    const double ms = *f.ms();
    if (ms <= 0) {
      continue;
    }
    const sim::ForwardShape shape = forwardShape(f, cudaGraphs);
    if (f.decodeSeqs > 0 && promptTokens == 0) {
      const int64_t context = std::max<int64_t>(f.kvTokens / f.decodeSeqs, 1);
      const bool graph = sim::graphBatchFor(cudaGraphs, f.decodeSeqs) > 0;
      bins[{graph ? Phase::Decode : Phase::Mixed, f.decodeSeqs, bucket(context), -1}].push_back(
          {context, 0, ms, shape});
    } else if (f.decodeSeqs > 0 && promptTokens > 1) {
      // A chunk of one token would read as an eager decode row (tokens = batch + 1).
      const int64_t context = std::max<int64_t>(f.kvTokens / f.decodeSeqs, 1);
      bins[{Phase::Mixed, f.decodeSeqs, bucket(context), bucket(promptTokens)}].push_back(
          {context, promptTokens, ms, shape});
    } else if (f.decodeSeqs == 0 && !f.prompts.empty()) {
      const auto batch = static_cast<int64_t>(f.prompts.size());
      const int64_t context = std::max<int64_t>(promptTokens / batch, 1);
      bins[{Phase::Prefill, batch, bucket(context), -1}].push_back({context, 0, ms, shape});
    }
  }

  MeasuredRows out;
  sim::Profile& profile = out.profile;
  profile.name = name;
  for (const auto& [key, samples] : bins) {
    const auto& [phase, batch, contextBucket, chunkBucket] = key;
    if (chunkBucket < 0 && phase != Phase::Prefill && samples.size() < kMinDecodeSamples) {
      continue;
    }
    std::vector<int64_t> contexts;
    std::vector<int64_t> chunks;
    std::vector<double> times;
    for (const Sample& s : samples) {
      contexts.push_back(s.context);
      chunks.push_back(s.chunk);
      times.push_back(s.ms);
    }
    sim::ProfileRow row;
    row.phase = phase;
    row.batch = batch;
    row.context = median(contexts);
    row.ms = mean(times);
    switch (phase) {
    case Phase::Decode:
      row.tokens = batch;
      break;
    case Phase::Prefill:
      row.tokens = batch * row.context;
      break;
    case Phase::Mixed:
      row.tokens = batch + (chunkBucket < 0 ? 1 : median(chunks));
      break;
    }
    row.line = static_cast<int>(profile.rows.size()) + 3; // after the comment and the header
    profile.rows.push_back(row);
    out.points.push_back({meanShape(samples), row.ms});
  }
  return out;
}

std::string profileCsv(const sim::Profile& profile, const std::string& model,
                       const std::string& comment) {
  std::string label = model;
  std::replace(label.begin(), label.end(), ',', ' ');
  std::string csv = "# " + comment + "\nmodel,phase,batch,context,tokens,ms\n";
  char ms[32];
  for (const sim::ProfileRow& row : profile.rows) {
    std::snprintf(ms, sizeof ms, "%.4f", row.ms);
    csv += label + "," + std::string(sim::phaseName(row.phase)) + "," + std::to_string(row.batch) +
           "," + std::to_string(row.context) + "," + std::to_string(row.tokens) + "," + ms + "\n";
  }
  return csv;
}

} // namespace tt::tune
