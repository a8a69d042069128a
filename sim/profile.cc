#include "sim/profile.h"

#include "core/enum_names.h"

#include <Eigen/Dense>
#include <unsupported/Eigen/LevenbergMarquardt>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace tt::sim {
namespace {

constexpr std::string_view kHeader = "model,phase,batch,context,tokens,ms";

constexpr std::array kPhaseNames{
    std::pair{ProfileRow::Phase::Decode, std::string_view{"decode"}},
    std::pair{ProfileRow::Phase::Prefill, std::string_view{"prefill"}},
    std::pair{ProfileRow::Phase::Mixed, std::string_view{"mixed"}},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) {
      return fields;
    }
    start = comma + 1;
  }
}

[[noreturn]] void fail(const std::string& source, int line, const std::string& reason) {
  throw ProfileError(source + ":" + std::to_string(line) + ": " + reason);
}

int64_t positiveInt(std::string_view field, const char* column, const std::string& source,
                    int line) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || value <= 0) {
    fail(source, line,
         std::string(column) + " must be a positive integer, got '" + std::string(field) + "'");
  }
  return value;
}

double positiveMs(std::string_view field, const std::string& source, int line) {
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || !std::isfinite(value) ||
      value <= 0) {
    fail(source, line, "ms must be a positive number, got '" + std::string(field) + "'");
  }
  return value;
}

ProfileRow parseRow(std::string_view line, const std::string& source, int lineNo) {
  const auto fields = splitFields(line);
  if (fields.size() != 6) {
    fail(source, lineNo,
         "expected 6 fields (" + std::string(kHeader) + "), got " + std::to_string(fields.size()));
  }
  ProfileRow row;
  row.line = lineNo;
  if (const auto phase = valueOf<ProfileRow::Phase>(kPhaseNames, fields[1])) {
    row.phase = *phase;
  } else {
    fail(source, lineNo,
         "phase must be decode, prefill or mixed, got '" + std::string(fields[1]) + "'");
  }
  row.batch = positiveInt(fields[2], "batch", source, lineNo);
  row.context = positiveInt(fields[3], "context", source, lineNo);
  row.tokens = positiveInt(fields[4], "tokens", source, lineNo);
  row.ms = positiveMs(fields[5], source, lineNo);
  switch (row.phase) {
  case ProfileRow::Phase::Decode:
    if (row.tokens != row.batch) {
      fail(source, lineNo, "a decode row must have tokens == batch");
    }
    break;
  case ProfileRow::Phase::Prefill:
    if (row.tokens != row.batch * row.context) {
      fail(source, lineNo, "a prefill row must have tokens == batch x context");
    }
    break;
  case ProfileRow::Phase::Mixed:
    if (row.tokens <= row.batch) {
      fail(source, lineNo, "a mixed row must have tokens > batch (a prefill chunk + batch)");
    }
    break;
  }
  return row;
}

// Relative residuals of the model on every row, weighted for the reweighted passes.
struct FitFunctor : Eigen::DenseFunctor<double> {
  FitFunctor(const std::vector<ForwardShape>& s, const std::vector<double>& m,
             const std::vector<double>& w)
      : Eigen::DenseFunctor<double>(CostCoefficients::kCount, static_cast<int>(s.size())),
        shapes(&s), measured(&m), weights(&w) {}

  const std::vector<ForwardShape>* shapes;
  const std::vector<double>* measured;
  const std::vector<double>* weights;

  // Central differences: the model is piecewise linear in its coefficients.
  int df(const Eigen::VectorXd& x, Eigen::MatrixXd& jac) const {
    Eigen::VectorXd plus(values());
    Eigen::VectorXd minus(values());
    Eigen::VectorXd probe = x;
    for (int j = 0; j < inputs(); ++j) {
      const double h = 1e-6;
      probe[j] = x[j] + h;
      (*this)(probe, plus);
      probe[j] = x[j] - h;
      (*this)(probe, minus);
      probe[j] = x[j];
      jac.col(j) = (plus - minus) / (2 * h);
    }
    return 0;
  }

