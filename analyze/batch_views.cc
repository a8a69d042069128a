#include "analyze/batch_views.h"

#include <algorithm>
#include <bit>
#include <map>

namespace tt::analyze {
namespace {

// How many intervals [start, end] have started at `t` and not yet ended before it.
class Overlap {
public:
  void addInterval(int64_t start, int64_t end) {
    starts_.push_back(start);
    ends_.push_back(end);
  }
  void freeze() {
    std::sort(starts_.begin(), starts_.end());
    std::sort(ends_.begin(), ends_.end());
  }
  int64_t at(int64_t t) const {
    const auto started = std::upper_bound(starts_.begin(), starts_.end(), t) - starts_.begin();
    const auto ended = std::lower_bound(ends_.begin(), ends_.end(), t) - ends_.begin();
    return std::max<int64_t>(1, started - ended);
  }

private:
  std::vector<int64_t> starts_;
  std::vector<int64_t> ends_;
};

struct Bucket {
  double batchSum = 0;
  double inputTokens = 0;
  int64_t withInput = 0;
  std::vector<double> latencies;
};

int64_t bucketOf(int64_t batch) {
  return static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(batch)));
}

std::vector<BatchRow> rowsOf(std::map<int64_t, Bucket>& buckets, bool prefill) {
  std::vector<BatchRow> rows;
  for (auto& [size, b] : buckets) {
    BatchRow row;
    row.batchSize = size;
    const auto n = static_cast<double>(b.latencies.size());
    row.meanBatch = b.batchSum / n;
    row.latencyUs = *summarize(b.latencies);
    const double latencyS = row.latencyUs.mean / 1e6;
    if (latencyS > 0) {
      if (!prefill) {
        row.throughputTokensPerS = row.meanBatch / latencyS;
      } else if (b.withInput == static_cast<int64_t>(b.latencies.size())) {
        row.throughputTokensPerS = row.meanBatch * (b.inputTokens / n) / latencyS;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

} // namespace

BatchViews computeBatchViews(std::span<const RequestRecord> records) {
  Overlap inFlight;
  Overlap decoding;
  for (const auto& r : records) {
    const int64_t end = r.endUs.value_or(r.sentUs);
    inFlight.addInterval(r.sentUs, end);
    if (r.firstTokenUs) {
      decoding.addInterval(*r.firstTokenUs, std::max(end, *r.firstTokenUs));
    }
  }
  inFlight.freeze();
  decoding.freeze();

  std::map<int64_t, Bucket> prefill;
  std::map<int64_t, Bucket> decode;
  for (const auto& r : records) {
    if (!r.ok() || !r.firstTokenUs) {
      continue;
    }
    const int64_t atFirst = inFlight.at(*r.firstTokenUs);
    Bucket& p = prefill[bucketOf(atFirst)];
    p.batchSum += static_cast<double>(atFirst);
    p.latencies.push_back(*r.ttftUs());
    if (r.inputTokens) {
      p.inputTokens += static_cast<double>(*r.inputTokens);
      ++p.withInput;
    }
    if (const auto tpot = r.tpotUs()) {
      const int64_t mid = *r.firstTokenUs + (*r.endUs - *r.firstTokenUs) / 2;
      const int64_t batch = decoding.at(mid);
      Bucket& d = decode[bucketOf(batch)];
      d.batchSum += static_cast<double>(batch);
      d.latencies.push_back(*tpot);
    }
  }
  return {rowsOf(prefill, true), rowsOf(decode, false)};
}

} // namespace tt::analyze
