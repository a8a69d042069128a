#include "tune/calibration_fit.h"

#include "sim/builtin_profiles.h"
#include "sim/profile_source.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace tt::tune {
namespace {

using Phase = sim::ProfileRow::Phase;

double sumOfSquares(const sim::CostModel& model, const std::vector<sim::FitPoint>& points) {
  double sum = 0;
  for (const auto& p : points) {
    const double e = model.forwardMs(p.shape) / p.ms - 1;
    sum += e * e;
  }
  return sum;
}

// The starting points: the roofline guess, and the guess with each group of coefficients (graph
// decode, eager launch floors, per-token and attention terms) a factor of 3 off either way, so
// that a basin the guess misses is still found. Fixed, so a capture always gives the same fit.
std::vector<sim::CostCoefficients> starts(const sim::CostCoefficients& guess) {
  std::vector<sim::CostCoefficients> out{guess};
  for (const double f : {3.0, 1 / 3.0}) {
    sim::CostCoefficients graph = guess;
    graph.graphSeqMs *= f;
    graph.kvMs *= f;
    graph.ctxMs *= f;
    sim::CostCoefficients eager = guess;
    eager.eagerBaseMs *= f;
    eager.tokenMs *= f;
    eager.eagerKvMs *= f;
    sim::CostCoefficients floors = guess;
    floors.prefillFloorMs *= f;
    floors.decodeFloorMs *= f;
    floors.attnMs *= f;
    out.insert(out.end(), {graph, eager, floors});
  }
  return out;
}

sim::CostCoefficients bestOf(const std::vector<sim::FitPoint>& points) {
  sim::CostCoefficients best;
  double bestSum = INFINITY;
  for (const auto& start : starts(sim::initialGuess(points))) {
    const sim::CostCoefficients fitted = sim::fitPoints(points, start, 0);
    const double sum = sumOfSquares(sim::CostModel(fitted), points);
    if (sum < bestSum) {
      bestSum = sum;
      best = fitted;
    }
  }
  return best;
}

// A point far off the fit is a measurement something unseen spoiled (a chunk of a prompt the
// capture does not show, a late send that no burst revealed): points off by more than three times
// the RMS error (and more than 10%) are left out and the rest fitted again.
constexpr double kOutlierRms = 3;
constexpr double kOutlierFloor = 0.10;

// Sizes from lo to hi, about `n` of them, evenly spread on a log scale.
std::vector<int64_t> spread(const SizeRange& r, int n) {
  if (r.empty()) {
    return {};
  }
  std::set<int64_t> sizes{r.lo, r.hi};
  const double ratio = static_cast<double>(r.hi) / static_cast<double>(r.lo);
  for (int i = 1; i + 1 < n; ++i) {
    sizes.insert(std::llround(static_cast<double>(r.lo) *
                              std::pow(ratio, static_cast<double>(i) / (n - 1))));
  }
  return {sizes.begin(), sizes.end()};
}

} // namespace

RobustFit robustFit(const std::vector<sim::FitPoint>& points) {
  RobustFit fit;
  fit.model = sim::CostModel(bestOf(points));
  double sum = 0;
  for (const auto& p : points) {
    fit.errors.push_back(fit.model.forwardMs(p.shape) / p.ms - 1);
    sum += fit.errors.back() * fit.errors.back();
  }
  const double rms = std::sqrt(sum / static_cast<double>(points.size()));
  const double limit = std::max(kOutlierFloor, kOutlierRms * rms);
  std::vector<sim::FitPoint> kept;
  for (size_t i = 0; i < points.size(); ++i) {
    if (std::abs(fit.errors[i]) <= limit) {
      kept.push_back(points[i]);
    }
  }
  fit.leftOut = static_cast<int64_t>(points.size() - kept.size());
  if (fit.leftOut > 0) {
    fit.model = sim::CostModel(sim::fitPoints(kept, fit.model.coefficients(), 0));
    for (size_t i = 0; i < points.size(); ++i) {
      fit.errors[i] = fit.model.forwardMs(points[i].shape) / points[i].ms - 1;
    }
  }
  return fit;
}

sim::Profile gridRows(const sim::CostModel& model, const Coverage& coverage,
                      const std::vector<int64_t>& cudaGraphs, const std::string& name) {
  sim::Profile profile;
  profile.name = name;
  const auto add = [&](Phase phase, int64_t batch, int64_t context, int64_t tokens) {
    sim::ProfileRow row{.phase = phase, .batch = batch, .context = context, .tokens = tokens};
    row.ms = model.forwardMs(sim::shapeOf(row));
    row.line = static_cast<int>(profile.rows.size()) + 3; // after the comment and the header
    profile.rows.push_back(row);
  };
  // The shapes of the default profile first: they span every regime of the model (launch floors,
  // memory and compute bound, eager decode), so the refit cannot trade one regime for another
  // where the covered range alone leaves it free (a capture with one size of prompts alone, say).
  for (const auto& builtin : sim::builtinProfiles()) {
    if (builtin.name == sim::kDefaultProfile) {
      for (const auto& row : sim::parseProfile(builtin.csv, std::string(builtin.name)).rows) {
        add(row.phase, row.batch, row.context, row.tokens);
      }
    }
  }
  const int64_t largestGraph = cudaGraphs.empty() ? 0 : cudaGraphs.back();
  const std::vector<int64_t> decodeContexts = spread(coverage.decodeContext, 4);
  for (const int64_t batch : spread(coverage.decodeBatch, 8)) {
    for (const int64_t context : decodeContexts) {
      if (batch <= largestGraph) {
        add(Phase::Decode, batch, context, batch);
      } else {
        add(Phase::Mixed, batch, context, batch + 1); // an eager decode row
      }
    }
  }
  for (const int64_t tokens : spread(coverage.prefillTokens, 8)) {
    add(Phase::Prefill, 1, tokens, tokens);
  }
  for (const int64_t batch : spread(coverage.mixedBatch, 3)) {
    for (const int64_t context : spread(coverage.mixedContext, 3)) {
      for (const int64_t chunk : spread(coverage.mixedChunk, 4)) {
        if (chunk > 1) {
          add(Phase::Mixed, batch, context, batch + chunk);
        }
      }
    }
  }
  return profile;
}

} // namespace tt::tune
