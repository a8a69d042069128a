#include "tgisim/metrics.h"

#include "core/enum_names.h"
#include "core/rust_number.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace tt::tgisim {
namespace {
constexpr size_t kSummaryWindow = 4096;
} // namespace

Metrics::Metrics(int64_t maxInputTokens, int64_t maxTotalTokens) {
  double value = 0.0001;
  for (int i = 0; i < 35; ++i) {
    value *= 1.5;
    durationBuckets_.push_back(value);
  }
  for (int i = 0; i < 100; ++i) {
    inputLengthBuckets_.push_back(static_cast<double>(maxInputTokens) / 100.0 * (i + 1));
    totalTokensBuckets_.push_back(static_cast<double>(maxTotalTokens) / 100.0 * (i + 1));
  }
  for (int i = 0; i < 1024; ++i) {
    batchSizeBuckets_.push_back(i + 1);
  }
}

const std::vector<double>* Metrics::bucketsFor(std::string_view name) const {
  if (name.ends_with("duration")) {
    return &durationBuckets_;
  }
  if (name == "tgi_request_input_length") {
    return &inputLengthBuckets_;
  }
  if (name == "tgi_request_generated_tokens" || name == "tgi_request_max_new_tokens") {
    return &totalTokensBuckets_;
  }
  if (name == "tgi_batch_next_size") {
    return &batchSizeBuckets_;
  }
  return nullptr;
}

Metrics::Family& Metrics::family(std::string_view name, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
    it->second.type = type;
    if (type == Type::Histogram) {
      it->second.buckets = bucketsFor(name);
      if (it->second.buckets == nullptr) {
        it->second.type = Type::Summary;
      }
    }
  }
  return it->second;
}

void Metrics::increment(std::string_view name, std::string_view labels, double by) {
  Family& f = family(name, Type::Counter);
  auto it = f.values.find(labels);
  if (it == f.values.end()) {
    it = f.values.emplace(std::string(labels), 0.0).first;
  }
  it->second += by;
}

void Metrics::setGauge(std::string_view name, double value, std::string_view labels) {
  Family& f = family(name, Type::Gauge);
  f.values[std::string(labels)] = value;
}

void Metrics::addGauge(std::string_view name, double delta, std::string_view labels) {
  Family& f = family(name, Type::Gauge);
  f.values[std::string(labels)] += delta;
}

void Metrics::observe(std::string_view name, double value, std::string_view labels) {
  Family& f = family(name, Type::Histogram);
  auto it = f.histograms.find(labels);
  if (it == f.histograms.end()) {
    it = f.histograms.emplace(std::string(labels), Histogram{}).first;
    if (f.buckets != nullptr) {
      it->second.counts.assign(f.buckets->size(), 0);
    }
  }
  Histogram& h = it->second;
  h.sum += value;
  ++h.count;
  if (f.buckets != nullptr) {
    const auto pos = std::lower_bound(f.buckets->begin(), f.buckets->end(), value);
    if (pos != f.buckets->end()) {
      ++h.counts[static_cast<size_t>(pos - f.buckets->begin())];
    }
  } else if (h.samples.size() < kSummaryWindow) {
    h.samples.push_back(value);
  } else {
    h.samples[h.count % kSummaryWindow] = value; // a bounded window, like the exporter's
  }
}

double Metrics::counter(std::string_view name, std::string_view labels) const {
  const auto f = families_.find(name);
  if (f == families_.end()) {
    return 0;
  }
  const auto v = f->second.values.find(labels);
  return v == f->second.values.end() ? 0 : v->second;
}

double Metrics::gauge(std::string_view name, std::string_view labels) const {
  return counter(name, labels);
}

namespace {

std::string withLabels(std::string_view labels, std::string_view extra) {
  if (labels.empty() && extra.empty()) {
    return {};
  }
  std::string out = "{";
  out += labels;
  if (!labels.empty() && !extra.empty()) {
    out += ',';
  }
  out += extra;
  out += '}';
  return out;
}

double quantileOf(std::vector<double> samples, double q) {
  if (samples.empty()) {
    return 0;
  }
  std::sort(samples.begin(), samples.end());
  const double rank = q * static_cast<double>(samples.size() - 1);
  return samples[static_cast<size_t>(std::llround(rank))];
}

} // namespace

std::string_view Metrics::typeName(Type type) {
  static constexpr std::array kNames{
      std::pair{Type::Counter, std::string_view{"counter"}},
      std::pair{Type::Gauge, std::string_view{"gauge"}},
      std::pair{Type::Histogram, std::string_view{"histogram"}},
      std::pair{Type::Summary, std::string_view{"summary"}},
  };
  return nameOf(kNames, type);
}

std::string Metrics::render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# TYPE " + name + " " + std::string(typeName(f.type)) + "\n";
    switch (f.type) {
    case Type::Counter:
    case Type::Gauge:
      for (const auto& [labels, value] : f.values) {
        out += name + withLabels(labels, {}) + " " + rustNumber(value) + "\n";
      }
      break;
    case Type::Histogram:
      for (const auto& [labels, h] : f.histograms) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < f.buckets->size(); ++i) {
          cumulative += h.counts[i];
          out += name + "_bucket" +
                 withLabels(labels, "le=\"" + rustNumber((*f.buckets)[i]) + "\"") + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_bucket" + withLabels(labels, "le=\"+Inf\"") + " " +
               std::to_string(h.count) + "\n";
        out += name + "_sum" + withLabels(labels, {}) + " " + rustNumber(h.sum) + "\n";
        out += name + "_count" + withLabels(labels, {}) + " " + std::to_string(h.count) + "\n";
      }
      break;
    case Type::Summary:
      for (const auto& [labels, h] : f.histograms) {
        for (const double q : {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
          out += name + withLabels(labels, "quantile=\"" + rustNumber(q) + "\"") + " " +
                 rustNumber(quantileOf(h.samples, q)) + "\n";
        }
        out += name + "_sum" + withLabels(labels, {}) + " " + rustNumber(h.sum) + "\n";
        out += name + "_count" + withLabels(labels, {}) + " " + std::to_string(h.count) + "\n";
      }
      break;
    }
    out += "\n";
  }
  return out;
}

} // namespace tt::tgisim
