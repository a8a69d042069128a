#include "tune/forward_sampler.h"

#include <algorithm>

namespace tt::tune {

void ForwardSampler::add(const sim::ForwardRecord& f) {
  if (last_ && last_->startUs / kEveryUs != f.startUs / kEveryUs) {
    windows_.push_back(*last_);
  }
  last_ = Window{.startUs = f.startUs,
                 .batchSize = f.batchSize,
                 .queueLength = f.queueLength,
                 .blocksInUse = f.blocksInUse};
}

std::vector<Sample> ForwardSampler::samples(size_t first, size_t count) const {
  std::vector<Sample> out;
  const size_t end = std::min(first + count, windows());
  out.reserve(3 * (end - std::min(first, end)));
  for (size_t i = first; i < end; ++i) {
    const Window& w = i < windows_.size() ? windows_[i] : *last_;
    out.push_back({w.startUs, "tgi_batch_current_size", "", static_cast<double>(w.batchSize)});
    out.push_back({w.startUs, "tgi_queue_size", "", static_cast<double>(w.queueLength)});
    out.push_back({w.startUs, "kv_blocks_in_use", "", static_cast<double>(w.blocksInUse)});
  }
  return out;
}

} // namespace tt::tune
