#include "analyze/series_fit.h"

#include "core/enum_names.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tt::analyze {
namespace {

constexpr std::array kCurveMetricNames{
    std::pair{CurveMetric::Ttft, std::string_view{"ttft"}},
    std::pair{CurveMetric::Itl, std::string_view{"itl"}},
    std::pair{CurveMetric::E2e, std::string_view{"e2e"}},
};

struct Candidate {
  const char* name;
  std::optional<FitError> error;
  const std::string* whyNot;
};

std::string aiccText(double aicc) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", aicc);
  return text;
}

// Picks the model and says why: the simplest fitted one, replaced by a more complex one only when
// that one's AICc is lower by kAiccMargin or more.
void choose(SeriesFit& s) {
  const Candidate candidates[] = {
      {"line", s.line.fit ? std::optional(s.line.fit->error) : std::nullopt, &s.line.whyNot},
      {"queueing", s.queueing.fit ? std::optional(s.queueing.fit->error) : std::nullopt,
       &s.queueing.whyNot},
      {"piecewise", s.piecewise.fit ? std::optional(s.piecewise.fit->error) : std::nullopt,
       &s.piecewise.whyNot}};
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (c.error && (best == nullptr || c.error->aicc <= best->error->aicc - kAiccMargin)) {
      best = &c;
    }
  }
  if (best == nullptr) {
    s.chosenWhy = "no model fitted: " + s.line.whyNot;
    return;
  }
  s.chosen = best->name;
  std::string compared;
  std::string notFitted;
  for (const Candidate& c : candidates) {
    if (&c == best) {
      continue;
    }
    if (c.error) {
      compared += (compared.empty() ? " against " : ", ") + std::string(c.name) + " " +
                  aiccText(c.error->aicc);
      if (c.error->aicc < best->error->aicc) {
        compared += " (lower by less than 2: the simpler model stands)";
      }
    } else {
      notFitted += "; " + std::string(c.name) + " not fitted: " + *c.whyNot;
    }
  }
  s.chosenWhy = s.chosen + ": AICc " + aiccText(best->error->aicc) + compared + notFitted;
}

void findKnee(SeriesFit& s, const std::vector<double>& throughput) {
  constexpr const char* kNone = "no knee inside the measured range";
  if (s.chosen == "line") {
    s.kneeWhyNot = std::string(kNone) + " (a straight line fits best)";
    return;
  }
  std::vector<double> measured = throughput;
  std::sort(measured.begin(), measured.end());
  measured.erase(std::unique(measured.begin(), measured.end()), measured.end());
  const double lo = measured.front();
  const double hi = measured.back();
  constexpr int kSamples = 400;
  std::vector<double> xs;
  std::vector<double> ys;
  for (int i = 0; i <= kSamples; ++i) {
    const double x = lo + (hi - lo) * i / kSamples;
    xs.push_back(x);
    ys.push_back(s.modelAt(x));
  }
  const std::optional<double> knee = kneedle(xs, ys);
  if (!knee) {
    s.kneeWhyNot = std::string(kNone) + " (latency rises about linearly)";
  } else if (*knee < measured[1]) {
    s.kneeWhyNot = std::string(kNone) + " (the curve bends at the lowest load measured)";
  } else if (*knee > measured[measured.size() - 2]) {
    s.kneeWhyNot = std::string(kNone) + " (latency still rising at the highest load measured)";
  } else {
    s.kneePerS = knee;
  }
}

} // namespace

std::string_view curveMetricName(CurveMetric metric) {
  return nameOf(kCurveMetricNames, metric);
}

double SeriesFit::modelAt(double x) const {
  if (chosen == "line") {
    return line.fit->model.at(x);
  }
  return chosen == "queueing" ? queueing.fit->model.at(x) : piecewise.fit->model.at(x);
}

std::optional<FitError> SeriesFit::chosenError() const {
  if (chosen == "line") {
    return line.fit->error;
  }
  if (chosen == "queueing") {
    return queueing.fit->error;
  }
  if (chosen == "piecewise") {
    return piecewise.fit->error;
  }
  return std::nullopt;
}

SeriesFit fitSeries(CurveMetric metric, int percentile, const std::vector<double>& throughput,
                    const std::vector<double>& latencyMs) {
  SeriesFit s;
  s.metric = metric;
  s.percentile = percentile;
  s.line = fitLine(throughput, latencyMs);
  s.queueing = fitQueueing(throughput, latencyMs);
  s.piecewise = fitPiecewise(throughput, latencyMs);
  choose(s);
  if (s.chosen.empty()) {
    s.kneeWhyNot = "no knee: " + s.chosenWhy;
    return s;
  }
  findKnee(s, throughput);
  return s;
}

} // namespace tt::analyze
