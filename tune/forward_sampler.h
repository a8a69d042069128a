#pragma once

#include "schema/store.h"
#include "sim/scheduler.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tt::tune {

// The scheduler's state over time as `simulate` stores it: for each 100 ms of virtual time that
// has a forward, the state when the window's last forward began (batch size, queue length, KV
// blocks in use), so a timeline reads it as it would TGI's scraped gauges. It is fed the engine's
// forwards one at a time and keeps one small record per window, never the forwards.
class ForwardSampler {
public:
  static constexpr int64_t kEveryUs = 100'000;

  void add(const sim::ForwardRecord& forward);
  // Windows closed so far, plus the last one.
  size_t windows() const { return windows_.size() + (last_ ? 1 : 0); }
  // The samples of windows [first, first + count), three per window.
  std::vector<Sample> samples(size_t first, size_t count) const;

private:
  struct Window {
    int64_t startUs = 0; // of the window's last forward
    int32_t batchSize = 0;
    int32_t queueLength = 0;
    int64_t blocksInUse = 0;
  };
  std::vector<Window> windows_;
  std::optional<Window> last_; // the open window's latest forward
};

} // namespace tt::tune
