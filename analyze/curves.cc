#include "analyze/curves.h"

#include "analyze/load_label.h"

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

} // namespace

std::optional<double> pointLatencyUs(const CurvePoint& point, CurveMetric metric, int percentile) {
  const std::optional<Summary>& s = metric == CurveMetric::Ttft  ? point.ttftUs
                                    : metric == CurveMetric::Itl ? point.itlUs
                                                                 : point.e2eUs;
  if (!s) {
    return std::nullopt;
  }
  return percentile == 50 ? s->p50 : percentile == 90 ? s->p90 : s->p99;
}

const SeriesFit* Configuration::fit(CurveMetric metric, int percentile) const {
  for (const auto& f : fits) {
    if (f.metric == metric && f.percentile == percentile) {
      return &f;
    }
  }
  return nullptr;
}

void markRejected(std::vector<CurvePoint>& points) {
  if (points.empty()) {
    return;
  }
  const auto least =
      std::min_element(points.begin(), points.end(), [](const auto& a, const auto& b) {
        return a.failedShare() < b.failedShare();
      })->failedShare();
  for (auto& p : points) {
    p.rejected = p.failedShare() > least + kRejectedExcess;
  }
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
  char text[240];
  if (lastPass == measured.rend()) {
    std::snprintf(text, sizeof text,
                  "no capacity inside the measured range: no point met the SLOs for %.0f%% of its "
                  "requests, so the capacity is below %.3g req/s, the lowest rate measured",
                  kAttainmentTarget * 100, measured.front()->throughputPerS);
    whyNot = text;
    return std::nullopt;
  }
  const CurvePoint* pass = *lastPass;
  const auto passIndex = static_cast<size_t>(measured.rend() - lastPass - 1);
  if (passIndex + 1 == measured.size()) {
    std::snprintf(text, sizeof text,
                  "no capacity inside the measured range: every point met the SLOs for %.0f%% of "
                  "its requests, so the capacity is at least %.3g req/s, the highest rate "
                  "measured; measure higher loads to bound it",
                  kAttainmentTarget * 100, pass->throughputPerS);
    whyNot = text;
    return std::nullopt;
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
    p.load = loadLabel(m.info, m.timeScale, metrics.offeredRatePerS);
    p.requests = metrics.requests;
    p.failed = metrics.requests - metrics.ok;
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
    markRejected(points);
    c.points = std::move(points);
    for (const CurveMetric metric : kMetrics) {
      for (const int percentile : kPercentiles) {
        std::vector<double> xs;
        std::vector<double> ys;
        for (const auto& p : c.points) {
          if (p.rejected) {
            continue;
          }
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
