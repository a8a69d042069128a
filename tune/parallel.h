#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>

namespace tt::tune {

// Runs `work(i)` for every i in [0, n) on two threads (the searches are sized for two cores),
// each taking the next index as it finishes one.
inline void onTwoThreads(size_t n, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  const auto loop = [&] {
    for (size_t i = next++; i < n; i = next++) {
      work(i);
    }
  };
  std::thread helper(loop);
  loop();
  helper.join();
}

} // namespace tt::tune
