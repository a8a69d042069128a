#pragma once

#include "schema/store.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tt::proxy {

// Writes the upstream's server state (the trace's server info and samples) on a thread of its
// own with its own connection, so a slow disk never reaches the event loop. post() never blocks
// on I/O; beyond a few waiting jobs it drops and counts.
class StateWriter {
public:
  StateWriter(const std::string& path, int64_t traceId);
  ~StateWriter(); // writes what is queued, then joins
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  bool postServerInfo(std::string json);
  bool postSamples(std::vector<Sample> samples);
  uint64_t failures() const;
  uint64_t dropped() const;

private:
  bool post(std::function<void(Store&)> job);
  void run();

  const std::string path_;
  const int64_t traceId_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void(Store&)>> jobs_;
  bool stopping_ = false;
  uint64_t failures_ = 0;
  uint64_t dropped_ = 0;
  std::thread thread_;
};

} // namespace tt::proxy
