#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

namespace tt::replay {

// The median of every value added so far, exactly as core/percentile's 50th percentile (the
// mean of the two middle values when their count is even), at O(log n) an add and O(1) a read:
// the live progress line reads it twice a second, and copying a million TTFTs to select theirs
// would hold the sending loop for milliseconds.
class RunningMedian {
public:
  void add(int64_t value) {
    if (lower_.empty() || value <= lower_.top()) {
      lower_.push(value);
    } else {
      upper_.push(value);
    }
    // lower_ holds the smaller half and, for an odd count, the middle value.
    if (lower_.size() > upper_.size() + 1) {
      upper_.push(lower_.top());
      lower_.pop();
    } else if (upper_.size() > lower_.size()) {
      lower_.push(upper_.top());
      upper_.pop();
    }
  }

  std::optional<double> median() const {
    if (lower_.empty()) {
      return std::nullopt;
    }
    if (lower_.size() > upper_.size()) {
      return static_cast<double>(lower_.top());
    }
    return (static_cast<double>(lower_.top()) + static_cast<double>(upper_.top())) / 2;
  }

private:
  std::priority_queue<int64_t> lower_;                                              // max on top
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> upper_; // min on top
};

} // namespace tt::replay
