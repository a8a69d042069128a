#pragma once

#include "analyze/distribution.h"
#include "analyze/request_record.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tt::analyze {

// One row of the prefill or decode view of TGI's benchmark tool (docs/metrics.md, "Prefill and
// decode views"), rebuilt from records: requests grouped by the batch they ran in, rounded up to a
// power of two. The batch size is not recorded by the client, so it is estimated from the records:
//  - prefill: requests in flight when this one's first token arrived (the running batch its
//    prefill joined); latency = TTFT; throughput = batch x input tokens / TTFT (tokens/s);
//  - decode: requests between first token and end at the midpoint of this one's decode;
//    latency = TPOT (time per output token); throughput = batch / TPOT (tokens/s).
struct BatchRow {
  int64_t batchSize = 0; // bucket upper bound: 1, 2, 4, 8, ...
  double meanBatch = 0;  // mean estimated batch of the requests in the bucket
  Summary latencyUs;
  std::optional<double> throughputTokensPerS; // prefill: needs input token counts
};

struct BatchViews {
  std::vector<BatchRow> prefill;
  std::vector<BatchRow> decode;
};

BatchViews computeBatchViews(std::span<const RequestRecord> records);

} // namespace tt::analyze