  int operator()(const Eigen::VectorXd& x, Eigen::VectorXd& fvec) const {
    const CostModel model(coefficientsOf(x));
    for (size_t i = 0; i < shapes->size(); ++i) {
      const double rel = model.forwardMs((*shapes)[i]) / (*measured)[i] - 1.0;
      fvec[static_cast<Eigen::Index>(i)] = rel * (*weights)[i];
    }
    return 0;
  }

  // The fit runs on logarithms: every coefficient is positive, and relative steps suit
  // coefficients that differ by seven orders of magnitude.
  static CostCoefficients coefficientsOf(const Eigen::VectorXd& x) {
    std::array<double, CostCoefficients::kCount> values{};
    for (int i = 0; i < CostCoefficients::kCount; ++i) {
      values[static_cast<size_t>(i)] = std::exp(x[i]);
    }
    return CostCoefficients::fromArray(values);
  }
};

} // namespace

std::string_view phaseName(ProfileRow::Phase phase) {
  return nameOf(kPhaseNames, phase);
}

Profile parseProfile(std::string_view text, const std::string& source) {
  Profile profile;
  profile.name = source;
  bool sawHeader = false;
  int lineNo = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++lineNo;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (!sawHeader) {
      if (line != kHeader) {
        fail(source, lineNo, "expected the header '" + std::string(kHeader) + "'");
      }
      sawHeader = true;
      continue;
    }
    profile.rows.push_back(parseRow(line, source, lineNo));
  }
  if (!sawHeader) {
    fail(source, lineNo, "no header line '" + std::string(kHeader) + "'");
  }
  return profile;
}

ForwardShape shapeOf(const ProfileRow& row) {
  ForwardShape s;
  switch (row.phase) {
  case ProfileRow::Phase::Decode:
    s.decodeSeqs = row.batch;
    s.kvTokens = row.batch * row.context;
    s.maxContext = row.context;
    s.graphBatch = row.batch; // the profile captured a graph at exactly this size
    break;
  case ProfileRow::Phase::Prefill:
    s.prefillTokens = row.tokens;
    s.prefillAttention =
        static_cast<double>(row.batch) * static_cast<double>(row.context * row.context) / 2.0;
    break;
  case ProfileRow::Phase::Mixed: {
    if (row.tokens == row.batch + 1) {
      // The eager decode rows (sim/README.md, "Profile files"): no prompt chunk.
      s.decodeSeqs = row.batch;
      s.kvTokens = row.batch * row.context;
      s.maxContext = row.context;
      break;
    }
    const int64_t chunk = row.tokens - row.batch;
    s.prefillTokens = chunk;
    s.prefillAttention = static_cast<double>(chunk) * static_cast<double>(chunk) / 2.0;
    s.decodeSeqs = row.batch;
    s.kvTokens = row.batch * row.context;
    s.maxContext = row.context;
    break;
  }
  }
  return s;
}

double FittedProfile::maxAbsError() const {
  double worst = 0;
  for (const double e : rowErrors) {
    worst = std::max(worst, std::abs(e));
  }
  return worst;
}

double FittedProfile::rmsError() const {
  double sum = 0;
  for (const double e : rowErrors) {
    sum += e * e;
  }
  return rowErrors.empty() ? 0 : std::sqrt(sum / static_cast<double>(rowErrors.size()));
}

