#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tt::tgisim {

// The metric registry of one server, rendered in the Prometheus text format the way
// metrics-exporter-prometheus 0.15 renders TGI's metrics (docs/tgi.md, "Prometheus metrics"): names
// as written (counters without `_total`), histograms with TGI's buckets, histograms without buckets
// as summaries. A family appears once it was first touched, as in the exporter.
class Metrics {
public:
  // Buckets by TGI's rules: every name ending in `duration` gets 35 geometric buckets,
  // input length, generated tokens and max new tokens linear ones, batch next size 1..1024.
  Metrics(int64_t maxInputTokens, int64_t maxTotalTokens);

  void increment(std::string_view name, std::string_view labels = {}, double by = 1);
  void setGauge(std::string_view name, double value, std::string_view labels = {});
  void addGauge(std::string_view name, double delta, std::string_view labels = {});
  void observe(std::string_view name, double value, std::string_view labels = {});

  // `labels` is the label text inside the braces, e.g. `method="prefill"`.
  double counter(std::string_view name, std::string_view labels = {}) const;
  double gauge(std::string_view name, std::string_view labels = {}) const;

  std::string render() const;

private:
  struct Histogram {
    std::vector<uint64_t> counts; // one per bucket, not cumulative
    std::vector<double> samples;  // summaries keep their samples for the quantiles
    double sum = 0;
    uint64_t count = 0;
  };
  enum class Type { Counter, Gauge, Histogram, Summary };
  struct Family {
    Type type = Type::Counter;
    std::map<std::string, double, std::less<>> values; // by label text
    std::map<std::string, Histogram, std::less<>> histograms;
    const std::vector<double>* buckets = nullptr;
  };

  static std::string_view typeName(Type type); // Prometheus's TYPE
  Family& family(std::string_view name, Type type);
  const std::vector<double>* bucketsFor(std::string_view name) const;

  std::vector<double> durationBuckets_;
  std::vector<double> inputLengthBuckets_;
  std::vector<double> totalTokensBuckets_;
  std::vector<double> batchSizeBuckets_;
  std::map<std::string, Family, std::less<>> families_;
};

} // namespace tt::tgisim
