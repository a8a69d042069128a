#include "analyze/curves.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace tt::analyze {
namespace {

constexpr CurveMetric kMetrics[] = {CurveMetric::Ttft, CurveMetric::Itl, CurveMetric::E2e};
constexpr int kPercentiles[] = {50, 90, 99};

// The server_info JSON in one canonical spelling, so equal configurations compare equal.
std::string canonical(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  return parsed.is_discarded() ? json : parsed.dump();
}

// server_info as leaf settings: {"scheduler":{"max_batch_size":8}} -> scheduler.max_batch_size.
std::map<std::string, std::string> leafSettings(const std::string& json) {
  std::map<std::string, std::string> leaves;
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_object()) {
    return leaves;
  }
  const nlohmann::json flat = parsed.flatten(); // items() of a temporary would dangle
  for (const auto& [pointer, value] : flat.items()) {
    std::string key = pointer.substr(1);
    std::replace(key.begin(), key.end(), '/', '.');
    leaves[key] = value.dump();
  }
  return leaves;
}

// Names each configuration by the server_info settings whose values differ between them.
std::map<std::string, std::string> nameConfigurations(const std::set<std::string>& configs,
                                                      const std::string& family) {
  std::map<std::string, std::string> names;
  if (configs.size() == 1) {
    names[*configs.begin()] = family;
    return names;
  }
  std::map<std::string, std::map<std::string, std::string>> settings;
  std::map<std::string, std::set<std::string>> valuesByKey;
  for (const auto& c : configs) {
    settings[c] = leafSettings(c);
    for (const auto& [key, value] : settings[c]) {
      valuesByKey[key].insert(value);
    }
  }
  int unnamed = 0;
  for (const auto& c : configs) {
    const auto& mine = settings[c];
    std::string name;
    for (const auto& entry : valuesByKey) {
      const std::string& key = entry.first; // a plain reference: lambdas capture it (clang 14)
      const auto& values = entry.second;
      const auto found = mine.find(key);
      // A setting every configuration has with the same value tells them apart not at all.
      if (values.size() < 2 && found != mine.end() &&
          std::all_of(settings.begin(), settings.end(),
                      [&](const auto& s) { return s.second.count(key) > 0; })) {
        continue;
      }
      name += (name.empty() ? "" : " ") + key + "=" +
              (found != mine.end() ? found->second : std::string("-"));
    }
    names[c] = name.empty() ? "configuration " + std::to_string(++unnamed) : name;
  }
  return names;
}

void sampleKnee(const SeriesFit& s, double lo, double hi, std::string& whyNot,
                std::optional<double>& knee) {
  constexpr int kSamples = 400;
  std::vector<double> xs;
  std::vector<double> ys;
  for (int i = 0; i <= kSamples; ++i) {
    const double x = lo + (hi - lo) * i / kSamples;
    xs.push_back(x);
    ys.push_back(s.modelAt(x));
  }
  knee = kneedle(xs, ys);
  if (!knee) {
    whyNot = "latency rises about linearly over the measured range: no knee yet";
  }
}

} // namespace

std::string_view curveMetricName(CurveMetric metric) {
  switch (metric) {
  case CurveMetric::Ttft:
    return "ttft";
  case CurveMetric::Itl:
    return "itl";
  case CurveMetric::E2e:
    return "e2e";
  }
  return "e2e";
}

std::optional<double> pointLatencyUs(const CurvePoint& point, CurveMetric metric, int percentile) {
  const std::optional<Summary>& s = metric == CurveMetric::Ttft  ? point.ttftUs
                                    : metric == CurveMetric::Itl ? point.itlUs
                                                                 : point.e2eUs;
  if (!s) {
    return std::nullopt;
  }
  return percentile == 50 ? s->p50 : percentile == 90 ? s->p90 : s->p99;
}

double SeriesFit::modelAt(double x) const {
  return chosen == "queueing" ? queueing.fit->model.at(x) : piecewise.fit->model.at(x);
}

std::optional<FitError> SeriesFit::chosenError() const {
  if (chosen == "queueing") {
    return queueing.fit->error;
  }
  if (chosen == "piecewise") {
    return piecewise.fit->error;
  }
  return std::nullopt;
}

const SeriesFit* Configuration::fit(CurveMetric metric, int percentile) const {
  for (const auto& f : fits) {
    if (f.metric == metric && f.percentile == percentile) {
      return &f;
    }
  }
  return nullptr;
}