CostCoefficients initialGuess(const std::vector<FitPoint>& points) {
  CostCoefficients c;
  double minDecode = 1e300;
  double minPrefill = 1e300;
  double minMixed = 1e300;
  double largestPrefillMs = 0;
  int64_t largestPrefillTokens = 1;
  for (const auto& p : points) {
    const ForwardShape& s = p.shape;
    if (s.prefillTokens == 0 && s.graphBatch > 0) {
      minDecode = std::min(minDecode, p.ms);
    } else if (s.decodeSeqs == 0) {
      minPrefill = std::min(minPrefill, p.ms);
      if (s.prefillTokens > largestPrefillTokens) {
        largestPrefillTokens = s.prefillTokens;
        largestPrefillMs = p.ms;
      }
    } else {
      minMixed = std::min(minMixed, p.ms);
    }
  }
  c.prefillFloorMs = minPrefill;
  c.eagerBaseMs = minPrefill / 4;
  c.decodeFloorMs = minMixed;
  c.tokenMs = largestPrefillMs / static_cast<double>(largestPrefillTokens) * 0.9;
  c.attnMs = c.tokenMs * 1e-4;
  c.graphBaseMs = minDecode * 0.95;
  c.graphSeqMs = minDecode * 5e-4;
  // KV bytes per token over bandwidth is roughly 1/500 of a token's GEMM time on an H100.
  c.kvMs = c.tokenMs / 500;
  c.ctxMs = c.kvMs * 8;
  c.eagerKvMs = c.kvMs;
  c.sharpness = 8;
  c.floorSharpness = 8;
  return c;
}

CostCoefficients fitPoints(const std::vector<FitPoint>& points, const CostCoefficients& start,
                           int reweightedPasses) {
  std::vector<ForwardShape> shapes;
  std::vector<double> measured;
  for (const auto& p : points) {
    shapes.push_back(p.shape);
    measured.push_back(p.ms);
  }
  std::vector<double> weights(shapes.size(), 1.0);
  FitFunctor functor(shapes, measured, weights);
  const auto first = start.toArray();
  Eigen::VectorXd x(CostCoefficients::kCount);
  for (int i = 0; i < CostCoefficients::kCount; ++i) {
    x[i] = std::log(first[static_cast<size_t>(i)]);
  }
  // Plain least squares first, then iteratively reweighted passes (Lawson's method) that move
  // the solution towards the smallest worst-row error, since the promise is a bound on every row.
  Eigen::VectorXd residuals(static_cast<Eigen::Index>(shapes.size()));
  for (int pass = 0; pass <= reweightedPasses; ++pass) {
    if (pass > 0) {
      const std::vector<double> previous = weights;
      std::fill(weights.begin(), weights.end(), 1.0);
      functor(x, residuals);
      const double meanAbs = residuals.cwiseAbs().mean();
      double norm = 0;
      for (size_t i = 0; i < weights.size(); ++i) {
        // Lawson update on squared weights: w_i^2 <- w_i^2 * |r_i| / mean |r|, kept away from 0.
        const double share = std::abs(residuals[static_cast<Eigen::Index>(i)]) / meanAbs;
        weights[i] = previous[i] * std::sqrt(std::max(share, 1e-3));
        norm += weights[i] * weights[i];
      }
      norm = std::sqrt(norm / static_cast<double>(weights.size()));
      for (double& w : weights) {
        w /= norm;
      }
    }
    Eigen::LevenbergMarquardt<FitFunctor> lm(functor);
    lm.setMaxfev(4000);
    lm.setXtol(1e-12);
    lm.setFtol(1e-12);
    lm.minimize(x);
  }
  return FitFunctor::coefficientsOf(x);
}

FittedProfile fitProfile(const Profile& profile) {
  bool hasPhase[3] = {false, false, false};
  for (const auto& row : profile.rows) {
    hasPhase[static_cast<int>(row.phase)] = true;
  }
  if (!hasPhase[0] || !hasPhase[1] || !hasPhase[2]) {
    throw ProfileError(profile.name +
                       ":1: the profile needs decode, prefill and mixed rows to fit the model");
  }
  std::vector<FitPoint> points;
  for (const auto& row : profile.rows) {
    points.push_back({shapeOf(row), row.ms});
  }
  constexpr int kReweightedPasses = 11;
  FittedProfile fitted;
  fitted.name = profile.name;
  fitted.model = CostModel(fitPoints(points, initialGuess(points), kReweightedPasses));
  for (const auto& p : points) {
    fitted.rowErrors.push_back(fitted.model.forwardMs(p.shape) / p.ms - 1.0);
  }
  return fitted;
}

} // namespace tt::sim
