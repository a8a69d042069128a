#include "analyze/timeline.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tt::analyze {
namespace {

// 1, 2 or 5 times a power of ten, at least `raw` (bucket widths people read easily).
double niceWidth(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * magnitude >= raw) {
      return step * magnitude;
    }
  }
  return 10.0 * magnitude;
}

std::optional<double> median(std::vector<double>& values) {
  if (values.empty()) {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

Timeline computeTimeline(std::span<const RequestRecord> records) {
  Timeline timeline;
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  for (const auto& r : records) {
    first = std::min(first, r.sentUs);
    last = std::max(last, r.endUs.value_or(r.sentUs));
  }
  if (records.empty() || last <= first) {
    return timeline;
  }
  const double spanUs = static_cast<double>(last - first);
  const double widthUs = niceWidth(spanUs / static_cast<double>(kMaxBuckets));
  const auto count = static_cast<size_t>(std::ceil(spanUs / widthUs));
  timeline.bucketS = widthUs / 1e6;
  std::vector<double> busyUs(count, 0);
  std::vector<int64_t> sends(count, 0);
  std::vector<std::vector<double>> ttft(count);
  std::vector<std::vector<double>> e2e(count);
  auto bucketAt = [&](double offsetUs) {
    return std::min(count - 1, static_cast<size_t>(offsetUs / widthUs));
  };
  for (const auto& r : records) {
    const double start = static_cast<double>(r.sentUs - first);
    const double end = static_cast<double>(r.endUs.value_or(r.sentUs) - first);
    const size_t b = bucketAt(start);
    ++sends[b];
    for (size_t i = b; i <= bucketAt(end); ++i) {
      const double lo = std::max(start, static_cast<double>(i) * widthUs);
      const double hi = std::min(end, static_cast<double>(i + 1) * widthUs);
      busyUs[i] += std::max(0.0, hi - lo);
    }
    if (r.ok()) {
      if (const auto v = r.ttftUs()) {
        ttft[b].push_back(*v);
      }
      if (const auto v = r.e2eUs()) {
        e2e[b].push_back(*v);
      }
    }
  }
  for (size_t i = 0; i < count; ++i) {
    TimelineBucket bucket;
    bucket.startS = static_cast<double>(i) * timeline.bucketS;
    bucket.sendRatePerS = static_cast<double>(sends[i]) / timeline.bucketS;
    bucket.meanInFlight = busyUs[i] / widthUs;
    bucket.ttftP50Us = median(ttft[i]);
    bucket.e2eP50Us = median(e2e[i]);
    timeline.buckets.push_back(bucket);
  }
  return timeline;
}

} // namespace tt::analyze