SeriesFit fitSeries(CurveMetric metric, int percentile, const std::vector<double>& throughput,
                    const std::vector<double>& latencyMs) {
  SeriesFit s;
  s.metric = metric;
  s.percentile = percentile;
  s.queueing = fitQueueing(throughput, latencyMs);
  s.piecewise = fitPiecewise(throughput, latencyMs);
  // Compare residual per degree of freedom, so the extra parameter of the piecewise model has
  // to pay for itself.
  auto perDof = [](const FitError& e) {
    const int dof = e.points - e.parameters;
    return dof > 0 ? e.rmse * e.rmse * e.points / dof : e.rmse;
  };
  if (s.queueing.fit && s.piecewise.fit) {
    s.chosen =
        perDof(s.piecewise.fit->error) < perDof(s.queueing.fit->error) ? "piecewise" : "queueing";
  } else if (s.queueing.fit) {
    s.chosen = "queueing";
  } else if (s.piecewise.fit) {
    s.chosen = "piecewise";
  }
  if (s.chosen.empty()) {
    s.kneeWhyNot = "no model fits: " + s.queueing.whyNot;
    return s;
  }
  const auto [lo, hi] = std::minmax_element(throughput.begin(), throughput.end());
  sampleKnee(s, *lo, *hi, s.kneeWhyNot, s.kneePerS);
  return s;
}

std::optional<Capacity> capacityOf(const std::vector<CurvePoint>& points, std::string& whyNot) {
  std::vector<const CurvePoint*> measured;
  for (const auto& p : points) {
    if (p.sloAttainment) {
      measured.push_back(&p);
    }
  }
  if (measured.empty()) {
    whyNot = "give --slo to find the capacity (the highest rate meeting the objectives)";
    return std::nullopt;
  }
  std::sort(measured.begin(), measured.end(),
            [](const auto* a, const auto* b) { return a->throughputPerS < b->throughputPerS; });
  auto passes = [](const CurvePoint* p) { return *p->sloAttainment >= kAttainmentTarget; };
  const auto lastPass = std::find_if(measured.rbegin(), measured.rend(), passes);
  if (lastPass == measured.rend()) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "no point met the SLOs for %.0f%% of its requests; the capacity is below "
                  "%.3g req/s, the lowest rate measured",
                  kAttainmentTarget * 100, measured.front()->throughputPerS);
    whyNot = text;
    return std::nullopt;
  }
  const CurvePoint* pass = *lastPass;
  const auto passIndex = static_cast<size_t>(measured.rend() - lastPass - 1);
  if (passIndex + 1 == measured.size()) {
    return Capacity{pass->throughputPerS, pass->throughputPerS, std::nullopt};
  }
  const CurvePoint* fail = measured[passIndex + 1];
  const double a0 = *pass->sloAttainment;
  const double a1 = *fail->sloAttainment;
  const double t = (a0 - kAttainmentTarget) / (a0 - a1); // a0 >= target > a1
  const double rate = pass->throughputPerS + t * (fail->throughputPerS - pass->throughputPerS);
  return Capacity{rate, pass->throughputPerS, fail->throughputPerS};
}

Curves computeCurves(const std::string& family, const std::vector<FamilyMember>& members,
                     const Slo& slo) {
  Curves curves;
  curves.family = family;
  std::map<std::string, std::vector<CurvePoint>> byConfig;
  std::set<std::string> configs;
  for (const auto& m : members) {
    const TraceMetrics& metrics = *m.metrics;
    if (!metrics.requestRatePerS || metrics.ok == 0) {
      curves.notes.push_back("trace " + std::to_string(m.info.id) + " (" + m.info.label +
                             ") has no successful requests over time: not a point of the curve");
      continue;
    }
    CurvePoint p;
    p.traceId = m.info.id;
    p.label = m.info.label;
    p.throughputPerS = *metrics.requestRatePerS;
    p.offeredRatePerS = metrics.offeredRatePerS;
    p.outputTokensPerS = metrics.outputTokenRatePerS;
    p.ttftUs = metrics.ttftUs;
    p.itlUs = metrics.itlUs;
    p.e2eUs = metrics.e2eUs;
    if (slo.any() && metrics.goodput) {
      p.sloAttainment = metrics.goodput->fraction;
    }
    const std::string config = canonical(m.info.serverInfoJson);
    configs.insert(config);
    byConfig[config].push_back(std::move(p));
  }
  const auto names = nameConfigurations(configs, family);
  for (auto& [config, points] : byConfig) {
    Configuration c;
    c.name = names.at(config);
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.throughputPerS < b.throughputPerS; });
    c.points = std::move(points);
    for (const CurveMetric metric : kMetrics) {
      for (const int percentile : kPercentiles) {
        std::vector<double> xs;
        std::vector<double> ys;
        for (const auto& p : c.points) {
          if (const auto y = pointLatencyUs(p, metric, percentile)) {
            xs.push_back(p.throughputPerS);
            ys.push_back(*y / 1e3);
          }
        }
        c.fits.push_back(fitSeries(metric, percentile, xs, ys));
      }
    }
    c.capacity = capacityOf(c.points, c.capacityWhyNot);
    curves.configurations.push_back(std::move(c));
  }
  if (curves.configurations.empty()) {
    curves.notes.push_back("no trace of the family has successful requests: no curve");
  }
  return curves;
}

} // namespace tt::analyze
